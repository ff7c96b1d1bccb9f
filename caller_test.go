package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
)

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
