//go:build !race

// Allocation guards; the race detector adds allocations of its own, so
// these run in the non-race pass.

package fallback_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/fallback"
)

func TestSuccessPathAllocatesNothing(t *testing.T) {
	fn := func(context.Context) (int, error) { return 1, nil }
	ctx := context.Background()
	for name, p := range map[string]*fallback.Policy[int]{
		"New": fallback.New(fallback.Config[int]{
			Fallback:  func(context.Context, int, error) (int, error) { return 0, nil },
			FailureIf: func(r int, err error) bool { return err != nil || r < 0 },
		}),
		"Value": fallback.Value(-1),
		"Chain": fallback.Chain[int](fn, fn),
	} {
		allocs := testing.AllocsPerRun(1000, func() { _, _ = p.Execute(ctx, fn) })
		assert.Zero(t, allocs, "%s: Execute allocates %v on success, want 0", name, allocs)
		exec := resilience.Compose[int](p)
		allocs = testing.AllocsPerRun(1000, func() { _, _ = exec.Execute(ctx, fn) })
		assert.Zero(t, allocs, "%s: through Compose %v allocs on success, want 0", name, allocs)
	}
}
