package hedge

import "github.com/go-resilience/resilience"

var _ resilience.Classified[int] = (*Policy[int])(nil)

// WithStackFailureIf returns p when its Config has a FailureIf, and
// otherwise a copy of p that accepts only what failureIf does not fail:
// the classifier a stack built by resilience.ComposeWith hands its
// policies. The copy shares p's latency record; p is not changed.
func (p *Policy[R]) WithStackFailureIf(failureIf func(r R, err error) bool) resilience.Policy[R] {
	if p.cfg.FailureIf != nil || failureIf == nil {
		return p
	}
	q := *p
	q.cfg.FailureIf = failureIf
	return &q
}
