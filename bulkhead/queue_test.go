package bulkhead_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/bulkhead"
)

// TestStressWaitersCancelAndRelease runs thousands of calls that queue,
// give up (cancelled ctx) and release at random, and checks that the
// bulkhead never lets more than MaxConcurrent in, loses no permit and ends
// with nothing taken or queued.
func TestStressWaitersCancelAndRelease(t *testing.T) {
	const goroutines, limit = 4000, 4
	b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: limit, MaxWait: time.Minute})
	var cur, peak, admitted, cancelled atomic.Int64
	work := func(context.Context) (int, error) {
		n := cur.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		runtime.Gosched() // hold the permit while others queue, leave and release
		cur.Add(-1)
		return 1, nil
	}
	var wg sync.WaitGroup
	for i := range goroutines {
		ctx, cancel := context.WithCancel(t.Context())
		wg.Go(func() {
			defer cancel()
			_, err := b.Execute(ctx, work)
			switch {
			case err == nil:
				admitted.Add(1)
			case errors.Is(err, context.Canceled):
				cancelled.Add(1)
			default:
				t.Errorf("Execute = %v, want nil or context.Canceled", err)
			}
		})
		if i%3 == 0 { // a third of the calls give up at a random moment
			wg.Go(func() {
				for range rand.IntN(64) {
					runtime.Gosched()
				}
				cancel()
			})
		}
	}
	wg.Wait()
	t.Logf("%d admitted, %d cancelled", admitted.Load(), cancelled.Load())
	assert.LessOrEqual(t, peak.Load(), int64(limit), "peak in flight = %d, want <= %d", peak.Load(), limit)
	assert.Equal(t, int64(goroutines), admitted.Load()+cancelled.Load(), "admitted + cancelled")
	assert.Zero(t, b.InFlight(), "InFlight() after all calls")
	assert.Zero(t, b.Waiting(), "Waiting() after all calls")

	// Every permit is free again: limit calls get one at once.
	var releases []func()
	for i := range limit {
		release, err := bulkhead.As[string](b).Acquire(t.Context())
		require.NoError(t, err, "Acquire %d of %d after the stress", i+1, limit)
		releases = append(releases, release)
	}
	for _, release := range releases {
		release()
	}
}

// TestReleaseHandsThePermitToTheHeadWaiter checks that a released permit
// goes straight to the waiter at the head of the queue: a call arriving
// right after the release finds no free permit, and queues behind.
func TestReleaseHandsThePermitToTheHeadWaiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1, MaxWait: time.Hour})
		release, err := b.Acquire(t.Context())
		require.NoError(t, err)

		var order []string // appended by one permit holder at a time
		proceed := make(chan struct{})
		run := func(name string) func() {
			return func() {
				_, err := b.Execute(t.Context(), func(context.Context) (int, error) {
					order = append(order, name)
					<-proceed
					return 1, nil
				})
				assert.NoError(t, err, "%s", name)
			}
		}
		var wg sync.WaitGroup
		wg.Go(run("waiter"))
		synctest.Wait()
		require.Equal(t, 1, b.Waiting(), "Waiting() with one queued call")

		release() // the waiter holds the permit now, whether or not it runs yet
		assert.Equal(t, 1, b.InFlight(), "InFlight() right after a hand-off")
		assert.Zero(t, b.Waiting(), "Waiting() right after a hand-off")
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err = bulkhead.As[string](b).Execute(ctx, func(context.Context) (string, error) {
			t.Error("a newcomer ran with the permit handed to a waiter")
			return "", nil
		})
		assert.Equal(t, context.DeadlineExceeded, err, "a newcomer waits while the waiter holds the permit")
		close(proceed)
		wg.Wait()
		assert.Equal(t, []string{"waiter"}, order, "calls that ran")
		assert.Zero(t, b.InFlight())
	})
}

// TestWaiterLeavingKeepsTheOrder checks that waiters that give up, at the
// head, in the middle and at the tail of the queue, leave the others in
// their order.
func TestWaiterLeavingKeepsTheOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1, MaxWait: time.Hour})
		release, err := b.Acquire(t.Context())
		require.NoError(t, err)

		const n = 7
		leaving := map[int]bool{0: true, 3: true, 4: true, 6: true}
		cancels := make([]context.CancelFunc, n)
		var order []int // appended by one permit holder at a time
		var wg sync.WaitGroup
		for i := range n {
			ctx, cancel := context.WithCancel(t.Context())
			cancels[i] = cancel
			wg.Go(func() {
				_, err := b.Execute(ctx, func(context.Context) (int, error) {
					order = append(order, i)
					return i, nil
				})
				if leaving[i] {
					assert.Same(t, context.Canceled, err, "waiter %d", i)
				} else {
					assert.NoError(t, err, "waiter %d", i)
				}
			})
			synctest.Wait()
		}
		for i := range n {
			if leaving[i] {
				cancels[i]()
				synctest.Wait()
			}
		}
		assert.Equal(t, n-len(leaving), b.Waiting(), "Waiting() after %d left", len(leaving))
		release()
		wg.Wait()
		for _, cancel := range cancels {
			cancel()
		}
		assert.Equal(t, []int{1, 2, 5}, order, "order in which the remaining waiters ran")
		assert.Zero(t, b.InFlight())
		assert.Zero(t, b.Waiting())
	})
}

// TestPermitGrantedAsMaxWaitEnds releases the permit at the instant the
// waiter's MaxWait ends: either the waiter runs or it is rejected, and the
// permit is free afterwards.
func TestPermitGrantedAsMaxWaitEnds(t *testing.T) {
	for i := range 100 {
		synctest.Test(t, func(t *testing.T) {
			b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1, MaxWait: time.Second})
			release, err := b.Acquire(t.Context())
			require.NoError(t, err)
			time.AfterFunc(time.Second, release)
			_, err = b.Execute(t.Context(), ok)
			if err != nil {
				require.ErrorIs(t, err, bulkhead.ErrFull, "round %d", i)
			}
			synctest.Wait()
			assert.Zero(t, b.InFlight(), "round %d: InFlight()", i)
			_, err = b.Execute(t.Context(), ok)
			require.NoError(t, err, "round %d: Execute after the race", i)
		})
	}
}

// TestMockClockWaiterPermitHandedOver checks a hand-off with the mock clock:
// OnAcquired reports the mock time waited, and the MaxWait timer stops.
func TestMockClockWaiterPermitHandedOver(t *testing.T) {
	mock := clock.NewMock()
	waited := make(chan time.Duration, 1)
	b := bulkhead.New[int](bulkhead.Config{
		MaxConcurrent: 1, MaxWait: time.Second, Clock: mock,
		OnAcquired: func(_ context.Context, d time.Duration) { waited <- d },
	})
	release, err := b.Acquire(context.Background())
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := b.Execute(context.Background(), ok)
		done <- err
	}()
	for b.Waiting() == 0 {
		runtime.Gosched()
	}
	mock.Add(400 * time.Millisecond)
	release()
	require.NoError(t, <-done)
	assert.Equal(t, 400*time.Millisecond, <-waited, "OnAcquired wait on the mock clock")
	mock.Add(time.Second) // the stopped MaxWait timer must not fire into anything
	assert.Zero(t, b.InFlight())
}

// timerOrderClock is a mock clock that notes whether the bulkhead already
// counted a waiter when its MaxWait timer was made: a test that advances
// the mock as soon as Waiting() > 0 would then move it before the timer
// exists, and the wait would never end.
type timerOrderClock struct {
	*clock.Mock
	waiting      func() int
	countedFirst atomic.Bool
}

func (c *timerOrderClock) Timer(d time.Duration) *clock.Timer {
	if c.waiting() > 0 {
		c.countedFirst.Store(true)
	}
	return c.Mock.Timer(d)
}

func TestAWaiterIsCountedOnlyOnceItsMaxWaitTimerIsSet(t *testing.T) {
	clk := &timerOrderClock{Mock: clock.NewMock()}
	b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1, MaxWait: time.Second, Clock: clk})
	clk.waiting = b.Waiting
	release, err := b.Acquire(context.Background())
	require.NoError(t, err)
	defer release()

	result := make(chan error)
	go func() {
		_, err := b.Execute(context.Background(), func(context.Context) (int, error) { return 1, nil })
		result <- err
	}()
	for b.Waiting() == 0 {
		runtime.Gosched()
	}
	assert.False(t, clk.countedFirst.Load(), "Waiting() counted the waiter before its MaxWait timer was made")
	clk.Add(time.Second)
	assert.ErrorIs(t, <-result, bulkhead.ErrFull)
}
