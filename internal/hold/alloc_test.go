//go:build !race

// An allocation guard. The race detector makes allocations of its own, so
// this runs in the non-race pass of make test.

package hold_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/internal/hold"
	"github.com/go-resilience/resilience/timeout"
)

func TestHoldAllocations(t *testing.T) {
	base := context.Background()
	values := resilience.WithDiscard(base, func(int) {})
	timed, cancel := context.WithTimeout(base, time.Hour)
	defer cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		max  float64
	}{
		// The Hold (its caller's state, here on its own), the held context
		// and its cancel func.
		{"ctx that ends with base", values, 3},
		// And the link to ctx: context.AfterFunc's context, its stop func,
		// the func it runs.
		{"ctx with a timeout", timed, 6},
	} {
		allocs := testing.AllocsPerRun(1000, func() {
			h := new(hold.Hold)
			_ = h.Start(tc.ctx, base)
			h.Keep()
			h.Release()
		})
		t.Logf("%s: Start, Keep and Release allocate %v", tc.name, allocs)
		assert.LessOrEqual(t, allocs, tc.max, "%s: Start, Keep and Release allocate %v, want <= %v", tc.name, allocs, tc.max)
	}

	// Under a timeout policy whose context armed no timer yet: instead of
	// the link, a runtime timer for its deadline (2: the timer and the
	// method value it calls; a shared timer heap once spared them, for
	// about 0.25µs per HTTP request), and the policy's context is never
	// made.
	p := timeout.New[int](timeout.Config{Timeout: time.Hour})
	var allocs float64
	_, _ = p.Execute(values, func(ctx context.Context) (int, error) {
		allocs = testing.AllocsPerRun(1000, func() {
			h := new(hold.Hold)
			_ = h.Start(ctx, base)
			h.Keep()
			h.Release()
		})
		return 0, nil
	})
	t.Logf("ctx of a timeout policy: Start, Keep and Release allocate %v", allocs)
	assert.LessOrEqual(t, allocs, 5.0, "ctx of a timeout policy: Start, Keep and Release allocate %v, want <= 5", allocs)
}
