package hedge_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/hedge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fast(context.Context) (int, error) { return 1, nil }

// fastPathAllocs is what an execution whose first attempt answers before
// the delay allocates: the results channel (1), the attempt's child
// context and its cancel func (2), the attempt's goroutine closure (1) and
// the clock's timer (3: clock.Timer, time.Timer and its channel).
const fastPathAllocs = 7

func TestFastPathAllocations(t *testing.T) {
	p := hedge.New(hedge.Config[int]{Delay: time.Hour})
	ctx := context.Background()
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := p.Execute(ctx, fast); err != nil {
			panic(err)
		}
	})
	t.Logf("fast path: %v allocations per execution", allocs)
	assert.LessOrEqual(t, allocs, float64(fastPathAllocs), "fast path allocations")
}

func TestDerivedDelayFastPathAllocations(t *testing.T) {
	p := hedge.New(hedge.Config[int]{MinDelay: time.Hour})
	ctx := context.Background()
	for range 20 {
		_, _ = p.Execute(ctx, fast)
	}
	_, ok := p.Delay()
	require.True(t, ok)
	allocs := testing.AllocsPerRun(200, func() { _, _ = p.Execute(ctx, fast) })
	assert.LessOrEqual(t, allocs, float64(fastPathAllocs), "recording latencies must not allocate")
}

func TestSingleAttemptPathsAllocateNothing(t *testing.T) {
	p := hedge.New(hedge.Config[int]{Delay: time.Hour})
	ctx := resilience.WithoutRepeat(context.Background())
	assert.Zero(t, testing.AllocsPerRun(200, func() { _, _ = p.Execute(ctx, fast) }), "a WithoutRepeat execution runs inline")

	learning := hedge.New(hedge.Config[int]{})
	ctx = context.Background()
	assert.Zero(t, testing.AllocsPerRun(10, func() { _, _ = learning.Execute(ctx, fast) }), "an execution while learning runs inline")
	_, ok := learning.Delay()
	assert.False(t, ok, "11 executions are not enough to learn")
}

// TestConcurrentExecutions races many hedged executions on one policy,
// with a derived delay, for the race detector.
func TestConcurrentExecutions(t *testing.T) {
	p := hedge.New(hedge.Config[int]{Quantile: 0.5, MaxHedges: 2})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 40 {
				r, err := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
					t := time.NewTimer(time.Duration(rand.IntN(300)) * time.Microsecond)
					defer t.Stop()
					select {
					case <-t.C:
						return 1, nil
					case <-ctx.Done():
						return 0, ctx.Err()
					}
				})
				if err != nil || r != 1 {
					panic("a hedged execution failed")
				}
			}
		})
	}
	wg.Wait()
	_, ok := p.Delay()
	assert.True(t, ok)
}

func BenchmarkHedgeFastPath(b *testing.B) {
	p := hedge.New(hedge.Config[int]{Delay: time.Hour})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = p.Execute(ctx, fast)
	}
}

func BenchmarkHedgeFastPathDerived(b *testing.B) {
	p := hedge.New(hedge.Config[int]{MinDelay: time.Hour})
	ctx := context.Background()
	for range 20 {
		_, _ = p.Execute(ctx, fast)
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = p.Execute(ctx, fast)
	}
}

func BenchmarkHedgeFastPathParallel(b *testing.B) {
	p := hedge.New(hedge.Config[int]{Delay: time.Hour})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = p.Execute(ctx, fast)
		}
	})
}
