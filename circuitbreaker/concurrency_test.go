package circuitbreaker_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/circuitbreaker"
)

// TestHalfOpenPermitsUnderContention lets a thousand goroutines race for
// the trial permits of each half-open period: exactly HalfOpenCalls get
// one, and never more run at once.
func TestHalfOpenPermitsUnderContention(t *testing.T) {
	const (
		goroutines    = 1000
		halfOpenCalls = 3
	)
	clk := &fakeClock{}
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		ConsecutiveFailures: 1, OpenDelay: time.Second, HalfOpenCalls: halfOpenCalls, Clock: clk,
	})
	require.ErrorIs(t, run(b, true), errBoom)

	// Each round ends its trials one way: success closes, failure reopens,
	// caller-ended leaves the breaker half-open with every permit back.
	for round, end := range []string{"cancel", "fail", "cancel", "succeed", "fail", "succeed"} {
		if b.State() != circuitbreaker.HalfOpen {
			if b.State() == circuitbreaker.Closed {
				require.ErrorIs(t, run(b, true), errBoom)
			}
			clk.Add(time.Second)
		}
		require.Equal(t, circuitbreaker.HalfOpen, b.State(), "round %d starts half-open", round)

		var (
			start, release = make(chan struct{}), make(chan struct{})
			arrived, ended sync.WaitGroup
			inFlight, most atomic.Int64
			admitted       atomic.Int64
			rejected       atomic.Int64
		)
		ctx, cancel := context.WithCancel(context.Background())
		arrived.Add(goroutines)
		for range goroutines {
			ended.Go(func() {
				<-start
				_, err := b.Execute(ctx, func(ctx context.Context) (int, error) {
					admitted.Add(1)
					n := inFlight.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					arrived.Done()
					<-release
					inFlight.Add(-1)
					switch end {
					case "cancel":
						cancel()
						return 0, ctx.Err()
					case "fail":
						return 0, errBoom
					}
					return 1, nil
				})
				if errors.Is(err, circuitbreaker.ErrOpen) {
					rejected.Add(1)
					arrived.Done()
				}
			})
		}
		close(start)
		arrived.Wait() // every goroutine was admitted (and is parked) or rejected
		assert.Equal(t, int64(halfOpenCalls), admitted.Load(), "round %d: trials admitted of %d callers", round, goroutines)
		assert.Equal(t, int64(goroutines-halfOpenCalls), rejected.Load(), "round %d: rejections", round)
		assert.LessOrEqual(t, most.Load(), int64(halfOpenCalls), "round %d: trials running at once", round)
		close(release)
		ended.Wait()
		cancel()
		want := map[string]circuitbreaker.State{"cancel": circuitbreaker.HalfOpen, "fail": circuitbreaker.Open, "succeed": circuitbreaker.Closed}[end]
		require.Equal(t, want, b.State(), "round %d: state after trials that %s", round, end)
	}
}

// TestParallelRecordingKeepsCountsExact records from thousands of
// goroutines at once, then checks that the window's lock-free counters
// still agree with what it holds: a known run of outcomes recorded after
// the storm must read back exactly.
func TestParallelRecordingKeepsCountsExact(t *testing.T) {
	for _, timeWindow := range []bool{false, true} {
		clk := &fakeClock{}
		cfg := circuitbreaker.Config[int]{WindowSize: 64, SlowCallDuration: time.Hour, SlowCallRate: 1, Clock: clk}
		if timeWindow {
			cfg.WindowSize, cfg.WindowPeriod = 0, time.Minute
		}
		b := circuitbreaker.New(cfg)
		b.MetricsOnly() // records, never opens: the storm cannot end early

		const goroutines, calls = 2000, 20
		var wg sync.WaitGroup
		var failures atomic.Int64
		for g := range goroutines {
			wg.Go(func() {
				for i := range calls {
					failed := (g+i)%3 == 0
					if failed {
						failures.Add(1)
					}
					_ = run(b, failed)
				}
			})
		}
		wg.Wait()
		m := b.Metrics()
		if timeWindow {
			// No time passed: the window holds every call.
			assert.Equal(t, goroutines*calls, m.Calls, "time window: Calls after the storm")
			assert.Equal(t, int(failures.Load()), m.Failures, "time window: Failures after the storm")
			clk.Add(time.Minute)
		} else {
			assert.Equal(t, 64, m.Calls, "count window: Calls after the storm")
			assert.LessOrEqual(t, m.Failures, 64)
		}
		assert.Zero(t, m.SlowCalls)

		// 64 known outcomes: 17 failures.
		runAll(t, b, repeat('S', 47)+repeat('F', 17))
		m = b.Metrics()
		assert.Equal(t, 64, m.Calls, "time window %v: Calls after 64 known outcomes", timeWindow)
		assert.Equal(t, 17, m.Failures, "time window %v: Failures after 64 known outcomes", timeWindow)
		assert.Equal(t, 17, m.ConsecutiveFailures, "time window %v", timeWindow)
	}
}

// TestChaos runs thousands of goroutines making calls, ending them in
// every way, moving the breaker by hand and reading it, while time passes.
// The race detector watches memory; the test checks that the announced
// changes form one chain (each from is the previous to) that ends in the
// breaker's state, and that the breaker still works exactly afterwards.
func TestChaos(t *testing.T) {
	t.Run("count window", func(t *testing.T) {
		chaos(t, circuitbreaker.Config[int]{WindowSize: 20, MinCalls: 5})
	})
	t.Run("time window", func(t *testing.T) {
		chaos(t, circuitbreaker.Config[int]{WindowPeriod: 20 * time.Millisecond, MinCalls: 5})
	})
}

func chaos(t *testing.T, cfg circuitbreaker.Config[int]) {
	clk := &fakeClock{}
	var (
		mu      sync.Mutex
		chain   []circuitbreaker.State
		chained = true
	)
	var b *circuitbreaker.Breaker[int]
	cfg.FailureRate, cfg.ConsecutiveFailures = 0.5, 4
	cfg.SlowCallDuration, cfg.SlowCallRate = 3*time.Millisecond, 0.8
	cfg.OpenDelay, cfg.HalfOpenCalls, cfg.Clock = 2*time.Millisecond, 2, clk
	cfg.OnStateChange = func(from, to circuitbreaker.State) {
		_ = b.Metrics() // callbacks may read the breaker
		mu.Lock()
		defer mu.Unlock()
		last := circuitbreaker.Closed
		if len(chain) > 0 {
			last = chain[len(chain)-1]
		}
		chained = chained && from == last && from != to
		chain = append(chain, to)
	}
	b = circuitbreaker.New(cfg)
	shared := circuitbreaker.Share[string](b, nil)

	const goroutines, ops = 2000, 25
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for range ops {
				switch op := rng.IntN(100); {
				case op < 40:
					_ = run(b, rng.IntN(3) == 0)
				case op < 55:
					p, err := b.Allow(context.Background())
					if err == nil {
						if rng.IntN(4) == 0 {
							p.Cancel()
						} else {
							p.Done(0, nil)
						}
					}
				case op < 65:
					_, _ = shared.Execute(context.Background(), func(context.Context) (string, error) {
						clk.Add(time.Millisecond)
						return "", nil
					})
				case op < 70:
					ctx, cancel := context.WithCancel(context.Background())
					_, _ = b.Execute(ctx, func(ctx context.Context) (int, error) { cancel(); return 0, ctx.Err() })
				case op < 72:
					func() {
						defer func() { _ = recover() }()
						_, _ = b.Execute(context.Background(), func(context.Context) (int, error) { panic("boom") })
					}()
				case op < 85:
					clk.Add(time.Millisecond)
				case op < 95:
					_ = b.State()
					_ = b.Metrics()
				default:
					switch rng.IntN(8) {
					case 0:
						b.ForceOpen()
					case 1:
						b.Disable()
					case 2:
						b.MetricsOnly()
					default:
						b.Reset()
					}
				}
			}
		})
	}
	wg.Wait()

	final := b.State()
	mu.Lock()
	assert.True(t, chained, "announced changes do not chain: %v", chain)
	if len(chain) > 0 {
		assert.Equal(t, chain[len(chain)-1], final, "the last announced state is not the state")
	}
	t.Logf("%d changes of state", len(chain))
	mu.Unlock()

	b.Reset()
	runAll(t, b, "SSSFSFSS")
	m := b.Metrics()
	assert.Equal(t, circuitbreaker.Closed, m.State)
	assert.Equal(t, 8, m.Calls, "Calls after the chaos and 8 known outcomes")
	assert.Equal(t, 2, m.Failures)
}
