// Package circuitbreaker stops calling a dependency that keeps failing, so
// that it gets room to recover and callers fail fast instead of waiting.
//
// # The model
//
// A [Breaker] starts Closed: it admits every call and records each outcome
// in a window, either the last WindowSize outcomes (a count window, 100 by
// default) or the outcomes of the last WindowPeriod (a time window of ten
// buckets). It opens when, with at least MinCalls outcomes in the window,
// failures/calls reaches FailureRate (50% by default) or, with the slow-call
// rule on, slow/calls reaches SlowCallRate; or when ConsecutiveFailures
// failures come in a row, however few calls the window holds. Rates are
// compared exactly, in integers: 7 failures of 10 reach 0.7, 6 do not.
// With FailureRate: [RateOff], the failure rate does not count: only
// ConsecutiveFailures (and the slow-call rule, if on) opens the breaker.
//
// Open rejects every call at once with an [*OpenError] (errors.Is(err,
// ErrOpen)), whose RetryAfter method tells how long until a trial call is
// let through. After OpenDelay (30s by default; or growing across openings
// in a row with OpenBackoff; or the delay OpenDelayFunc reads from the
// failure, such as a Retry-After) the breaker is HalfOpen — on the clock,
// whether or not a call comes: State reports it. HalfOpen admits
// HalfOpenCalls trial calls (1 by default) and rejects the rest. A failed
// trial opens the breaker again; when all trials have succeeded it closes
// with an empty window. A trial that never returns would hold its permit
// for ever: HalfOpenMaxWait bounds a half-open period (a timeout policy
// inside the breaker bounds each trial, which is better still).
//
// A call that fails after its caller cancelled ctx counts neither way (the
// failure says nothing of the dependency), and gives back a half-open trial
// permit; a success counts as one, whatever became of ctx. An outcome that
// Config.IgnoreIf picks (a "not found", say, which tells nothing of the
// dependency's health) counts neither way either: it is not recorded, does
// not break a run of consecutive failures, and gives back a half-open
// trial permit.
//
// A panic in the call, or in FailureIf or IgnoreIf, counts as a failure
// and propagates unchanged. A panic in another callback (OpenDelayFunc,
// OpenBackoff, OnStateChange, the observer) propagates too, once the
// breaker has done what the outcome called for: whatever panics, no
// half-open trial permit is lost and an outcome that opens the breaker
// opens it. A result that Execute does not return because of such a panic
// goes to resilience.Discard.
//
// A call admitted in one period (one Closed, Open or HalfOpen stretch) that
// ends in a later one does not count at all: a slow straggler from before
// the breaker opened cannot close it, nor can one from an earlier half-open
// period reopen it.
//
// Manual control: [Breaker.ForceOpen] rejects every call,
// [Breaker.Disable] admits every call and records nothing,
// [Breaker.MetricsOnly] records without ever opening, and
// [Breaker.Reset] closes the breaker with an empty window. [Breaker.Metrics]
// returns a snapshot of the state and the window.
//
// # Use
//
// Most callers want [Breaker.Execute], usually through resilience.Compose,
// inside a retry so that the breaker sees every attempt:
//
//	cb := circuitbreaker.New(circuitbreaker.Config[*User]{Name: "users"})
//	exec := resilience.Compose[*User](retryPolicy, cb, timeoutPolicy)
//
// Integrations that see the start and the end of a call in different places
// use [Breaker.Allow] and the [Permit] it returns. One breaker guards calls
// with different result types through [Share].
//
// State changes reach Config.OnStateChange and the observer in the order
// they happened, never under the breaker's lock, so callbacks may call the
// breaker's methods. Rejections reach the observer as
// resilience.EventRejected.
//
// # Cost
//
// In the closed state a call takes no lock and allocates nothing: admission
// is one atomic load, recording a few atomic operations. (A time window
// takes a lock once per bucket span to age a bucket out.)
//
// A Breaker is safe for concurrent use by multiple goroutines.
package circuitbreaker
