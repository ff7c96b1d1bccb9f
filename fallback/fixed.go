package fallback

import (
	"context"
	"fmt"

	"github.com/go-resilience/resilience"
)

// Value returns a Policy that answers every failure of next (err != nil,
// or what the stack's FailureIf fails: see resilience.ComposeWith)
// with v and a nil error: a default, a cached or a degraded answer. For a
// name, an observer or FailureIf, use New with a Fallback returning v.
func Value[R any](v R) *Policy[R] {
	return New(Config[R]{
		Fallback: func(context.Context, R, error) (R, error) { return v, nil },
	})
}

// Error returns a Policy that answers every failure of next (err != nil,
// or what the stack's FailureIf fails: see resilience.ComposeWith)
// with the zero R and an error wrapping replacement and the original error,
// in that order: errors.Is reaches both, and the message reads
// "replacement: original" (just replacement for a failed result with no
// error). It translates internal failures into one
// error of the caller's API. It panics if replacement is nil.
func Error[R any](replacement error) *Policy[R] {
	if replacement == nil {
		panic(fmt.Errorf("%w: fallback.Error: nil replacement error", resilience.ErrInvalidArgument))
	}
	return New(Config[R]{
		Fallback: func(_ context.Context, _ R, err error) (R, error) {
			var zero R
			if err == nil { // a result the stack's FailureIf failed
				return zero, replacement
			}
			return zero, fmt.Errorf("%w: %w", replacement, err)
		},
	})
}
