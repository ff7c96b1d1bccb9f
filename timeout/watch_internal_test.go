package timeout

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What the fast path allocates is one deadlineCtx; a watchedCtx, under a
// parent that can be cancelled, besides the watch's timer. Their size
// classes are the figures the allocation guards do not see.
func TestDeadlineCtxSizes(t *testing.T) {
	assert.LessOrEqual(t, unsafe.Sizeof(deadlineCtx{}), uintptr(96), "deadlineCtx: one 96-byte allocation")
	assert.LessOrEqual(t, unsafe.Sizeof(watchedCtx{}), uintptr(112), "watchedCtx: one 112-byte allocation")
}

// The deadline of a ctx whose parent can be cancelled is watched: when it
// comes, the context is made and ends with our cause, so a cancellation
// that follows does not change what it reports. In a bubble, so that the
// watch's timer fires when every goroutine waits.
func TestWatchRecordsTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New[int](Config{Timeout: time.Millisecond})
		parent, cancel := context.WithCancelCause(context.Background())
		defer cancel(nil)
		var err, cause error
		_, got := p.Execute(parent, func(ctx context.Context) (int, error) {
			c := ctx.(*deadlineCtx)
			require.NotNil(t, c.watch, "a cancellable parent's ctx is watched")
			time.Sleep(time.Millisecond) // the bubble's clock: the deadline comes
			synctest.Wait()              // and the watch has made the context
			require.Equal(t, uint32(made), c.state.Load(), "the watch did not make the context at the deadline")
			cancel(errors.New("too late"))
			err, cause = ctx.Err(), context.Cause(ctx)
			return 1, nil
		})
		assert.Equal(t, context.DeadlineExceeded, err)
		assert.Same(t, p.cause, cause)
		assert.ErrorIs(t, got, ErrExceeded)
	})
}

func TestWatchStoppedWhenExecuteReturns(t *testing.T) {
	p := New[int](Config{Timeout: time.Hour})
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, panics := range []bool{false, true} {
		var c *deadlineCtx
		func() {
			defer func() { _ = recover() }()
			_, _ = p.Execute(parent, func(ctx context.Context) (int, error) {
				c = ctx.(*deadlineCtx)
				if panics {
					panic("boom")
				}
				return 1, nil
			})
		}()
		require.NotNil(t, c.watch)
		assert.False(t, c.watch.Stop(), "panics=%v: the watch's timer still running after Execute returned", panics)
	}
}

type valueKey struct{}

// A parent that cannot end leaves nothing to record: no watch.
func TestNoWatchUnderAParentThatCannotEnd(t *testing.T) {
	p := New[int](Config{Timeout: time.Hour})
	for _, parent := range []context.Context{
		context.Background(),
		context.WithValue(context.Background(), valueKey{}, 1),
		context.WithoutCancel(context.WithValue(context.Background(), valueKey{}, 1)),
	} {
		_, _ = p.Execute(parent, func(ctx context.Context) (int, error) {
			assert.Nil(t, ctx.(*deadlineCtx).watch, "under %v", parent)
			return 1, nil
		})
	}
}
