// Package resiliencetest holds the helpers that tests of code using these
// policies need, the same ones the module's own tests use: a fake clock
// that says when a policy is waiting on it ([Clock]), helpers that drive
// a circuit breaker to a state ([Trip], [HalfOpen]), an observer that
// keeps what it sees ([Events]) and a keeper of the results policies drop
// ([Discards]).
//
// Inside a testing/synctest bubble the policies need no clock at all (the
// runtime's timers run on the bubble's clock); Clock is for tests that
// move time by hand.
package resiliencetest
