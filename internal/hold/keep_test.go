package hold_test

import (
	"context"
	"errors"
	"net/http/httptrace"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/internal/hold"
)

func TestHoldFollowsCtxUntilKept(t *testing.T) {
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	policyCtx, cancelPolicy := context.WithCancelCause(base)
	var h hold.Hold
	held := h.Start(policyCtx, base)
	defer h.Release()

	cause := errors.New("attempt timed out")
	cancelPolicy(cause)
	<-held.Done()
	assert.ErrorIs(t, context.Cause(held), cause, "before keep, the policy's cancellation ends the attempt")
}

func TestHoldOutlivesPoliciesAfterKeep(t *testing.T) {
	type key struct{}
	trace := &httptrace.ClientTrace{}
	base, cancelBase := context.WithCancel(httptrace.WithClientTrace(context.WithValue(context.Background(), key{}, "v"), trace))
	defer cancelBase()
	policyCtx, cancelPolicy := context.WithCancel(base)
	var h hold.Hold
	held := h.Start(policyCtx, base)
	h.Keep()
	h.Keep() // idempotent
	cancelPolicy()
	assert.NoError(t, held.Err(), "after keep, a policy's cancellation no longer reaches the attempt")
	assert.Equal(t, "v", held.Value(key{}), "values stay visible")
	assert.Same(t, trace, httptrace.ContextClientTrace(held))

	h.Release()
	<-held.Done()
	assert.ErrorIs(t, held.Err(), context.Canceled)
	h.Release() // idempotent
	h.Keep()    // after release: nothing
}

func TestHoldFollowsBaseAfterKeep(t *testing.T) {
	base, cancelBase := context.WithCancelCause(context.Background())
	var h hold.Hold
	held := h.Start(base, base)
	defer h.Release()
	h.Keep()
	gone := errors.New("client went away")
	cancelBase(gone)
	<-held.Done()
	assert.ErrorIs(t, context.Cause(held), gone, "the caller's cancellation still ends the body read")
}

func TestHoldKeepAfterPolicyEnded(t *testing.T) {
	base := context.Background()
	policyCtx, cancelPolicy := context.WithCancel(base)
	var h hold.Hold
	held := h.Start(policyCtx, base)
	defer h.Release()
	cancelPolicy()
	h.Keep() // too late: the attempt was already ended by its policy
	<-held.Done()
	require.Error(t, held.Err())
}

func TestHoldConcurrentKeepAndRelease(t *testing.T) {
	for i := 0; i < 200; i++ {
		base := context.Background()
		policyCtx, cancelPolicy := context.WithCancel(base)
		var h hold.Hold
		held := h.Start(policyCtx, base)
		var wg sync.WaitGroup
		wg.Add(3)
		go func() { defer wg.Done(); h.Keep() }()
		go func() { defer wg.Done(); h.Release() }()
		go func() { defer wg.Done(); cancelPolicy() }()
		wg.Wait()
		<-held.Done() // release always ends it
	}
}
