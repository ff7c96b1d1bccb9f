package timeout_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/timeout"
)

// call runs p.Execute(ctx, next) on another goroutine. next signals parked
// with its ctx, then waits for that ctx to end. The test moves the mock
// clock once parked has fired and reads the outcome from the returned
// channel.
type outcome struct {
	r   int
	err error
}

func callParked(p *timeout.Policy[int], ctx context.Context) (parked <-chan context.Context, done <-chan outcome) {
	pk := make(chan context.Context, 1)
	dn := make(chan outcome, 1)
	go func() {
		r, err := p.Execute(ctx, func(ctx context.Context) (int, error) {
			pk <- ctx
			<-ctx.Done()
			return 0, ctx.Err()
		})
		dn <- outcome{r, err}
	}()
	return pk, dn
}

func TestMockClockFires(t *testing.T) {
	mock := clock.NewMock()
	rec := &recorder{}
	p := timeout.New[int](timeout.Config{Timeout: 2 * time.Second, Clock: mock, OnTimeout: rec.onTimeout, Observer: rec})
	parked, done := callParked(p, context.Background())
	fnCtx := <-parked
	d, ok := fnCtx.Deadline()
	require.True(t, ok, "next's ctx has no deadline")
	assert.Equal(t, mock.Now().Add(2*time.Second), d, "deadline on the mock clock")

	mock.Add(time.Second)
	select {
	case o := <-done:
		t.Fatalf("Execute returned %v after 1s of a 2s timeout", o.err)
	default:
	}
	mock.Add(time.Second)
	o := <-done
	requireExceeded(t, o.err, 2*time.Second)
	require.Len(t, rec.hooks, 1)
	assert.Equal(t, 2*time.Second, rec.hooks[0].Elapsed, "Event.Elapsed on the mock clock")
	require.Len(t, rec.events, 1)
	assert.Equal(t, resilience.EventTimeout, rec.events[0].Kind)
}

func TestMockClockResultFirst(t *testing.T) {
	mock := clock.NewMock()
	p := timeout.New[int](timeout.Config{Timeout: time.Second, Clock: mock})
	var fnCtx context.Context
	got, err := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
		fnCtx = ctx
		mock.Add(999 * time.Millisecond)
		return 3, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3, got)
	assert.Equal(t, context.Canceled, fnCtx.Err(), "the mock timer is not released on return")
}

func TestMockClockParentCancelled(t *testing.T) {
	mock := clock.NewMock()
	p := timeout.New[int](timeout.Config{Timeout: time.Second, Clock: mock})
	ctx, cancel := context.WithCancel(context.Background())
	parked, done := callParked(p, ctx)
	<-parked
	cancel()
	o := <-done
	assert.Equal(t, context.Canceled, o.err, "the parent's cancellation must pass through unchanged")
}

func TestMockClockParentDeadline(t *testing.T) {
	tests := []struct {
		parent  time.Duration
		advance time.Duration
		ours    bool
	}{
		{parent: time.Second, advance: time.Second, ours: false},
		{parent: 2 * time.Second, advance: 2 * time.Second, ours: false},
		{parent: 5 * time.Second, advance: 2 * time.Second, ours: true},
	}
	for _, tt := range tests {
		mock := clock.NewMock()
		p := timeout.New[int](timeout.Config{Timeout: 2 * time.Second, Clock: mock})
		ctx, cancel := mock.WithTimeout(context.Background(), tt.parent)
		parked, done := callParked(p, ctx)
		fnCtx := <-parked
		mock.Add(tt.advance)
		o := <-done
		cancel()
		if tt.ours {
			requireExceeded(t, o.err, 2*time.Second)
			continue
		}
		assert.Same(t, ctx, fnCtx, "parent deadline %v, timeout 2s: next got a new ctx", tt.parent)
		assert.Equal(t, context.DeadlineExceeded, o.err, "parent deadline %v, timeout 2s: the parent's error must pass through unchanged", tt.parent)
	}
}

func TestMockClockTimerReleasedOnPanic(t *testing.T) {
	mock := clock.NewMock()
	p := timeout.New[int](timeout.Config{Timeout: time.Second, Clock: mock})
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	var fnCtx context.Context
	assert.PanicsWithValue(t, "boom", func() {
		_, _ = p.Execute(parent, func(ctx context.Context) (int, error) {
			fnCtx = ctx
			panic("boom")
		})
	})
	assert.Equal(t, context.Canceled, fnCtx.Err(), "next's ctx still live after a panic")
}

// On a mock clock next's ctx carries no cause of its own, so
// context.Cause reports what Err does: never nil once Err is not, also
// under a parent that has a cause of its own (still nil).
func TestMockClockCauseAgreesWithErr(t *testing.T) {
	for _, looked := range []bool{false, true} {
		mock := clock.NewMock()
		p := timeout.New[int](timeout.Config{Timeout: time.Second, Clock: mock})
		parent, cancel := context.WithCancelCause(context.Background())
		var err, cause error
		_, _ = p.Execute(parent, func(ctx context.Context) (int, error) {
			if looked {
				_ = ctx.Done()
			}
			mock.Add(2 * time.Second)
			err, cause = ctx.Err(), context.Cause(ctx)
			return 0, nil
		})
		cancel(nil)
		assert.Equal(t, context.DeadlineExceeded, err, "looked=%v: Err past the deadline", looked)
		assert.Equal(t, err, cause, "looked=%v: Cause past the deadline", looked)
	}
}

// The parent cancelled with a cause after the mock deadline was seen: the
// ctx ended by its deadline, and Cause says so, not the parent's cause.
func TestMockClockCauseAfterDeadlineThenParentCause(t *testing.T) {
	mock := clock.NewMock()
	p := timeout.New[int](timeout.Config{Timeout: time.Second, Clock: mock})
	parent, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var err, cause error
	_, got := p.Execute(parent, func(ctx context.Context) (int, error) {
		mock.Add(2 * time.Second)
		require.Equal(t, context.DeadlineExceeded, ctx.Err(), "Err past the deadline")
		cancel(errors.New("the caller gave up"))
		err, cause = ctx.Err(), context.Cause(ctx)
		return 0, nil
	})
	assert.Equal(t, context.DeadlineExceeded, err, "Err after the parent's cancellation")
	assert.Equal(t, context.DeadlineExceeded, cause, "Cause after the parent's cancellation")
	assert.ErrorIs(t, got, timeout.ErrExceeded)
}

// OnTimeout is called only once the timeout has passed, so Event.Elapsed
// is never less than the Timeout, even on a mock clock moved back.
func TestEventElapsedOnAMockClockMovedBack(t *testing.T) {
	mock := clock.NewMock()
	rec := &recorder{}
	p := timeout.New[int](timeout.Config{Timeout: time.Second, Clock: mock, OnTimeout: rec.onTimeout})
	start := mock.Now()
	_, err := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
		mock.Add(2 * time.Second)
		_ = ctx.Err() // seen past the deadline
		mock.Set(start.Add(-time.Hour))
		return 0, nil
	})
	requireExceeded(t, err, time.Second)
	require.Len(t, rec.hooks, 1)
	assert.Equal(t, time.Second, rec.hooks[0].Elapsed, "Event.Elapsed once the mock moved back before the start")
}
