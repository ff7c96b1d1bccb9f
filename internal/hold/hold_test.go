package hold_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/internal/hold"
)

func TestHoldEndsWithBaseAtOnce(t *testing.T) {
	base, cancelBase := context.WithCancelCause(context.Background())
	policyCtx, cancelPolicy := context.WithCancel(base)
	defer cancelPolicy()
	var h hold.Hold
	held := h.Start(policyCtx, base)
	defer h.Release()

	gone := errors.New("client went away")
	cancelBase(gone)
	// The held context is linked to base as a child: no goroutine hop.
	require.Error(t, held.Err(), "held.Err() right after base was cancelled")
	assert.Same(t, gone, context.Cause(held), "context.Cause(held)")
}

func TestHoldReportsBaseDeadline(t *testing.T) {
	var h hold.Hold
	held := h.Start(context.Background(), context.Background())
	_, ok := held.Deadline()
	assert.False(t, ok, "Deadline() with a base that has none")
	h.Release()

	want := time.Now().Add(time.Hour)
	base, cancel := context.WithDeadline(context.Background(), want)
	defer cancel()
	policyCtx, cancelPolicy := context.WithTimeout(base, time.Minute)
	defer cancelPolicy()
	var h2 hold.Hold
	held = h2.Start(policyCtx, base)
	defer h2.Release()
	got, ok := held.Deadline()
	assert.True(t, ok)
	assert.Equal(t, want, got, "Deadline() = %v, want base's %v", got, want)
}

// TestHoldNeedsNoGoroutine checks that held contexts, and contexts derived
// from them directly or through values, are linked to their parents the
// way the context package links its own: without a goroutine each.
func TestHoldNeedsNoGoroutine(t *testing.T) {
	type key struct{}
	base, cancelBase := context.WithCancel(context.WithValue(context.Background(), key{}, "base"))
	defer cancelBase()
	policyCtx, cancelPolicy := context.WithTimeout(base, time.Hour)
	defer cancelPolicy()

	before := runtime.NumGoroutine()
	const n = 50
	holds := make([]*hold.Hold, n)
	derived := make([]context.Context, 0, 3*n)
	for i := range holds {
		h := new(hold.Hold)
		holds[i] = h
		held := h.Start(policyCtx, base)
		direct, cancel := context.WithCancel(held)
		defer cancel()
		viaValue, cancel2 := context.WithTimeout(context.WithValue(held, key{}, i), time.Hour)
		defer cancel2()
		derived = append(derived, held, direct, viaValue)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines after %d holds and %d contexts derived from them", n, 2*n)

	for _, h := range holds {
		h.Keep()
	}
	cancelPolicy()
	for i, ctx := range derived {
		require.NoError(t, ctx.Err(), "context %d ended with the policies after Keep", i)
	}
	cancelBase()
	for i, ctx := range derived {
		require.ErrorIs(t, ctx.Err(), context.Canceled, "context %d right after base was cancelled", i)
	}
	for _, h := range holds {
		h.Release()
	}
}
