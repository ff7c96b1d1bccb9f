//go:build !race

// Allocation guards; the race detector's instrumentation may allocate, so
// these run in the non-race pass of make test.

package bulkhead_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/bulkhead"
)

func TestFreePermitAllocatesNothing(t *testing.T) {
	b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 4})
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() { _, _ = b.Execute(ctx, ok) })
	assert.Zero(t, allocs, "Execute with a free permit: %v allocs, want 0", allocs)

	allocs = testing.AllocsPerRun(1000, func() {
		release, err := b.Acquire(ctx)
		if err == nil {
			release()
		}
	})
	assert.Zero(t, allocs, "Acquire and release with a free permit: %v allocs, want 0", allocs)

	exec := resilience.Compose[int](b)
	allocs = testing.AllocsPerRun(1000, func() { _, _ = exec.Execute(ctx, ok) })
	assert.Zero(t, allocs, "Compose(b).Execute with a free permit: %v allocs, want 0", allocs)
}

func TestFullRejectionAllocatesNothing(t *testing.T) {
	b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1})
	ctx := context.Background()
	release, _ := b.Acquire(ctx)
	defer release()
	allocs := testing.AllocsPerRun(1000, func() { _, _ = b.Execute(ctx, ok) })
	assert.Zero(t, allocs, "Execute rejected at once: %v allocs, want 0", allocs)
}
