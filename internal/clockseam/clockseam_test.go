package clockseam

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errCause = errors.New("the cause")

// The zero Clock is the runtime's, which inside a bubble is the bubble's:
// its timers and deadlines run on the bubble's fake time, with causes.
func TestRealClockInABubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c Clock
		require.Nil(t, c.Injected())
		start := c.Now()
		fired := make(chan time.Time, 1)
		c.AfterFunc(time.Second, func() { fired <- time.Now() })
		tm := c.NewTimer(2 * time.Second)
		ctx, cancel := c.WithDeadlineCause(context.Background(), start.Add(3*time.Second), errCause)
		defer cancel()

		assert.Equal(t, start.Add(time.Second), <-fired, "AfterFunc fired at")
		assert.Equal(t, start.Add(2*time.Second), <-tm.C(), "NewTimer sent at")
		<-ctx.Done()
		assert.Equal(t, 3*time.Second, c.Since(start), "the deadline ended ctx after")
		assert.Equal(t, context.DeadlineExceeded, ctx.Err())
		assert.Same(t, errCause, context.Cause(ctx))
	})
}

// An injected clock runs everything on its own time; its deadlines carry
// no cause.
func TestInjectedClock(t *testing.T) {
	mock := clock.NewMock()
	c := Of(mock)
	require.Same(t, mock, c.Injected())
	start := c.Now()
	assert.Equal(t, mock.Now(), start)
	tm := c.NewTimer(time.Second)
	ctx, cancel := c.WithDeadlineCause(context.Background(), start.Add(time.Second), errCause)
	defer cancel()
	assert.Equal(t, time.Second, c.Until(start.Add(time.Second)))

	mock.Add(time.Second)
	assert.Equal(t, start.Add(time.Second), <-tm.C())
	<-ctx.Done()
	assert.Equal(t, context.DeadlineExceeded, ctx.Err())
	assert.Equal(t, context.DeadlineExceeded, context.Cause(ctx), "no cause of its own")
	assert.Equal(t, time.Second, c.Since(start))
}

// A clock.Mock's WithDeadline would not see a parent that ended already
// until a goroutine of its own ran; the seam's does at once.
func TestInjectedDeadlineUnderAnEndedParent(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.Background())
	cancelParent()
	ctx, cancel := Of(clock.NewMock()).WithDeadlineCause(parent, time.Now().Add(time.Hour), errCause)
	defer cancel()
	assert.Equal(t, context.Canceled, ctx.Err())
}

func TestZeroTimerStopDoesNothing(t *testing.T) {
	var tm Timer
	assert.False(t, tm.Stop())
}

func TestTimerStopAndReset(t *testing.T) {
	for name, c := range map[string]Clock{"real": {}, "injected": Of(clock.NewMock())} {
		tm := c.AfterFunc(time.Hour, func() { t.Errorf("%s: a stopped timer fired", name) })
		assert.True(t, tm.Stop(), "%s: Stop before the timer fired", name)
		assert.False(t, tm.Stop(), "%s: a second Stop", name)
		nt := c.NewTimer(time.Hour)
		nt.Reset(2 * time.Hour)
		assert.True(t, nt.Stop(), "%s: Stop after Reset", name)
	}
}

// An injected clock's deadline is decided by Err from the clock's time,
// not when a goroutine of the clock's runs: Err right after the mock moved
// past the deadline reports it, and the parent's cancellation after that
// changes nothing.
func TestInjectedDeadlineReadsTheClockInErr(t *testing.T) {
	mock := clock.NewMock()
	parent, cancelParent := context.WithCancelCause(context.Background())
	defer cancelParent(nil)
	ctx, cancel := Of(mock).WithDeadlineCause(parent, mock.Now().Add(time.Second), errCause)
	defer cancel()
	require.NoError(t, ctx.Err())
	mock.Add(time.Second)
	require.Equal(t, context.DeadlineExceeded, ctx.Err(), "Err right after the mock reached the deadline")
	cancelParent(errors.New("too late"))
	assert.Equal(t, context.DeadlineExceeded, ctx.Err())
	assert.Equal(t, context.DeadlineExceeded, context.Cause(ctx))
	<-ctx.Done()
}

// A parent that ends first ends it with the parent's Err, and a child
// linked to it follows it.
func TestInjectedDeadlineFollowsItsParent(t *testing.T) {
	mock := clock.NewMock()
	parent, cancelParent := context.WithCancelCause(context.Background())
	ctx, cancel := Of(mock).WithDeadlineCause(parent, mock.Now().Add(time.Second), errCause)
	defer cancel()
	child, cancelChild := context.WithCancel(ctx)
	defer cancelChild()
	cancelParent(errors.New("gone"))
	assert.Equal(t, context.Canceled, ctx.Err())
	assert.Equal(t, context.Canceled, context.Cause(ctx), "no cause of its own, nor the parent's")
	<-child.Done()
	mock.Add(time.Second)
	assert.Equal(t, context.Canceled, ctx.Err(), "the deadline after the parent ended it")
}
