package hold

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/internal/ctxkey"
)

// How a Hold times a lazy deadline: on a runtime timer of its own, which
// inside a synctest bubble runs on the bubble's clock. (The injected-clock
// path is tested from the timeout package's side, in
// hold_timeout_test.go.)

// lazyCtx is a ctxkey.Lazy context ending at a deadline it leaves to
// whoever follows it.
type lazyCtx struct {
	context.Context
	at    time.Time
	cause error
}

// Err reports the deadline once it has come, as a Lazy context must.
func (c *lazyCtx) Err() error {
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.at) {
		return context.DeadlineExceeded
	}
	return nil
}

func (c *lazyCtx) Follow() (ctxkey.Deadline, bool) {
	return ctxkey.Deadline{Follows: c.Context, At: c.at, Cause: c.cause}, true
}

var errLazyDeadline = errors.New("the lazy deadline")

func TestHoldTimesARealClockDeadline(t *testing.T) {
	for _, end := range []string{"Keep", "Release"} {
		t.Run(end, func(t *testing.T) {
			base := context.Background()
			var h Hold
			held := h.Start(&lazyCtx{Context: base, at: time.Now().Add(time.Hour), cause: errLazyDeadline}, base)
			assert.True(t, h.timed, "a timer for the deadline")
			if end == "Keep" {
				h.Keep()
				assert.NoError(t, held.Err())
			}
			h.Release()
			assert.False(t, h.timed)
			assert.False(t, h.deadline.Stop(), "the timer still running after %s", end)
			assert.Equal(t, context.Canceled, context.Cause(held))
		})
	}
}

func TestHoldEndsAtARealClockDeadline(t *testing.T) {
	base := context.Background()
	var h Hold
	start := time.Now()
	held := h.Start(&lazyCtx{Context: base, at: start.Add(time.Millisecond), cause: errLazyDeadline}, base)
	defer h.Release()
	<-held.Done()
	assert.GreaterOrEqual(t, time.Since(start), time.Millisecond, "ended before the deadline")
	assert.Same(t, errLazyDeadline, context.Cause(held))
}

func TestHoldInABubbleTimesTheDeadlineOnTheBubblesClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := context.Background()
		var h Hold
		start := time.Now()
		held := h.Start(&lazyCtx{Context: base, at: start.Add(time.Second), cause: errLazyDeadline}, base)
		defer h.Release()
		require.True(t, h.timed, "a timer for the deadline")
		<-held.Done()
		assert.Equal(t, start.Add(time.Second), time.Now(), "ended at")
		assert.Same(t, errLazyDeadline, context.Cause(held))
	})
}

// A lazy deadline that has already passed at Start ends the attempt at
// once: Keep, which stops timing it, must not leave the attempt running
// past a deadline that had already come.
func TestHoldStartedPastARealClockDeadlineHasEndedByKeep(t *testing.T) {
	base := context.Background()
	var h Hold
	held := h.Start(&lazyCtx{Context: base, at: time.Now().Add(-time.Second), cause: errLazyDeadline}, base)
	defer h.Release()
	h.Keep()
	assert.Equal(t, errLazyDeadline, context.Cause(held), "Cause(held) after Start past the deadline and Keep")
}

func TestHoldInABubbleStartedPastTheDeadlineHasEndedByKeep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := context.Background()
		var h Hold
		held := h.Start(&lazyCtx{Context: base, at: time.Now().Add(-time.Second), cause: errLazyDeadline}, base)
		defer h.Release()
		h.Keep()
		assert.Equal(t, errLazyDeadline, context.Cause(held), "Cause(held) after Start past the deadline and Keep")
	})
}

// Keep promises that a ctx already ended ends the attempt all the same,
// by the time Keep returns: not later, on a goroutine of AfterFunc's.
func TestHoldKeptAfterCtxEndedEndsBeforeKeepReturns(t *testing.T) {
	for range 100 {
		base := context.Background()
		ctx, cancel := context.WithCancelCause(base)
		var h Hold
		held := h.Start(ctx, base)
		why := errors.New("the policies gave up")
		cancel(why)
		h.Keep()
		require.Equal(t, why, context.Cause(held), "Cause(held) when Keep returns")
		h.Release()
	}
}

// A second Keep, after the policies' ctx ended, leaves the kept attempt
// alone.
func TestHoldKeptTwiceIgnoresCtxEndingBetween(t *testing.T) {
	base := context.Background()
	ctx, cancel := context.WithCancel(base)
	var h Hold
	held := h.Start(ctx, base)
	defer h.Release()
	h.Keep()
	cancel()
	h.Keep()
	assert.NoError(t, held.Err(), "a kept attempt ended by its policies' ctx")
}
