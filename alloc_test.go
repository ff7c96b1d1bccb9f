//go:build !race

// Allocation guards. The race detector makes sync.Pool drop items on
// purpose, so these run in the non-race pass of make test.

package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/timeout"
)

func TestExecuteAllocatesNothing(t *testing.T) {
	pass := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) { return next(ctx) })
	fn := func(context.Context) (int, error) { return 1, nil }
	run := func(context.Context) error { return nil }
	ctx := context.Background()
	for n := 0; n <= 4; n++ {
		for _, tc := range []struct {
			name     string
			policies []resilience.Policy[int]
		}{
			{"plain", repeat(pass, n)},
			{"Chained", repeat[int](chainedPass{}, n)},
			{"mixed", mix(n, pass, chainedPass{})},
		} {
			exec := resilience.Compose(tc.policies...)
			_, _ = exec.Execute(ctx, fn) // warm the pools
			allocs := testing.AllocsPerRun(1000, func() { _, _ = exec.Execute(ctx, fn) })
			assert.Zero(t, allocs, "Execute through %d %s policies: %v allocs, want 0", n, tc.name, allocs)
			allocs = testing.AllocsPerRun(1000, func() { _ = exec.Run(ctx, run) })
			assert.Zero(t, allocs, "Run through %d %s policies: %v allocs, want 0", n, tc.name, allocs)
		}
	}
}

// mix returns n policies, a and b in turn.
func mix(n int, a, b resilience.Policy[int]) []resilience.Policy[int] {
	ps := make([]resilience.Policy[int], n)
	for i := range ps {
		ps[i] = a
		if i%2 == 1 {
			ps[i] = b
		}
	}
	return ps
}

func TestIsPermanentAllocatesNothing(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", errors.Join(errors.New("a"), resilience.Permanent(errors.New("b"))))
	plain := fmt.Errorf("wrapped: %w", errors.New("c"))
	allocs := testing.AllocsPerRun(1000, func() {
		if !resilience.IsPermanent(err) || resilience.IsPermanent(plain) {
			t.Fatal("IsPermanent answered wrong")
		}
	})
	assert.Zero(t, allocs, "IsPermanent: %v allocs, want 0", allocs)
}

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
			h := new(resilience.Hold)
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
			h := new(resilience.Hold)
			_ = h.Start(ctx, base)
			h.Keep()
			h.Release()
		})
		return 0, nil
	})
	t.Logf("ctx of a timeout policy: Start, Keep and Release allocate %v", allocs)
	assert.LessOrEqual(t, allocs, 5.0, "ctx of a timeout policy: Start, Keep and Release allocate %v, want <= 5", allocs)
}
