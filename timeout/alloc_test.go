//go:build !race

// Allocation guards; the race detector adds allocations of its own, so
// these run in the non-race pass.

package timeout_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/timeout"
)

// TestSuccessPathAllocations checks what Execute allocates under the real
// clock: its own context (1 object) while next never waits on ctx.Done(),
// and that plus what context.WithDeadlineCause allocates (the context, its
// cancel func, the timer, the timer's func and Done's channel) once next
// does. Under a parent that can be cancelled, the watch's runtime timer
// and its func add 2: the price of runtime timers instead of the shared
// timer heap this package once had (2 allocations and about 0.25µs per
// call, under 1% of a loopback HTTP request).
func TestSuccessPathAllocations(t *testing.T) {
	const watchAllocs = 2 // time.AfterFunc's timer and the method value it calls
	p := timeout.New[int](timeout.Config{Timeout: time.Hour})
	exec := resilience.Compose[int](p)
	cause := &timeout.ExceededError{Limit: time.Hour}
	quick := func(context.Context) (int, error) { return 1, nil }
	polling := func(ctx context.Context) (int, error) { return 1, ctx.Err() } // honours ctx between steps
	watching := func(ctx context.Context) (int, error) {                      // waits on ctx: makes Done's channel
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
		name  string
		ctx   context.Context
		fn    resilience.Func[int]
		waits bool // next waits on ctx.Done()
	}{
		{"background", context.Background(), quick, false},
		{"background, next polls ctx.Err", context.Background(), polling, false},
		{"background, next waits on ctx", context.Background(), watching, true},
		{"cancellable parent", cancellable, quick, false},
		{"cancellable parent, next polls ctx.Err", cancellable, polling, false},
		{"cancellable parent, next waits on ctx", cancellable, watching, true},
	} {
		want := 1.0
		if tc.ctx == cancellable {
			want += watchAllocs
		}
		if tc.waits {
			want += testing.AllocsPerRun(1000, func() {
				ctx, cancel := context.WithDeadlineCause(tc.ctx, time.Now().Add(time.Hour), cause)
				_, _ = tc.fn(ctx)
				cancel()
			})
		}
		policy := testing.AllocsPerRun(1000, func() { _, _ = p.Execute(tc.ctx, tc.fn) })
		composed := testing.AllocsPerRun(1000, func() { _, _ = exec.Execute(tc.ctx, tc.fn) })
		t.Logf("%s: Execute %v allocs, want %v", tc.name, policy, want)
		assert.Equal(t, want, policy, "%s: Execute allocates %v, want %v", tc.name, policy, want)
		assert.Equal(t, policy, composed, "%s: through Compose %v allocs, direct %v", tc.name, composed, policy)
	}

	// A Timeout too large for a monotonic reading (more than about 130
	// years: a Duration goes to 292) costs what any other does.
	huge := timeout.New[int](timeout.Config{Timeout: math.MaxInt64})
	for _, ctx := range []context.Context{context.Background(), cancellable} {
		want := 1.0
		if ctx == cancellable {
			want += watchAllocs
		}
		allocs := testing.AllocsPerRun(1000, func() { _, _ = huge.Execute(ctx, quick) })
		assert.Equal(t, want, allocs, "Execute with the largest Timeout under %v: %v allocs, want %v", ctx, allocs, want)
	}

	// A parent deadline that ends first costs nothing at all.
	early, cancelEarly := context.WithTimeout(context.Background(), time.Minute)
	defer cancelEarly()
	allocs := testing.AllocsPerRun(1000, func() { _, _ = p.Execute(early, quick) })
	assert.Zero(t, allocs, "Execute under an earlier parent deadline: %v allocs, want 0", allocs)
}
