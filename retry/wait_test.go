package retry_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/resiliencetest"
	"github.com/go-resilience/resilience/retry"
)

// These tests wait on the real clock inside a synctest bubble, where time
// moves only when every goroutine is blocked: a 1h delay takes no real
// time, and time.Since tells exactly how long the policy waited.

func TestWaitsTheDelays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := retry.Config[int]{MaxAttempts: 4, Backoff: retry.Exponential{Initial: time.Second}}
		fn, calls := failing(4)
		start := time.Now()
		r, err := retry.New(cfg).Execute(context.Background(), fn)
		require.NoError(t, err)
		assert.Equal(t, 4, r, "result")
		assert.Equal(t, 4, *calls, "calls")
		assert.Equal(t, 7*time.Second, time.Since(start), "waited 1s + 2s + 4s")
	})
}

func TestCancelDuringWaitReturnsAtOnce(t *testing.T) {
	errCause := errors.New("shutting down")
	tests := []struct {
		name    string
		cancel  func(context.CancelCauseFunc)
		wantErr error
	}{
		{"cancel", func(c context.CancelCauseFunc) { c(nil) }, context.Canceled},
		{"cancel with cause", func(c context.CancelCauseFunc) { c(errCause) }, errCause},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			var discards resiliencetest.Discards[int]
			ctx = discards.Context(ctx)
			retrying := make(chan struct{})
			cfg := retry.Config[int]{
				MaxAttempts: 3,
				Backoff:     retry.Constant(time.Hour),
				OnRetry:     func(retry.Event[int]) { close(retrying) },
			}
			go func() {
				<-retrying
				synctest.Wait() // the policy is parked in its delay
				tt.cancel(cancel)
			}()
			fn, calls := failing(0)
			start := time.Now()
			r, err := retry.New(cfg).Execute(ctx, fn)
			assert.ErrorIs(t, err, tt.wantErr, "%s: err", tt.name)
			assert.Zero(t, r, "%s: the result was discarded, so none is returned", tt.name)
			assert.Equal(t, []int{1}, discards.All(), "%s: discarded", tt.name)
			assert.Equal(t, 1, *calls, "%s: calls", tt.name)
			assert.Zero(t, time.Since(start), "%s: time waited", tt.name)
		})
	}
}

func TestDeadlineCutsOffRealContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		cfg := retry.Config[int]{MaxAttempts: 10, Backoff: retry.Constant(2 * time.Second)}
		fn, calls := failing(0)
		start := time.Now()
		r, err := retry.New(cfg).Execute(ctx, fn)
		// Attempts at 0s, 2s and 4s; a fourth would start at 6s, past 5s.
		assert.Equal(t, 3, *calls, "calls")
		assert.Equal(t, 3, r, "the last result is returned")
		assert.Equal(t, 4*time.Second, time.Since(start), "time spent")
		assert.ErrorIs(t, err, retry.ErrExhausted)
		assert.ErrorIs(t, err, errBoom)
		assert.NoError(t, ctx.Err(), "ctx is still live")
	})
}

func TestDelayFunc(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type call struct {
			attempt int
			prev    time.Duration
		}
		var backoffCalls []call
		var delayCalls []int
		var delays []time.Duration
		cfg := retry.Config[int]{
			MaxAttempts: 4,
			Backoff: backoffFunc(func(attempt int, prev time.Duration) time.Duration {
				backoffCalls = append(backoffCalls, call{attempt, prev})
				return 7 * time.Second
			}),
			DelayFunc: func(attempt int, r int, err error) time.Duration {
				delayCalls = append(delayCalls, attempt)
				assert.Equal(t, attempt, r, "DelayFunc(%d): result", attempt)
				assert.Equal(t, errBoom, err, "DelayFunc(%d): err", attempt)
				if attempt == 2 {
					return -1 // use the Backoff
				}
				return time.Duration(attempt) * time.Second
			},
			OnRetry: func(e retry.Event[int]) { delays = append(delays, e.Delay) },
		}
		fn, _ := failing(0)
		start := time.Now()
		_, err := retry.New(cfg).Execute(context.Background(), fn)
		assert.ErrorIs(t, err, retry.ErrExhausted)
		assert.Equal(t, []int{1, 2, 3}, delayCalls, "DelayFunc attempts")
		assert.Equal(t, []time.Duration{time.Second, 7 * time.Second, 3 * time.Second}, delays, "delays")
		assert.Equal(t, []call{{2, time.Second}}, backoffCalls, "Backoff calls: prev is the last delay waited")
		assert.Equal(t, 11*time.Second, time.Since(start), "time waited")
	})
}

func TestNegativeBackoffMeansNoDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := retry.Config[int]{Backoff: backoffFunc(func(int, time.Duration) time.Duration { return -time.Hour })}
		var delays []time.Duration
		cfg.OnRetry = func(e retry.Event[int]) { delays = append(delays, e.Delay) }
		fn, _ := failing(3)
		start := time.Now()
		_, err := retry.New(cfg).Execute(context.Background(), fn)
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{0, 0}, delays, "delays")
		assert.Zero(t, time.Since(start), "time waited")
	})
}

func TestDefaultBackoff(t *testing.T) {
	// The default is Exponential{Jitter: FullJitter}: the delay after
	// attempt n is drawn from [0, 100ms * 2^(n-1)].
	synctest.Test(t, func(t *testing.T) {
		var highest [2]time.Duration
		cfg := retry.Config[int]{OnRetry: func(e retry.Event[int]) {
			highest[e.Attempt-1] = max(highest[e.Attempt-1], e.Delay)
		}}
		p := retry.New(cfg)
		for range 300 {
			fn, _ := failing(0)
			_, _ = p.Execute(context.Background(), fn)
		}
		for i, bound := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond} {
			assert.LessOrEqual(t, highest[i], bound, "highest delay after attempt %d", i+1)
			assert.Greater(t, highest[i], bound*3/4, "highest delay after attempt %d", i+1)
		}
	})
}

func TestCancelDuringDelayKeepsTheLastFailureReachable(t *testing.T) {
	errCause := errors.New("shutting down")
	for _, cause := range []error{nil, errCause} {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			cfg := retry.Config[int]{
				MaxAttempts: 3,
				Backoff:     retry.Constant(time.Hour),
				OnRetry:     func(retry.Event[int]) { go func() { synctest.Wait(); cancel(cause) }() },
			}
			fn, _ := failing(0)
			r, err := retry.New(cfg).Execute(ctx, fn)
			assert.Zero(t, r, "the result was discarded before the delay")
			assert.ErrorIs(t, err, context.Canceled, "cause %v: a caller-ended outcome to the policies outside", cause)
			if cause != nil {
				assert.ErrorIs(t, err, cause, "the cancellation's cause")
			}
			assert.ErrorIs(t, err, errBoom, "cause %v: the last attempt's error stays reachable", cause)
		})
	}
}
