package hedge_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-resilience/resilience/hedge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sleeper returns a func that takes d and answers 0.
func sleeper(d time.Duration) func(context.Context) (int, error) {
	return func(context.Context) (int, error) {
		time.Sleep(d)
		return 0, nil
	}
}

func TestQuantileDelayFromObservedLatencies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := hedge.New(hedge.Config[int]{}) // p95, at least 1ms
		for i := 1; i <= 20; i++ {
			_, ok := p.Delay()
			require.False(t, ok, "Delay known after %d samples, want 20", i-1)
			_, err := p.Execute(context.Background(), sleeper(ms(i)))
			require.NoError(t, err)
		}
		d, ok := p.Delay()
		require.True(t, ok)
		assert.Equal(t, ms(19), d, "p95 of 1..20ms = %v, want 19ms (nearest rank)", d)

		s := newScript(step{after: time.Second, r: 1}, step{after: ms(1), r: 2})
		r, err := p.Execute(s.ctx(), s.call)
		require.NoError(t, err)
		assert.Equal(t, 2, r)
		assert.Equal(t, []time.Duration{0, ms(19)}, s.startTimes(), "the hedge starts at the derived delay")
	})
}

func TestNoHedgeWhileLearning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := hedge.New(hedge.Config[int]{})
		s := newScript(step{after: time.Second, r: 1})
		r, err := p.Execute(s.ctx(), s.call)
		require.NoError(t, err)
		assert.Equal(t, 1, r)
		assert.Equal(t, 1, s.calls(), "no hedge before 20 latencies are known")
	})
}

func TestQuantileTracksRecentLatencies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := hedge.New(hedge.Config[int]{Quantile: 0.5})
		run := func(n int, d time.Duration) {
			for range n {
				_, err := p.Execute(context.Background(), sleeper(d))
				require.NoError(t, err)
			}
		}
		run(128, ms(1))
		d, _ := p.Delay()
		assert.Equal(t, ms(1), d)
		// Slower calls are hedged, but their first attempt still wins
		// (the hedge takes as long) and records its latency.
		run(64, ms(3)) // 192 samples: the ring holds 64 of 1ms, 64 of 3ms
		d, _ = p.Delay()
		assert.Equal(t, ms(1), d, "median of 64×1ms and 64×3ms (rank 64) = %v, want 1ms", d)
		run(1, ms(3)) // 193: not a multiple of 8, no refresh
		d, _ = p.Delay()
		assert.Equal(t, ms(1), d, "no refresh at sample 193")
		run(7, ms(3)) // 200: refreshed; 72 of 3ms now
		d, _ = p.Delay()
		assert.Equal(t, ms(3), d, "median after 72×3ms = %v, want 3ms", d)
	})
}

func TestQuantileRefreshesEveryEightSamples(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := hedge.New(hedge.Config[int]{Quantile: 1})
		for range 20 {
			_, _ = p.Execute(context.Background(), sleeper(ms(1)))
		}
		d, _ := p.Delay()
		require.Equal(t, ms(1), d)
		_, _ = p.Execute(context.Background(), sleeper(ms(5))) // 21: hedged at 1ms...
		d, _ = p.Delay()
		assert.Equal(t, ms(1), d, "no refresh before sample 24")
		for range 3 {
			_, _ = p.Execute(context.Background(), sleeper(ms(1)))
		}
		d, _ = p.Delay()
		assert.Equal(t, ms(5), d, "sample 24 refreshes the maximum")
	})
}

func TestMinDelay(t *testing.T) {
	for _, tt := range []struct {
		min  time.Duration
		want time.Duration
	}{{0, time.Millisecond}, {ms(5), ms(5)}} {
		synctest.Test(t, func(t *testing.T) {
			p := hedge.New(hedge.Config[int]{MinDelay: tt.min})
			for range 20 {
				_, _ = p.Execute(context.Background(), sleeper(0))
			}
			d, ok := p.Delay()
			require.True(t, ok)
			assert.Equal(t, tt.want, d, "MinDelay %v: Delay() = %v, want %v", tt.min, d, tt.want)
		})
	}
}

func TestCensoredFirstAttemptLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := hedge.New(hedge.Config[int]{Quantile: 1})
		for range 20 {
			_, _ = p.Execute(context.Background(), sleeper(ms(10)))
		}
		// Four executions whose first attempt loses at 10ms+2ms record
		// 12ms, a lower bound, not the 2ms of the winning hedge.
		for range 4 {
			s := newScript(step{after: time.Second, r: 1}, step{after: ms(2), r: 2})
			_, err := p.Execute(s.ctx(), s.call)
			require.NoError(t, err)
		}
		d, _ := p.Delay()
		assert.Equal(t, ms(12), d)
	})
}

func TestCallerEndedNotRecorded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := hedge.New(hedge.Config[int]{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		for range 25 {
			_, _ = p.Execute(ctx, sleeper(ms(1)))
		}
		_, ok := p.Delay()
		assert.False(t, ok, "executions the caller cancelled tell nothing about latency")
	})
}
