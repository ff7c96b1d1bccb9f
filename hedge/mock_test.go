package hedge_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/go-resilience/resilience/hedge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMockClock drives the delay with a mock clock: the timer exists by
// the time the first attempt has started, so the test may move the clock
// then.
func TestMockClock(t *testing.T) {
	mock := clock.NewMock()
	var hedges []hedge.Event
	p := hedge.New(hedge.Config[int]{Delay: time.Second, Clock: mock, OnHedge: func(e hedge.Event) { hedges = append(hedges, e) }})
	started := make(chan int32, 2)
	var calls atomic.Int32
	fn := func(ctx context.Context) (int, error) {
		n := calls.Add(1)
		started <- n
		if n == 1 {
			<-ctx.Done()
			return -1, context.Cause(ctx)
		}
		return 2, nil
	}
	type result struct {
		r   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := p.Execute(context.Background(), fn)
		done <- result{r, err}
	}()
	require.Equal(t, int32(1), <-started)
	mock.Add(999 * time.Millisecond)
	assert.Empty(t, started, "a hedge started before the delay")
	mock.Add(time.Millisecond)
	require.Equal(t, int32(2), <-started)
	res := <-done
	require.NoError(t, res.err)
	assert.Equal(t, 2, res.r)
	assert.Equal(t, []hedge.Event{{Attempt: 2, Delay: time.Second, Elapsed: time.Second}}, hedges)
}

// TestMockClockFailureRestartsDelay: a failure starts a hedge at once and
// the next hedge is timed from it, on the mock clock too.
func TestMockClockFailureRestartsDelay(t *testing.T) {
	mock := clock.NewMock()
	p := hedge.New(hedge.Config[int]{Delay: time.Second, MaxHedges: 2, Clock: mock})
	started := make(chan int32, 3)
	var calls atomic.Int32
	fn := func(ctx context.Context) (int, error) {
		n := calls.Add(1)
		started <- n
		switch n {
		case 1:
			return 1, errBusy
		case 2:
			<-ctx.Done()
			return -2, context.Cause(ctx)
		}
		return 3, nil
	}
	done := make(chan int, 1)
	go func() {
		r, _ := p.Execute(context.Background(), fn)
		done <- r
	}()
	require.Equal(t, int32(1), <-started)
	require.Equal(t, int32(2), <-started, "the failure starts a hedge without waiting")
	mock.Add(999 * time.Millisecond)
	assert.Empty(t, started, "the next hedge is timed from the last start")
	mock.Add(time.Millisecond)
	require.Equal(t, int32(3), <-started)
	assert.Equal(t, 3, <-done)
}
