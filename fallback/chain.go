package fallback

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-resilience/resilience"
)

// ChainConfig configures a chain of alternatives: a Policy that, when next
// fails, tries each alternative in order until one succeeds. Alternatives
// is required; every other field's zero value means a documented default.
type ChainConfig[R any] struct {
	// Name names the policy in events; "" leaves it unnamed.
	Name string

	// Alternatives are tried in order after next fails, each only if all
	// before it failed: backup 1, backup 2, ... Required: at least one,
	// none nil. Each gets the ctx Execute got.
	Alternatives []resilience.Func[R]

	// FailureIf reports whether an outcome (of next or of an alternative)
	// is a failure. nil means the FailureIf of the stack the policy is
	// composed in (resilience.ComposeWith), and err != nil without one.
	FailureIf func(r R, err error) bool

	// OnFallback, if set, is called before each alternative runs, with the
	// failed outcome it replaces; Event.Attempt numbers the alternative
	// from 1. nil means no hook.
	OnFallback func(Event[R])

	// Observer receives a resilience.EventFallback before each alternative
	// runs. nil means the process-wide observer set by
	// resilience.SetObserver.
	Observer resilience.Observer
}

// Validate returns nil if c is valid, and otherwise a
// *resilience.ConfigError (wrapping resilience.ErrInvalidConfig) that
// names the invalid field, its value and the rule it breaks.
func (c ChainConfig[R]) Validate() error {
	if len(c.Alternatives) == 0 {
		return &resilience.ConfigError{Policy: "fallback", Field: "Alternatives", Value: "[]", Rule: "must hold at least one func"}
	}
	for i, alt := range c.Alternatives {
		if alt == nil {
			return &resilience.ConfigError{Policy: "fallback", Field: fmt.Sprintf("Alternatives[%d]", i), Value: nil, Rule: "must not be nil"}
		}
	}
	return nil
}

// NewChain returns a Policy that answers a failure of next with the first
// of cfg.Alternatives that succeeds. It panics with the error of
// cfg.Validate if cfg is invalid.
//
// When next and every alternative fail, Execute returns the last
// alternative's result and the errors of all of them, in order, joined
// with errors.Join (so errors.Is/As reach each one; nil errors of results
// that FailureIf failed are left out, and a single error is returned as it
// is). Each dropped result is discarded before the next alternative
// starts. When the caller cancels ctx the chain stops at once, with the
// outcome so far.
func NewChain[R any](cfg ChainConfig[R]) *Policy[R] {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	return &Policy[R]{
		name:         cfg.Name,
		alternatives: append([]resilience.Func[R](nil), cfg.Alternatives...),
		failureIf:    cfg.FailureIf,
		onFallback:   cfg.OnFallback,
		observer:     cfg.Observer,
	}
}

// Chain returns a Policy that answers a failure of next (err != nil) with
// the first alternative that succeeds, tried in order: primary → backup 1
// → backup 2 → ... It is NewChain(ChainConfig[R]{Alternatives:
// alternatives}); see NewChain for the outcome when all of them fail. It
// panics if alternatives is empty or holds a nil func.
func Chain[R any](alternatives ...resilience.Func[R]) *Policy[R] {
	return NewChain(ChainConfig[R]{Alternatives: alternatives})
}

// chain runs the alternatives after next failed with (r, err).
func (p *Policy[R]) chain(ctx context.Context, r R, err error) (R, error) {
	errs := make([]error, 1, len(p.alternatives)+1)
	errs[0] = err
	for i, alt := range p.alternatives {
		p.drop(ctx, i+1, r, err) // before the next attempt starts
		r, err = alt(ctx)
		if !p.failed(ctx, r, err) {
			return r, err
		}
		errs = append(errs, err)
		if resilience.CallerEnded(ctx) {
			break
		}
	}
	return r, join(errs)
}

// drop reports that the failed outcome (r, err) is about to be replaced
// by alternative attempt, then discards r: even if the hook or the
// observer panics.
func (p *Policy[R]) drop(ctx context.Context, attempt int, r R, err error) {
	defer resilience.Discard(ctx, r)
	p.report(ctx, attempt, r, err)
}

// join is errors.Join, except that a single error is returned unwrapped.
func join(errs []error) error {
	var only error
	n := 0
	for _, err := range errs {
		if err != nil {
			only = err
			n++
		}
	}
	if n <= 1 {
		return only
	}
	return errors.Join(errs...)
}
