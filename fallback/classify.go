package fallback

import "github.com/go-resilience/resilience"

var _ resilience.Classified[int] = (*Policy[int])(nil)

// WithStackFailureIf returns p when it has a FailureIf of its own, and
// otherwise a copy of p that replaces only what failureIf fails: the
// classifier a stack built by resilience.ComposeWith hands its policies.
// Value and Error, which have none, take the stack's too. p is not
// changed.
func (p *Policy[R]) WithStackFailureIf(failureIf func(r R, err error) bool) resilience.Policy[R] {
	if p.failureIf != nil || failureIf == nil {
		return p
	}
	q := *p
	q.failureIf = failureIf
	return &q
}
