//go:build !race

// Allocation guards; the race detector's instrumentation may allocate, so
// these run in the non-race pass.

package circuitbreaker_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
)

func TestClosedPathAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	for name, cfg := range map[string]circuitbreaker.Config[int]{
		"count window":           {},
		"time window":            {WindowPeriod: time.Minute},
		"slow-call rule":         {SlowCallDuration: time.Second},
		"consecutive failures":   {ConsecutiveFailures: 1000},
		"metrics only":           {},
		"with a failure in view": {FailureIf: func(r int, err error) bool { return r < 0 }},
		"with IgnoreIf":          {IgnoreIf: func(r int, err error) bool { return r == 42 }},
		"consecutive alone":      {ConsecutiveFailures: 1000, FailureRate: circuitbreaker.RateOff},
	} {
		b := circuitbreaker.New(cfg)
		if name == "metrics only" {
			b.MetricsOnly()
		}
		allocs := testing.AllocsPerRun(1000, func() { _, _ = b.Execute(ctx, succeed) })
		assert.Zero(t, allocs, "%s: Execute: %v allocs, want 0", name, allocs)

		allocs = testing.AllocsPerRun(1000, func() { _, _ = b.Execute(ctx, fail) })
		assert.Zero(t, allocs, "%s: Execute failing below the thresholds: %v allocs, want 0", name, allocs)
		b.Reset()

		allocs = testing.AllocsPerRun(1000, func() {
			p, err := b.Allow(ctx)
			if err == nil {
				p.Done(1, nil)
			}
		})
		assert.Zero(t, allocs, "%s: Allow and Done: %v allocs, want 0", name, allocs)

		exec := resilience.Compose[int](b, resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
			return next(ctx)
		}))
		allocs = testing.AllocsPerRun(1000, func() { _, _ = exec.Execute(ctx, succeed) })
		assert.Zero(t, allocs, "%s: through Compose: %v allocs, want 0", name, allocs)
	}
}

func TestRejectionAllocatesNothing(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{})
	b.ForceOpen()
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() { _, _ = b.Execute(ctx, succeed) })
	assert.Zero(t, allocs, "Execute rejected: %v allocs, want 0", allocs)
}
