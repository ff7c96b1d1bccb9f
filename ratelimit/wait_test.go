package ratelimit_test

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/ratelimit"
	"github.com/go-resilience/resilience/resiliencetest"
)

// notYet fails the test if done already holds a result.
func notYet(t *testing.T, done <-chan error, what string) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("%s: returned early with %v", what, err)
	default:
	}
}

func TestMaxWaitWaitsThenAdmits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		realStart := time.Now() // the bubble's fake time
		mock := clock.NewMock()
		rec := &resiliencetest.Events{}
		l := ratelimit.New[int](ratelimit.Config{
			Name: "api", Rate: 1, MaxWait: 2 * time.Second, Clock: mock, Observer: rec,
			OnRejected: func(context.Context, error) { t.Error("OnRejected called for an admitted wait") },
		})
		require.True(t, l.Allow())

		first, second := make(chan error, 1), make(chan error, 1)
		go func() { _, err := l.Execute(t.Context(), ok); first <- err }()
		synctest.Wait() // first booked the token due at 1s
		go func() { second <- l.Wait(t.Context()) }()
		synctest.Wait() // second booked the token due at 2s

		mock.Add(time.Second - time.Nanosecond)
		synctest.Wait()
		notYet(t, first, "Execute waiting for a token due at 1s, at 1s-1ns")
		mock.Add(time.Nanosecond)
		require.NoError(t, <-first, "Execute at 1s")
		synctest.Wait()
		notYet(t, second, "Wait for a token due at 2s, at 1s")
		mock.Add(time.Second)
		require.NoError(t, <-second, "Wait at 2s")
		assert.Less(t, time.Since(realStart), time.Second, "the waits must be timed by the mock clock, not real time")
		assert.Equal(t, []resilience.Event{
			{Policy: "ratelimit", Name: "api", Kind: resilience.EventAcquired, Duration: time.Second},
			{Policy: "ratelimit", Name: "api", Kind: resilience.EventAcquired, Duration: 2 * time.Second},
		}, rec.All())
	})
}

func TestWaitBeyondMaxWaitIsRefusedAtOnce(t *testing.T) {
	mock := clock.NewMock()
	var hooked atomic.Int32
	l := ratelimit.New[int](ratelimit.Config{
		Rate: 1, MaxWait: time.Second, Clock: mock,
		OnRejected: func(context.Context, error) { hooked.Add(1) },
	})
	require.True(t, l.Allow())
	r, err := l.Reserve() // books the token due at 1s: exactly MaxWait away
	require.NoError(t, err)
	assert.Equal(t, time.Second, r.Delay())

	// The next token is 2s away: no waiting, no sleeping.
	err = l.Wait(t.Context())
	assert.Equal(t, &ratelimit.ExceededError{Delay: 2 * time.Second}, err, "Wait for a token 2s away with MaxWait 1s")
	_, err = l.Execute(t.Context(), ok)
	assert.Equal(t, &ratelimit.ExceededError{Delay: 2 * time.Second}, err, "Execute for a token 2s away with MaxWait 1s")
	assert.Equal(t, int32(2), hooked.Load(), "OnRejected calls")

	mock.Add(2 * time.Second)
	assert.True(t, l.Allow(), "refused waits must spend no token")
}

func TestWaitBeyondDeadlineIsRefusedAtOnce(t *testing.T) {
	tests := []struct {
		name     string
		deadline time.Duration
		wantOK   bool
	}{
		{"deadline before the token", 500 * time.Millisecond, false},
		{"deadline as the token comes", time.Second, false}, // no time left for the call
		{"deadline after the token", time.Second + time.Nanosecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mock := clock.NewMock()
				l := ratelimit.New[int](ratelimit.Config{Rate: 1, MaxWait: time.Hour, Clock: mock})
				// Long after New, so that the deadline must be read against
				// the time of the call, not the limiter's start.
				mock.Add(time.Hour)
				require.True(t, l.Allow())
				ctx, cancel := mock.WithTimeout(t.Context(), tt.deadline)
				defer cancel()

				done := make(chan error, 1)
				go func() { done <- l.Wait(ctx) }()
				synctest.Wait()
				if !tt.wantOK {
					select {
					case err := <-done:
						assert.Equal(t, &ratelimit.ExceededError{Delay: time.Second}, err, "Wait with ctx deadline at %v", tt.deadline)
					default:
						t.Fatalf("Wait with ctx deadline at %v blocked; want an ExceededError at once", tt.deadline)
					}
					mock.Add(time.Second)
					assert.True(t, l.Allow(), "a refused wait must spend no token")
					return
				}
				mock.Add(time.Second)
				assert.NoError(t, <-done, "Wait with ctx deadline at %v", tt.deadline)
			})
		})
	}
}

func TestDeadlineWithRealClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := ratelimit.New[int](ratelimit.Config{Rate: 10, MaxWait: time.Minute})
		require.True(t, l.Allow())
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := l.Wait(ctx)
		assert.Equal(t, &ratelimit.ExceededError{Delay: 100 * time.Millisecond}, err)
		assert.Zero(t, time.Since(start), "a doomed wait must not sleep")

		ctx, cancel = context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		require.NoError(t, l.Wait(ctx))
		assert.Equal(t, 100*time.Millisecond, time.Since(start), "wait for the token due at 100ms")
	})
}

func TestCancelledWaitRefundsItsToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mock := clock.NewMock()
		l := ratelimit.New[int](ratelimit.Config{
			Rate: 1, MaxWait: time.Minute, Clock: mock,
			OnRejected: func(context.Context, error) { t.Error("OnRejected called for a cancelled wait") },
		})
		require.True(t, l.Allow())

		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { _, err := l.Execute(ctx, ok); done <- err }()
		synctest.Wait() // the waiter holds the token due at 1s
		cancel()
		assert.Same(t, context.Canceled, <-done, "Execute after cancel while waiting")

		mock.Add(time.Second)
		assert.True(t, l.Allow(), "the next caller must get the token the cancelled wait gave back")
		assert.False(t, l.Allow())
	})
}

func TestWaitersAreSpacedByInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, burst = 20, 3
		l := ratelimit.New[int](ratelimit.Config{Rate: 50, Burst: burst, MaxWait: time.Hour}) // 20ms each
		start := time.Now()
		var mu sync.Mutex
		var at []time.Duration
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, err := l.Execute(t.Context(), func(context.Context) (int, error) {
					mu.Lock()
					at = append(at, time.Since(start))
					mu.Unlock()
					return 1, nil
				})
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		slices.Sort(at)
		require.Len(t, at, n)
		for i := range n {
			want := time.Duration(max(i-burst+1, 0)) * 20 * time.Millisecond
			assert.Equal(t, want, at[i], "permit %d at %v, want %v", i, at[i], want)
		}
	})
}

// TestNeverMoreThanRatePlusBurst hammers one limiter from several
// goroutines while a mock clock moves a token at a time, then drains it:
// Burst permits at 0 and one per interval after, never more.
func TestNeverMoreThanRatePlusBurst(t *testing.T) {
	const rate, burst, steps = 1000, 10, 100 // a token per ms
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Rate: rate, Burst: burst, Clock: mock})
	ints, strs := l, ratelimit.As[string](l)

	var admitted atomic.Int64
	for l.Allow() { // empty the bucket at 0, so that no token is lost to a full bucket
		admitted.Add(1)
	}
	require.Equal(t, int64(burst), admitted.Load(), "permits at 0")
	var stop atomic.Bool
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for !stop.Load() {
				var allowed bool
				switch g % 3 {
				case 0:
					allowed = ints.Allow()
				case 1:
					_, err := ints.Execute(context.Background(), ok)
					allowed = err == nil
				default:
					_, err := strs.Execute(context.Background(), func(context.Context) (string, error) { return "", nil })
					allowed = err == nil
				}
				if allowed {
					admitted.Add(1)
				}
			}
		})
	}
	for i := range steps {
		mock.Add(time.Millisecond)
		// The step's token is taken before the next step, so that none is
		// lost to a full bucket however slowly the goroutines run.
		for admitted.Load() < int64(burst+i+1) {
			runtime.Gosched()
		}
	}
	stop.Store(true)
	wg.Wait()
	bound := int64(burst + steps) // Rate*elapsed/Period + Burst
	assert.LessOrEqual(t, admitted.Load(), bound, "admitted over %dms at %d/s with burst %d", steps, rate, burst)
	for l.Allow() {
		admitted.Add(1)
	}
	assert.Equal(t, bound, admitted.Load(), "admitted over %dms once drained", steps)
}

func TestNeverMoreThanRatePlusBurstInRealTime(t *testing.T) {
	const rate, burst = 20000, 5
	l := ratelimit.New[int](ratelimit.Config{Rate: rate, Burst: burst, MaxWait: time.Millisecond})
	var admitted atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for time.Since(start) < 50*time.Millisecond {
				if _, err := l.Execute(context.Background(), ok); err == nil {
					admitted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	bound := int64(float64(rate)*elapsed.Seconds()) + burst
	assert.LessOrEqual(t, admitted.Load(), bound, "admitted in %v at %d/s with burst %d", elapsed, rate, burst)
	assert.Positive(t, admitted.Load())
}

// endedCtx is a ctx whose end shows in Err but never closes Done: it
// stands for a ctx that ends at the very moment a wait's timer fires.
type endedCtx struct {
	context.Context
	ended atomic.Bool
}

func (c *endedCtx) Done() <-chan struct{} { return nil }

func (c *endedCtx) Err() error {
	if c.ended.Load() {
		return context.Canceled
	}
	return nil
}

func TestWaitEndedAsTokenComesRefundsIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mock := clock.NewMock()
		l := ratelimit.New[int](ratelimit.Config{Rate: 1, MaxWait: time.Minute, Clock: mock})
		require.True(t, l.Allow())

		ctx := &endedCtx{Context: context.Background()}
		done := make(chan error, 1)
		go func() { done <- l.Wait(ctx) }()
		synctest.Wait() // the waiter holds the token due at 1s
		ctx.ended.Store(true)
		mock.Add(time.Second)
		assert.Same(t, context.Canceled, <-done, "Wait whose ctx ended as the token came")
		assert.True(t, l.Allow(), "the token must go to the next caller")
	})
}
