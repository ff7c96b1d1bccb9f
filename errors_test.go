package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/internal/testkit"
)

func TestPermanent(t *testing.T) {
	assert.NoError(t, resilience.Permanent(nil))
	assert.False(t, resilience.IsPermanent(nil))

	base := &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist}
	p := resilience.Permanent(base)
	assert.True(t, resilience.IsPermanent(p))
	assert.Equal(t, base.Error(), p.Error(), "the mark does not change the message")
	assert.ErrorIs(t, p, fs.ErrNotExist)
	var pe *fs.PathError
	require.ErrorAs(t, p, &pe)
	assert.Same(t, base, pe)

	wrapped := fmt.Errorf("loading config: %w", p)
	assert.True(t, resilience.IsPermanent(wrapped), "the mark is found through wrapping")
	assert.Same(t, p, resilience.Permanent(p), "marking twice returns the same error")
	assert.False(t, resilience.IsPermanent(base))
	assert.True(t, resilience.IsPermanent(errors.Join(errors.New("a"), p)))
}

func TestCallerEnded(t *testing.T) {
	assert.False(t, resilience.CallerEnded(context.Background()))

	ctx, cancel := context.WithCancel(context.Background())
	assert.False(t, resilience.CallerEnded(ctx))
	cancel()
	assert.True(t, resilience.CallerEnded(ctx), "plain cancellation is the caller's")

	dl, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	assert.False(t, resilience.CallerEnded(dl), "a deadline is a failure, not the caller's end")

	ctx, cancelCause := context.WithCancelCause(context.Background())
	cancelCause(fmt.Errorf("attempt timed out: %w", context.DeadlineExceeded))
	assert.False(t, resilience.CallerEnded(ctx), "cancellation whose cause is a deadline is a failure")

	ctx, cancelCause = context.WithCancelCause(context.Background())
	cancelCause(errors.New("user went away"))
	assert.True(t, resilience.CallerEnded(ctx))

	child, cancelChild := context.WithCancel(dl)
	defer cancelChild()
	assert.False(t, resilience.CallerEnded(child), "a child of an expired parent sees the deadline")
}

func TestRepeatable(t *testing.T) {
	ctx := context.Background()
	assert.True(t, resilience.Repeatable(ctx))
	marked := resilience.WithoutRepeat(ctx)
	assert.False(t, resilience.Repeatable(marked))
	type k struct{}
	assert.False(t, resilience.Repeatable(context.WithValue(marked, k{}, 1)), "the mark survives derived contexts")
}

func TestRejectionTellsWhatTheNextCallWouldMeet(t *testing.T) {
	boom := errors.New("boom")
	refused := testkit.Refusal{Wait: 3 * time.Second}
	tests := []struct {
		name string
		err  error
		want error
		wait time.Duration
	}{
		{"nil", nil, nil, 0},
		{"a failure", boom, nil, 0},
		{"a refusal", refused, refused, 3 * time.Second},
		{"a wrapped refusal", fmt.Errorf("outer: %w", refused), fmt.Errorf("outer: %w", refused), 3 * time.Second},
		{"a refusal that does not say when", resilience.ErrRejected, resilience.ErrRejected, 0},
		{"a failure that left the policy refusing", fmt.Errorf("x: %w", testkit.LeftRefusing{Err: boom, Next: refused}), refused, 3 * time.Second},
		{"a carrier without a rejection", testkit.LeftRefusing{Err: boom, Next: nil}, nil, 0},
		{"a negative wait", testkit.Refusal{Wait: -time.Second}, testkit.Refusal{Wait: -time.Second}, 0},
	}
	for _, tt := range tests {
		got, wait := resilience.Rejection(tt.err)
		assert.Equal(t, tt.want, got, "%s: Rejection", tt.name)
		assert.Equal(t, tt.wait, wait, "%s: retryAfter", tt.name)
	}
}

func TestRejectionOfAFailureAllocatesNothing(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", errors.Join(errors.New("boom"), errors.New("bang")))
	allocs := testing.AllocsPerRun(1000, func() { _, _ = resilience.Rejection(err) })
	assert.Zero(t, allocs, "Rejection(a plain failure) = %v allocs, want 0", allocs)
}
