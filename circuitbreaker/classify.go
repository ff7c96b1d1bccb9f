package circuitbreaker

import "github.com/go-resilience/resilience"

var _ resilience.Classified[int] = (*Breaker[int])(nil)

// WithStackFailureIf returns b when it has a FailureIf of its own, and
// otherwise a view of b that counts as failures what failureIf fails: the
// classifier a stack built by resilience.ComposeWith hands its policies.
// b is not changed.
//
// The view is the same breaker (one state, one window, one set of
// callbacks), with b's IgnoreIf and OpenDelayFunc: classifying belongs to
// the view, as with [Share]. So a breaker without a FailureIf shared by
// two stacks with different classifiers counts each call by the
// classifier of the stack it went through; give the breaker its own
// FailureIf when every stack must count alike.
func (b *Breaker[R]) WithStackFailureIf(failureIf func(r R, err error) bool) resilience.Policy[R] {
	if b.failureIf != nil || failureIf == nil {
		return b
	}
	v := *b
	v.failureIf = failureIf
	return &v
}
