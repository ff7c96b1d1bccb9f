package reliability_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/bulkhead"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/fallback"
	"github.com/go-resilience/resilience/hedge"
	"github.com/go-resilience/resilience/resiliencetest"
	"github.com/go-resilience/resilience/retry"
	"github.com/go-resilience/resilience/timeout"
)

// panicValue is what the panicking fns panic with; tests compare by
// identity, so a policy that re-panics with a copy or a wrapper fails.
type panicValue struct{ where string }

func succeed(context.Context) (int, error) { return 1, nil }

func TestBadInputPanicPropagatesUnchanged(t *testing.T) {
	for _, p := range everyPolicy() {
		t.Run(p.name, func(t *testing.T) {
			val := &panicValue{p.name}
			calls := 0
			got := recoverFrom(func() {
				_, _ = p.policy.Execute(context.Background(), func(context.Context) (int, error) {
					calls++
					panic(val)
				})
			})
			require.Same(t, val, got, "the panic reaches the caller unchanged")
			assert.Equal(t, 1, calls, "a panic is not retried, hedged or fallen back from")
			r, err := p.policy.Execute(context.Background(), succeed)
			require.NoError(t, err, "the policy still works after the panic")
			assert.Equal(t, 1, r)
		})
	}
}

func TestBadInputPanicReleasesPermits(t *testing.T) {
	clk := clock.NewMock()
	breaker := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1, OpenDelay: time.Second, Clock: clk})
	bh := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1})
	fellBack := false
	exec := resilience.Compose[int](
		fallback.New(fallback.Config[int]{Fallback: func(context.Context, int, error) (int, error) { fellBack = true; return 0, nil }}),
		retry.New(retry.Config[int]{Backoff: retry.Constant(0)}),
		breaker,
		bh,
		timeout.New[int](timeout.Config{Timeout: time.Hour}),
		hedge.New(hedge.Config[int]{Delay: time.Hour}),
	)
	boom := func(context.Context) (int, error) { panic(&panicValue{"stack"}) }

	require.NotNil(t, recoverFrom(func() { _, _ = exec.Execute(context.Background(), boom) }))
	assert.Zero(t, bh.InFlight(), "the bulkhead permit came back")
	assert.Equal(t, circuitbreaker.Open, breaker.State(), "the breaker counted the panic as a failure")
	assert.False(t, fellBack, "a panic is not a failure to fall back from")

	// Half-open: a panicking trial reopens the breaker and gives its trial
	// permit back with the new period, so the next period has its trial.
	clk.Add(time.Second)
	require.Equal(t, circuitbreaker.HalfOpen, breaker.State())
	require.NotNil(t, recoverFrom(func() { _, _ = exec.Execute(context.Background(), boom) }))
	assert.Equal(t, circuitbreaker.Open, breaker.State())
	assert.Zero(t, bh.InFlight())
	clk.Add(time.Second)
	r, err := exec.Execute(context.Background(), succeed)
	require.NoError(t, err)
	assert.Equal(t, 1, r)
	assert.Equal(t, circuitbreaker.Closed, breaker.State(), "the trial after the panic was admitted")
}

func TestBadInputPanicInHedgeAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := hedge.New(hedge.Config[int]{Delay: 10 * time.Millisecond})
		val := &panicValue{"second attempt"}
		var firstReturned atomic.Bool
		var calls atomic.Int32
		got := recoverFrom(func() {
			_, _ = p.Execute(context.Background(), func(ctx context.Context) (int, error) {
				if calls.Add(1) == 1 { // the first waits on its ctx
					<-ctx.Done()
					firstReturned.Store(true)
					return 0, ctx.Err()
				}
				panic(val)
			})
		})
		require.Same(t, val, got, "the panic of a hedge's goroutine is raised again on the caller's")
		assert.True(t, firstReturned.Load(), "the other attempt was cancelled and waited for")
	})
}

// TestBadInputFnIgnoresContext: cancellation is cooperative. A fn that
// ignores its ctx delays the policy until it returns; the outcome is still
// the documented one, and nothing is left running.
func TestBadInputFnIgnoresContext(t *testing.T) {
	stubborn := func(d time.Duration, r int) resilience.Func[int] {
		return func(context.Context) (int, error) {
			time.Sleep(d) // ignores ctx
			return r, nil
		}
	}
	t.Run("timeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var discards resiliencetest.Discards[int]
			ctx := discards.Context(context.Background())
			p := timeout.New[int](timeout.Config{Timeout: 100 * time.Millisecond})
			start := time.Now()
			r, err := p.Execute(ctx, stubborn(time.Second, 9))
			assert.Equal(t, time.Second, time.Since(start), "Execute returns when fn does")
			require.ErrorIs(t, err, timeout.ErrExceeded, "the late value does not count")
			assert.Zero(t, r)
			assert.Equal(t, []int{9}, discards.All(), "the late value is discarded")
		})
	})
	t.Run("bulkhead", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				_, _ = b.Execute(ctx, stubborn(time.Second, 1))
			}()
			synctest.Wait()
			cancel()
			_, err := b.Execute(context.Background(), succeed)
			require.ErrorIs(t, err, bulkhead.ErrFull, "the permit is held while fn runs, ctx or not")
			<-done
			assert.Zero(t, b.InFlight(), "and given back when it returns")
		})
	})
	t.Run("hedge", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := hedge.New(hedge.Config[int]{Delay: 10 * time.Millisecond})
			var calls atomic.Int32
			start := time.Now()
			r, err := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
				if calls.Add(1) == 1 {
					return stubborn(time.Second, 1)(ctx)
				}
				return 2, nil
			})
			require.NoError(t, err)
			assert.Equal(t, 2, r, "the hedge wins")
			assert.Equal(t, time.Second, time.Since(start), "but Execute waits for the stubborn loser")
		})
	})
	t.Run("retry", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := retry.New(retry.Config[int]{MaxAttempts: -1, Backoff: retry.Constant(0)})
			ctx, cancel := context.WithCancel(context.Background())
			calls := 0
			errLate := errors.New("late failure")
			_, err := p.Execute(ctx, func(context.Context) (int, error) {
				calls++
				time.Sleep(time.Second)
				cancel() // the caller gives up while fn ignores it
				return 0, errLate
			})
			require.ErrorIs(t, err, errLate)
			assert.Equal(t, 1, calls, "no retry once the caller has gone")
		})
	})
	t.Run("timeout outside retry", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			exec := resilience.Compose[int](
				timeout.New[int](timeout.Config{Timeout: 100 * time.Millisecond}),
				retry.New(retry.Config[int]{MaxAttempts: -1, Backoff: retry.Constant(0)}),
			)
			calls := 0
			start := time.Now()
			_, err := exec.Execute(context.Background(), func(ctx context.Context) (int, error) {
				calls++
				time.Sleep(time.Second)
				return 0, errors.New("slow failure")
			})
			require.ErrorIs(t, err, timeout.ErrExceeded)
			assert.Equal(t, 1, calls, "the retry sees its ctx done and stops")
			assert.Equal(t, time.Second, time.Since(start))
		})
	})
}
