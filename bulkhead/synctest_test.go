package bulkhead_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/bulkhead"
)

// crossBubbleEnv tells a re-executed test binary to play the scenario of
// TestBulkheadOutlivesSynctestBubbles itself.
const crossBubbleEnv = "BULKHEAD_CROSS_BUBBLE_CHILD"

// TestBulkheadOutlivesSynctestBubbles uses one bulkhead inside and
// outside testing/synctest bubbles, queueing calls each time, in both
// orders. A waiter kept from one side to the other is fatal from outside
// ("select on synctest channel from outside bubble") and, from inside,
// keeps the bubble's clock from moving (the wait never ends), so each
// order runs in a child process whose crash or hang the test reports.
func TestBulkheadOutlivesSynctestBubbles(t *testing.T) {
	switch os.Getenv(crossBubbleEnv) {
	case "inside-first":
		b := newCrossBulkhead()
		queueInsideBubbles(t, b)
		queueOutsideBubbles(t, b)
		return
	case "outside-first":
		b := newCrossBulkhead()
		queueOutsideBubbles(t, b)
		queueInsideBubbles(t, b)
		return
	}
	for _, order := range []string{"inside-first", "outside-first"} {
		t.Run(order, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestBulkheadOutlivesSynctestBubbles$", "-test.count=1", "-test.timeout=20s")
			cmd.Env = append(os.Environ(), crossBubbleEnv+"="+order)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("the scenario failed (%v):\n%s", err, out)
			}
		})
	}
}

// rounds is how often each side queues: pooled objects are kept per P,
// so several times, for a call to meet one the other side left.
const rounds = 8

func newCrossBulkhead() *bulkhead.Bulkhead[int] {
	return bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1, MaxWait: time.Second})
}

// queueInsideBubbles makes calls queue on b in bubbles, both with a
// permit handed over and with MaxWait running out on the bubble's clock.
func queueInsideBubbles(t *testing.T, b *bulkhead.Bulkhead[int]) {
	for range rounds {
		synctest.Test(t, func(t *testing.T) {
			hold, err := b.Acquire(t.Context())
			require.NoError(t, err)
			done := make(chan error, 1)
			go func() {
				_, err := b.Execute(t.Context(), ok)
				done <- err
			}()
			synctest.Wait()
			hold()
			require.NoError(t, <-done, "inside a bubble, a queued call gets the permit")

			hold, err = b.Acquire(t.Context())
			require.NoError(t, err)
			start := time.Now()
			_, err = b.Execute(t.Context(), ok)
			assert.ErrorIs(t, err, bulkhead.ErrFull, "inside a bubble, MaxWait runs out")
			assert.Equal(t, time.Second, time.Since(start), "on the bubble's clock")
			hold()
		})
	}
}

func queueOutsideBubbles(t *testing.T, b *bulkhead.Bulkhead[int]) {
	for range rounds {
		queueOutside(t, b)
	}
}

// queueOutside makes a call queue on b, outside any bubble, and hands it
// the permit.
func queueOutside(t *testing.T, b *bulkhead.Bulkhead[int]) {
	hold, err := b.Acquire(t.Context())
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := b.Execute(t.Context(), ok)
		done <- err
	}()
	for b.Waiting() == 0 {
		runtime.Gosched() // the call is on its way to the queue
	}
	hold()
	err = <-done
	if errors.Is(err, bulkhead.ErrFull) {
		t.Fatal("a queued call outside the bubbles timed out")
	}
	require.NoError(t, err)
}
