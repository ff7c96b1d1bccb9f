//go:build !race

// Allocation guards; the race detector adds allocations of its own, so
// these run in the non-race pass.

package timeout_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/timeout"
)

// TestSuccessPathAllocations checks that Execute allocates no more than
// the context.WithDeadlineCause it is built on: 4 objects (the context, its
// cancel func, the timer and the timer's func), plus the channel of
// ctx.Done when next asks for it.
func TestSuccessPathAllocations(t *testing.T) {
	p := timeout.New(timeout.Config[int]{Timeout: time.Hour})
	exec := resilience.Compose[int](p)
	cause := &timeout.ExceededError{Limit: time.Hour}
	quick := func(context.Context) (int, error) { return 1, nil }
	watching := func(ctx context.Context) (int, error) { // honours ctx: makes Done's channel
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		default:
			return 1, nil
		}
	}
	cancellable, cancel := context.WithCancel(context.Background())
	defer cancel()

	for _, tc := range []struct {
		name string
		ctx  context.Context
		fn   resilience.Func[int]
		max  float64
	}{
		{"background", context.Background(), quick, 4},
		{"background, next watches ctx", context.Background(), watching, 5},
		{"cancellable parent", cancellable, quick, 4},
		{"cancellable parent, next watches ctx", cancellable, watching, 5},
	} {
		raw := testing.AllocsPerRun(1000, func() {
			ctx, cancel := context.WithDeadlineCause(tc.ctx, time.Now().Add(time.Hour), cause)
			_, _ = tc.fn(ctx)
			cancel()
		})
		policy := testing.AllocsPerRun(1000, func() { _, _ = p.Execute(tc.ctx, tc.fn) })
		composed := testing.AllocsPerRun(1000, func() { _, _ = exec.Execute(tc.ctx, tc.fn) })
		t.Logf("%s: Execute %v allocs, context.WithDeadlineCause alone %v", tc.name, policy, raw)
		assert.Equal(t, raw, policy, "%s: Execute allocates %v, context.WithDeadlineCause alone %v", tc.name, policy, raw)
		assert.Equal(t, policy, composed, "%s: through Compose %v allocs, direct %v", tc.name, composed, policy)
		assert.LessOrEqual(t, policy, tc.max, "%s: Execute allocates %v, want <= %v", tc.name, policy, tc.max)
	}

	// A parent deadline that ends first costs nothing at all.
	early, cancelEarly := context.WithTimeout(context.Background(), time.Minute)
	defer cancelEarly()
	allocs := testing.AllocsPerRun(1000, func() { _, _ = p.Execute(early, quick) })
	assert.Zero(t, allocs, "Execute under an earlier parent deadline: %v allocs, want 0", allocs)
}
