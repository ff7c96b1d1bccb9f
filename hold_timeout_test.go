package resilience_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/timeout"
)

// Under a timeout whose context has armed no timer yet, a Hold times the
// deadline itself. These tests hold that path to what linking to the
// timeout's context would do.

func TestHoldEndsAtALazyTimeoutsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := context.Background()
		outer := timeout.New(timeout.Config[int]{Timeout: time.Minute})
		inner := timeout.New(timeout.Config[int]{Timeout: time.Second})
		var heldErr, heldCause error
		_, err := resilience.Compose[int](outer, inner).Execute(base, func(ctx context.Context) (int, error) {
			var h resilience.Hold
			held := h.Start(ctx, base)
			defer h.Release()
			<-held.Done()
			heldErr, heldCause = held.Err(), context.Cause(held)
			return 0, heldErr
		})
		require.ErrorIs(t, err, timeout.ErrExceeded)
		assert.Equal(t, context.Canceled, heldErr, "a held context ends by cancellation")
		var ee *timeout.ExceededError
		require.ErrorAs(t, heldCause, &ee, "context.Cause(held)")
		assert.Equal(t, time.Second, ee.Limit, "the inner timeout's deadline ended it")
	})
}

func TestHoldKeptOutlivesALazyTimeoutsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := context.Background()
		p := timeout.New(timeout.Config[int]{Timeout: time.Second})
		var h resilience.Hold
		var held context.Context
		_, err := p.Execute(base, func(ctx context.Context) (int, error) {
			held = h.Start(ctx, base)
			h.Keep()
			return 1, nil
		})
		require.NoError(t, err)
		time.Sleep(time.Hour) // fake time, well past the deadline
		assert.NoError(t, held.Err(), "a kept context after the deadline passed")
		h.Release()
		assert.Equal(t, context.Canceled, held.Err(), "after Release")
	})
}

func TestHoldReleasedBeforeALazyTimeoutsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := context.Background()
		p := timeout.New(timeout.Config[int]{Timeout: time.Second})
		var held context.Context
		_, err := p.Execute(base, func(ctx context.Context) (int, error) {
			var h resilience.Hold
			held = h.Start(ctx, base)
			h.Release()
			return 1, nil
		})
		require.NoError(t, err)
		time.Sleep(time.Hour)
		assert.Equal(t, context.Canceled, context.Cause(held), "the deadline must not overwrite the release")
	})
}

// With a cancellable context between the caller's and the timeout's, the
// Hold links to the timeout's context the usual way, and ends with either.
func TestHoldUnderALazyTimeoutOverAnotherCancel(t *testing.T) {
	for _, cancelFirst := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			base := context.Background()
			mid, cancel := context.WithCancel(base)
			defer cancel()
			p := timeout.New(timeout.Config[int]{Timeout: time.Second})
			_, _ = p.Execute(mid, func(ctx context.Context) (int, error) {
				var h resilience.Hold
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
