//go:build !race

// Allocation guards. The race detector makes sync.Pool drop items on
// purpose, so these run only without it.

package retry_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/resiliencetest"
	"github.com/go-resilience/resilience/retry"
)

func TestFirstSuccessAllocatesNothing(t *testing.T) {
	ok := func(context.Context) (int, error) { return 1, nil }
	pass := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) { return next(ctx) })
	full := retry.New(retry.Config[int]{
		Name:      "full",
		Budget:    &fakeBudget{allow: 1},
		Observer:  &resiliencetest.Events{},
		FailureIf: func(_ int, err error) bool { return err != nil },
		AbortIf:   func(int, error) bool { return false },
		OnRetry:   func(retry.Event[int]) {},
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	policies := map[string]resilience.Policy[int]{
		"New(Config{})":              retry.New(retry.Config[int]{}),
		"New(full Config)":           full,
		"Compose(retry)":             resilience.Compose[int](full),
		"Compose(pass, retry, pass)": resilience.Compose[int](pass, full, pass),
	}
	for name, p := range policies {
		_, _ = p.Execute(ctx, ok) // warm any pool
		allocs := testing.AllocsPerRun(1000, func() { _, _ = p.Execute(ctx, ok) })
		assert.Zero(t, allocs, "%s: Execute = %v allocs, want 0", name, allocs)
	}
}
