//go:build !race

// Allocation guards. The race detector makes sync.Pool drop items on
// purpose, so these run in the non-race pass of make test.

package resilience_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/fallback"
	"github.com/go-resilience/resilience/retry"
)

// The stack's classifier is handed to the policies once, in ComposeWith:
// a call costs it nothing but the classifier itself.
func TestStackFailureIfAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	ok := func(context.Context) (string, error) { return "v", nil }
	answer := func(context.Context) (string, error) { return "", errMissing }
	opts := resilience.Options[string]{FailureIf: notFoundIsAnAnswer}
	newStack := func() []resilience.Policy[string] {
		fb, cb, rt := stack()
		return []resilience.Policy[string]{fb, cb, rt}
	}
	for _, tc := range []struct {
		name string
		exec *resilience.Executor[string]
		fn   resilience.Func[string]
	}{
		{"Compose(fb, cb, rt) success", resilience.Compose(newStack()...), ok},
		{"ComposeWith(FailureIf, fb, cb, rt) success", resilience.ComposeWith(opts, newStack()...), ok},
		{"ComposeWith(FailureIf, fb, cb, rt) not found", resilience.ComposeWith(opts, newStack()...), answer},
		{"ComposeWith(FailureIf, Compose(fb, cb, rt)) success", resilience.ComposeWith(opts, resilience.Policy[string](resilience.Compose(newStack()...))), ok},
	} {
		_, _ = tc.exec.Execute(ctx, tc.fn) // warm any pool
		allocs := testing.AllocsPerRun(1000, func() { _, _ = tc.exec.Execute(ctx, tc.fn) })
		assert.Zero(t, allocs, "%s: Execute = %v allocs, want 0", tc.name, allocs)
	}
}

var (
	_ resilience.Classified[int] = (*retry.Policy[int])(nil)
	_ resilience.Classified[int] = (*circuitbreaker.Breaker[int])(nil)
	_ resilience.Classified[int] = (*fallback.Policy[int])(nil)
	_ resilience.Classified[int] = (*resilience.Executor[int])(nil)
)
