//go:build !race

// Allocation guards. The race detector makes sync.Pool drop items on
// purpose, so these run in the non-race pass of make test.

package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
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
