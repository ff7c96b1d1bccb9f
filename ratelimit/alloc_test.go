//go:build !race

// Allocation guards; the race detector's instrumentation may allocate, so
// these run in the non-race pass of make test.

package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/ratelimit"
)

func TestAdmissionAllocatesNothing(t *testing.T) {
	// A token per nanosecond and a deep bucket: every call is admitted.
	l := ratelimit.New[int](ratelimit.Config{Rate: 1e9, Burst: 1e9, MaxWait: time.Second})
	ctx := context.Background()

	allocs := testing.AllocsPerRun(1000, func() { _ = l.Allow() })
	assert.Zero(t, allocs, "Allow: %v allocs, want 0", allocs)
	allocs = testing.AllocsPerRun(1000, func() { _, _ = l.Execute(ctx, ok) })
	assert.Zero(t, allocs, "admitted Execute: %v allocs, want 0", allocs)
	allocs = testing.AllocsPerRun(1000, func() { _ = l.Wait(ctx) })
	assert.Zero(t, allocs, "admitted Wait: %v allocs, want 0", allocs)
	allocs = testing.AllocsPerRun(1000, func() {
		r, err := l.Reserve()
		if err == nil {
			r.Cancel()
		}
	})
	assert.Zero(t, allocs, "Reserve and Cancel: %v allocs, want 0", allocs)
	exec := resilience.Compose[int](l)
	allocs = testing.AllocsPerRun(1000, func() { _, _ = exec.Execute(ctx, ok) })
	assert.Zero(t, allocs, "Compose(l).Execute: %v allocs, want 0", allocs)
}

func TestRefusedAllowAllocatesNothing(t *testing.T) {
	l := ratelimit.New[int](ratelimit.Config{Rate: 1, Period: time.Hour})
	_ = l.Allow()
	allocs := testing.AllocsPerRun(1000, func() { _ = l.Allow() })
	assert.Zero(t, allocs, "refused Allow: %v allocs, want 0", allocs)
}
