package timeout_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/internal/hold"
	"github.com/go-resilience/resilience/timeout"
)

// A Timeout as large as a Duration goes is a deadline centuries off, not
// one in the past: the sum saturates rather than wrap, and nothing fires.
func TestLargestTimeoutNeverFires(t *testing.T) {
	for _, clk := range []clock.Clock{nil, clock.NewMock()} {
		for _, cancellable := range []bool{false, true} {
			parent := context.Background()
			if cancellable {
				var cancel context.CancelFunc
				parent, cancel = context.WithCancel(parent)
				defer cancel()
			}
			p := timeout.New[int](timeout.Config{Timeout: math.MaxInt64, Clock: clk})
			now := time.Now()
			if clk != nil {
				now = clk.Now()
			}
			got, err := p.Execute(parent, func(ctx context.Context) (int, error) {
				d, ok := ctx.Deadline()
				require.True(t, ok)
				assert.True(t, d.After(now.Add(100*365*24*time.Hour)), "mock=%v cancellable=%v: Deadline() = %v, not centuries off", clk != nil, cancellable, d)
				assert.NoError(t, ctx.Err(), "mock=%v cancellable=%v: Err", clk != nil, cancellable)
				var h hold.Hold
				held := h.Start(ctx, context.Background())
				defer h.Release()
				h.Keep()
				assert.NoError(t, held.Err(), "mock=%v cancellable=%v: a held attempt under it", clk != nil, cancellable)
				select {
				case <-ctx.Done():
					t.Errorf("mock=%v cancellable=%v: Done closed", clk != nil, cancellable)
				default:
				}
				return 1, ctx.Err()
			})
			assert.NoError(t, err, "mock=%v cancellable=%v", clk != nil, cancellable)
			assert.Equal(t, 1, got)
		}
	}
}

// On a mock clock moved back after the deadline was seen, what was seen
// stands: the ctx stays ended, and Execute reports the timeout.
func TestMockClockMovedBackAfterTheDeadlineWasSeen(t *testing.T) {
	mock := clock.NewMock()
	p := timeout.New[int](timeout.Config{Timeout: time.Second, Clock: mock})
	start := mock.Now()
	var before, after error
	_, err := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
		mock.Add(2 * time.Second)
		before = ctx.Err()
		mock.Set(start)
		after = ctx.Err()
		return 1, nil
	})
	assert.Equal(t, context.DeadlineExceeded, before, "Err past the deadline")
	assert.Equal(t, context.DeadlineExceeded, after, "Err once the mock moved back")
	assert.ErrorIs(t, err, timeout.ErrExceeded)
}

// context.AfterFunc on next's ctx runs its func when Execute returns, as
// the cancel func of context.WithDeadlineCause would make it; registered
// after Execute returned, it runs at once.
func TestAfterFuncRunsWhenExecuteReturnsAndAfter(t *testing.T) {
	for _, cancellable := range []bool{false, true} {
		parent := context.Background()
		if cancellable {
			var cancel context.CancelFunc
			parent, cancel = context.WithCancel(parent)
			defer cancel()
		}
		p := timeout.New[int](timeout.Config{Timeout: time.Hour})
		during, later := make(chan struct{}), make(chan struct{})
		var kept context.Context
		_, err := p.Execute(parent, func(ctx context.Context) (int, error) {
			kept = ctx
			context.AfterFunc(ctx, func() { close(during) })
			return 1, nil
		})
		require.NoError(t, err)
		<-during // would block forever if it never ran
		stop := context.AfterFunc(kept, func() { close(later) })
		<-later
		assert.False(t, stop(), "cancellable=%v: stop after the func ran", cancellable)
	}
}
