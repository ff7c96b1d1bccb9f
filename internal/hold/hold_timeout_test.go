package hold_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/internal/hold"
	"github.com/go-resilience/resilience/timeout"
)

// Under a timeout whose context has armed no timer yet, a Hold times the
// deadline itself, on the timeout's clock. These tests hold that path to
// what linking to the timeout's context would do.

func TestHoldEndsAtALazyTimeoutsDeadline(t *testing.T) {
	mock := clock.NewMock()
	base := context.Background()
	outer := timeout.New[int](timeout.Config{Timeout: time.Minute, Clock: mock})
	inner := timeout.New[int](timeout.Config{Timeout: time.Second, Clock: mock})
	var heldErr, heldCause error
	_, err := resilience.Compose[int](outer, inner).Execute(base, func(ctx context.Context) (int, error) {
		var h hold.Hold
		held := h.Start(ctx, base)
		defer h.Release()
		mock.Add(time.Second)
		<-held.Done()
		heldErr, heldCause = held.Err(), context.Cause(held)
		return 0, heldErr
	})
	require.ErrorIs(t, err, timeout.ErrExceeded)
	assert.Equal(t, context.Canceled, heldErr, "a held context ends by cancellation")
	var ee *timeout.ExceededError
	require.ErrorAs(t, heldCause, &ee, "context.Cause(held)")
	assert.Equal(t, time.Second, ee.Limit, "the inner timeout's deadline ended it")
}

func TestHoldKeptOutlivesALazyTimeoutsDeadline(t *testing.T) {
	mock := clock.NewMock()
	base := context.Background()
	p := timeout.New[int](timeout.Config{Timeout: time.Second, Clock: mock})
	var h hold.Hold
	var held context.Context
	_, err := p.Execute(base, func(ctx context.Context) (int, error) {
		held = h.Start(ctx, base)
		h.Keep()
		return 1, nil
	})
	require.NoError(t, err)
	mock.Add(time.Hour) // well past the deadline: a timer still armed would fire
	assert.NoError(t, held.Err(), "a kept context after the deadline passed")
	h.Release()
	assert.Equal(t, context.Canceled, held.Err(), "after Release")
}

func TestHoldReleasedBeforeALazyTimeoutsDeadline(t *testing.T) {
	mock := clock.NewMock()
	base := context.Background()
	p := timeout.New[int](timeout.Config{Timeout: time.Second, Clock: mock})
	var held context.Context
	_, err := p.Execute(base, func(ctx context.Context) (int, error) {
		var h hold.Hold
		held = h.Start(ctx, base)
		h.Release()
		return 1, nil
	})
	require.NoError(t, err)
	mock.Add(time.Hour)
	assert.Equal(t, context.Canceled, context.Cause(held), "the deadline must not overwrite the release")
}

// With a cancellable context between the caller's and the timeout's, the
// Hold links to the timeout's context the usual way, and ends with either.
// On the real clock (a clock's own context carries no cause), in a
// synctest bubble: the held context is waited on, nothing sleeps.
func TestHoldUnderALazyTimeoutOverAnotherCancel(t *testing.T) {
	for _, cancelFirst := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			base := context.Background()
			mid, cancel := context.WithCancel(base)
			defer cancel()
			p := timeout.New[int](timeout.Config{Timeout: time.Second})
			_, _ = p.Execute(mid, func(ctx context.Context) (int, error) {
				var h hold.Hold
				held := h.Start(ctx, base)
				defer h.Release()
				if cancelFirst {
					cancel()
				}
				<-held.Done()
				if cancelFirst {
					assert.Equal(t, context.Canceled, context.Cause(held))
				} else {
					assert.ErrorIs(t, context.Cause(held), timeout.ErrExceeded)
				}
				return 0, nil
			})
		})
	}
}

// Under a mock clock, a lazy timeout's deadline that has already passed
// at Start ends the attempt at once, not when the mock next moves.
func TestHoldStartedPastAMockDeadlineEndsAtOnce(t *testing.T) {
	for _, keep := range []bool{false, true} {
		mock := clock.NewMock()
		base := context.Background()
		p := timeout.New[int](timeout.Config{Timeout: time.Second, Clock: mock})
		var heldErr, heldCause error
		_, _ = p.Execute(base, func(ctx context.Context) (int, error) {
			mock.Add(2 * time.Second)
			var h hold.Hold
			held := h.Start(ctx, base)
			defer h.Release()
			if keep {
				h.Keep()
			}
			heldErr, heldCause = held.Err(), context.Cause(held)
			return 0, nil
		})
		assert.Equal(t, context.Canceled, heldErr, "keep=%v: held.Err() right after Start past the deadline", keep)
		assert.ErrorIs(t, heldCause, timeout.ErrExceeded, "keep=%v: Cause(held)", keep)
	}
}

// The deadline passing between Start and Keep ends the attempt by the
// time Keep returns, with the timeout's cause.
func TestHoldKeptJustAfterAMockDeadlineEnds(t *testing.T) {
	mock := clock.NewMock()
	base := context.Background()
	p := timeout.New[int](timeout.Config{Timeout: time.Second, Clock: mock})
	var heldCause error
	_, _ = p.Execute(base, func(ctx context.Context) (int, error) {
		var h hold.Hold
		held := h.Start(ctx, base)
		defer h.Release()
		mock.Add(time.Second)
		h.Keep()
		heldCause = context.Cause(held)
		return 0, nil
	})
	assert.ErrorIs(t, heldCause, timeout.ErrExceeded, "Cause(held) when Keep returns")
}
