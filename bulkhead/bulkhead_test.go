package bulkhead_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/bulkhead"
	"github.com/go-resilience/resilience/resiliencetest"
)

func ok(context.Context) (int, error) { return 1, nil }

func TestExecutePassesOutcomeThrough(t *testing.T) {
	b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 2})
	ctx := t.Context()
	errBoom := errors.New("boom")

	var inside int
	got, err := b.Execute(ctx, func(context.Context) (int, error) {
		inside = b.InFlight()
		return 7, errBoom
	})
	assert.Equal(t, 7, got, "Execute result")
	assert.Same(t, errBoom, err, "Execute must return next's error unchanged")
	assert.Equal(t, 1, inside, "InFlight() during the call")
	assert.Zero(t, b.InFlight(), "InFlight() after the call")
	assert.Equal(t, 2, b.MaxConcurrent(), "MaxConcurrent()")
}

func TestExecuteRejectsAtOnceWhenFull(t *testing.T) {
	rec := &resiliencetest.Events{}
	var hooked []error
	b := bulkhead.New[int](bulkhead.Config{
		Name: "db", MaxConcurrent: 1, Observer: rec,
		OnRejected: func(_ context.Context, err error) { hooked = append(hooked, err) },
		OnAcquired: func(context.Context, time.Duration) { t.Error("OnAcquired called for a call that did not queue") },
	})
	ctx := t.Context()
	release, err := b.Acquire(ctx)
	require.NoError(t, err)
	defer release()

	called := false
	got, err := b.Execute(ctx, func(context.Context) (int, error) { called = true; return 1, nil })
	assert.False(t, called, "next must not run when the bulkhead is full")
	assert.Zero(t, got)
	require.ErrorIs(t, err, bulkhead.ErrFull)
	var full *bulkhead.FullError
	require.ErrorAs(t, err, &full)
	assert.Equal(t, bulkhead.FullError{Name: "db", MaxConcurrent: 1}, *full)
	assert.EqualError(t, err, "bulkhead: full (db: 1 in flight)")
	assert.Equal(t, []error{err}, hooked, "OnRejected calls")
	assert.Equal(t, []resilience.Event{{Policy: "bulkhead", Name: "db", Kind: resilience.EventRejected, Err: err}}, rec.All())
}

func TestFullErrorMessage(t *testing.T) {
	tests := []struct {
		err  bulkhead.FullError
		want string
	}{
		{bulkhead.FullError{MaxConcurrent: 3}, "bulkhead: full (3 in flight)"},
		{bulkhead.FullError{Name: "api", MaxConcurrent: 3}, "bulkhead: full (api: 3 in flight)"},
		{bulkhead.FullError{MaxConcurrent: 3, Waited: time.Second}, "bulkhead: full (3 in flight, waited 1s)"},
		{bulkhead.FullError{Name: "api", MaxConcurrent: 1, Waited: 5 * time.Millisecond}, "bulkhead: full (api: 1 in flight, waited 5ms)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.err.Error(), "%#v.Error()", tt.err)
		assert.ErrorIs(t, &tt.err, bulkhead.ErrFull)
	}
}

func TestNeverMoreThanMaxConcurrent(t *testing.T) {
	const goroutines, limit = 2000, 8
	for _, maxWait := range []time.Duration{0, time.Minute} {
		b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: limit, MaxWait: maxWait})
		var cur, peak, admitted, rejected atomic.Int64
		work := func(context.Context) (int, error) {
			n := cur.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			for range 100 { // hold the permit a little while others contend
				_ = cur.Load()
			}
			cur.Add(-1)
			return 1, nil
		}
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				_, err := b.Execute(t.Context(), work)
				switch {
				case err == nil:
					admitted.Add(1)
				case errors.Is(err, bulkhead.ErrFull):
					rejected.Add(1)
				default:
					t.Errorf("Execute = %v, want nil or ErrFull", err)
				}
			})
		}
		wg.Wait()
		assert.LessOrEqual(t, peak.Load(), int64(limit), "MaxWait %v: peak in flight = %d, want <= %d", maxWait, peak.Load(), limit)
		assert.Equal(t, int64(goroutines), admitted.Load()+rejected.Load(), "MaxWait %v: admitted + rejected", maxWait)
		if maxWait > 0 {
			assert.Zero(t, rejected.Load(), "MaxWait %v: rejections", maxWait)
		}
		assert.Zero(t, b.InFlight(), "MaxWait %v: InFlight() after all calls", maxWait)
		assert.Zero(t, b.Waiting(), "MaxWait %v: Waiting() after all calls", maxWait)
	}
}

func TestWaitersAreServedFIFO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1, MaxWait: time.Hour})
		release, err := b.Acquire(t.Context())
		require.NoError(t, err)

		const n = 6
		var order []int // appended by one permit holder at a time
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, err := b.Execute(t.Context(), func(context.Context) (int, error) {
					order = append(order, i)
					return i, nil
				})
				assert.NoError(t, err, "waiter %d", i)
			})
			synctest.Wait() // waiter i is queued before waiter i+1 arrives
		}
		assert.Equal(t, n, b.Waiting(), "Waiting() with %d queued calls", n)
		release()
		wg.Wait()
		assert.Equal(t, []int{0, 1, 2, 3, 4, 5}, order, "order in which waiters ran")
	})
}

func TestMaxWaitFollowsTheClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		realStart := time.Now() // the bubble's fake time
		mock := clock.NewMock()
		rec := &resiliencetest.Events{}
		var hooked atomic.Int32
		b := bulkhead.New[int](bulkhead.Config{
			MaxConcurrent: 1, MaxWait: time.Second, Clock: mock, Observer: rec,
			OnRejected: func(context.Context, error) { hooked.Add(1) },
		})
		release, err := b.Acquire(t.Context())
		require.NoError(t, err)
		defer release()

		done := make(chan error, 1)
		go func() {
			_, err := b.Execute(t.Context(), ok)
			done <- err
		}()
		synctest.Wait()
		require.Equal(t, 1, b.Waiting(), "Waiting() with one queued call")

		mock.Add(time.Second - time.Nanosecond)
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("wait ended after 1s-1ns of a 1s MaxWait: %v", err)
		default:
		}

		mock.Add(time.Nanosecond)
		err = <-done
		assert.Less(t, time.Since(realStart), time.Second, "MaxWait must be timed by the mock clock, not real time")
		require.ErrorIs(t, err, bulkhead.ErrFull)
		var full *bulkhead.FullError
		require.ErrorAs(t, err, &full)
		assert.Equal(t, time.Second, full.Waited, "FullError.Waited")
		assert.Equal(t, int32(1), hooked.Load(), "OnRejected calls")
		assert.Equal(t, []resilience.Event{{Policy: "bulkhead", Kind: resilience.EventRejected, Err: err, Duration: time.Second}}, rec.All())
		assert.Zero(t, b.Waiting(), "Waiting() after the rejection")
	})
}

func TestMaxWaitWithRealClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1, MaxWait: 250 * time.Millisecond})
		release, err := b.Acquire(t.Context())
		require.NoError(t, err)
		defer release()

		start := time.Now()
		_, err = b.Execute(t.Context(), ok)
		assert.ErrorIs(t, err, bulkhead.ErrFull)
		assert.Equal(t, 250*time.Millisecond, time.Since(start), "time waited before rejection")
	})
}

func TestWaiterGetsPermitWhenReleased(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mock := clock.NewMock()
		rec := &resiliencetest.Events{}
		var waited []time.Duration
		b := bulkhead.New[int](bulkhead.Config{
			Name: "svc", MaxConcurrent: 1, MaxWait: time.Second, Clock: mock, Observer: rec,
			OnAcquired: func(_ context.Context, d time.Duration) { waited = append(waited, d) },
		})
		release, err := b.Acquire(t.Context())
		require.NoError(t, err)

		done := make(chan error, 1)
		go func() {
			_, err := b.Execute(t.Context(), ok)
			done <- err
		}()
		synctest.Wait()
		mock.Add(300 * time.Millisecond)
		release()
		require.NoError(t, <-done)
		assert.Equal(t, []time.Duration{300 * time.Millisecond}, waited, "OnAcquired waits")
		assert.Equal(t, []resilience.Event{{Policy: "bulkhead", Name: "svc", Kind: resilience.EventAcquired, Duration: 300 * time.Millisecond}}, rec.All())
		assert.Zero(t, b.InFlight(), "InFlight() after the call")
	})
}

func TestCancelWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := bulkhead.New[int](bulkhead.Config{
			MaxConcurrent: 1, MaxWait: time.Hour,
			OnRejected: func(context.Context, error) { t.Error("OnRejected called for a cancelled wait") },
		})
		release, err := b.Acquire(t.Context())
		require.NoError(t, err)

		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := b.Execute(ctx, ok)
			done <- err
		}()
		synctest.Wait()
		cancel()
		err = <-done
		assert.Same(t, context.Canceled, err, "Execute after cancel while waiting")
		assert.Zero(t, b.Waiting(), "Waiting() after the cancelled wait")

		release()
		_, err = b.Execute(t.Context(), ok)
		assert.NoError(t, err, "the permit must be free again after release")
	})
}

func TestDeadlineWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1, MaxWait: time.Hour})
		release, err := b.Acquire(t.Context())
		require.NoError(t, err)
		defer release()

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		_, err = b.Execute(ctx, ok)
		assert.Equal(t, context.DeadlineExceeded, err, "Execute when ctx's deadline ends the wait")
		assert.Equal(t, time.Second, time.Since(start), "time waited")
	})
}

func TestDoneContextTakesNoPermit(t *testing.T) {
	b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	called := false
	_, err := b.Execute(ctx, func(context.Context) (int, error) { called = true; return 1, nil })
	assert.Same(t, context.Canceled, err)
	assert.False(t, called, "next called with a done ctx")
	release, err := b.Acquire(ctx)
	assert.Nil(t, release, "release func on error")
	assert.Same(t, context.Canceled, err)
	assert.Zero(t, b.InFlight())
}

func TestPermitGrantedAsWaitEndsIsNotLost(t *testing.T) {
	for i := range 200 {
		synctest.Test(t, func(t *testing.T) {
			b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1, MaxWait: time.Hour})
			release, err := b.Acquire(t.Context())
			require.NoError(t, err)

			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() {
				_, err := b.Execute(ctx, ok)
				done <- err
			}()
			synctest.Wait()
			go cancel() // the wait ends as the permit is handed over
			go release()
			err = <-done
			if err != nil {
				require.Same(t, context.Canceled, err, "round %d", i)
			}
			synctest.Wait()
			assert.Zero(t, b.InFlight(), "round %d: InFlight()", i)
			// With the permit lost this would wait an hour and fail.
			_, err = b.Execute(t.Context(), ok)
			require.NoError(t, err, "round %d: Execute after the race", i)
		})
	}
}

func TestPanicReleasesPermit(t *testing.T) {
	b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1})
	exec := resilience.Compose[int](b)
	assert.PanicsWithValue(t, "boom", func() {
		_, _ = exec.Execute(t.Context(), func(context.Context) (int, error) { panic("boom") })
	}, "the panic must reach the caller unchanged")
	assert.Zero(t, b.InFlight(), "InFlight() after a panic")
	_, err := exec.Execute(t.Context(), ok)
	assert.NoError(t, err, "the permit must be free after a panic")
}

func TestAcquireRelease(t *testing.T) {
	b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 2})
	r1, err := b.Acquire(t.Context())
	require.NoError(t, err)
	r2, err := b.Acquire(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 2, b.InFlight())

	r3, err := b.Acquire(t.Context())
	assert.Nil(t, r3, "release func on rejection")
	assert.ErrorIs(t, err, bulkhead.ErrFull)

	r1()
	r2()
	assert.Zero(t, b.InFlight())
	assert.PanicsWithValue(t, "bulkhead: release of a permit that is not held", r1, "release with no permit held")
	assert.Zero(t, b.InFlight(), "InFlight() after the refused release")
}

func TestNilArguments(t *testing.T) {
	b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1})
	var nilCtx context.Context
	_, err := b.Execute(nilCtx, ok)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "Execute(nil, fn)")
	_, err = b.Execute(t.Context(), nil)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "Execute(ctx, nil)")
	release, err := b.Acquire(nilCtx)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "Acquire(nil)")
	assert.Nil(t, release)
	assert.Zero(t, b.InFlight())
}

func TestViewsShareThePermits(t *testing.T) {
	ints := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 2})
	strs := bulkhead.As[string](ints)
	assert.Equal(t, 2, strs.MaxConcurrent())

	release, err := strs.Acquire(t.Context())
	require.NoError(t, err)
	_, err = ints.Execute(t.Context(), func(context.Context) (int, error) {
		assert.Equal(t, 2, strs.InFlight(), "InFlight() through the other view")
		_, err := strs.Execute(t.Context(), func(context.Context) (string, error) { return "x", nil })
		assert.ErrorIs(t, err, bulkhead.ErrFull, "third call across both views")
		return 1, nil
	})
	require.NoError(t, err)
	release()

	got, err := strs.Execute(t.Context(), func(context.Context) (string, error) { return "x", nil })
	assert.NoError(t, err)
	assert.Equal(t, "x", got)
	assert.Zero(t, ints.InFlight())
}
