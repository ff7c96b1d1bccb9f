package retry_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/resiliencetest"
	"github.com/go-resilience/resilience/retry"
)

// panicBackoff is a Backoff that panics with v on the given attempt.
type panicBackoff struct {
	at *int // the attempt to panic on; 0 never
	v  any
}

func (b panicBackoff) Delay(attempt int, _ time.Duration) time.Duration {
	if attempt == *b.at {
		panic(b.v)
	}
	return time.Second
}

// panicBudget panics with v in the method named by *in.
type panicBudget struct {
	in *string
	v  any
}

func (b panicBudget) RecordRequest() {
	if *b.in == "RecordRequest" {
		panic(b.v)
	}
}

func (b panicBudget) AllowRetry() error {
	if *b.in == "AllowRetry" {
		panic(b.v)
	}
	return nil
}

// TestPanicInAnyCallbackPropagatesAndDiscardsWhatWasProduced injects a panic
// into each user-supplied function the policy calls. Each row panics on
// the second attempt's failure (the first one was retried normally), or at
// the give-up after the last; every result produced is then handed to
// resilience.Discard exactly once, since none is returned, and the panic
// reaches the caller unchanged. A callback added to the policy later is
// covered by adding a row.
func TestPanicInAnyCallbackPropagatesAndDiscardsWhatWasProduced(t *testing.T) {
	type boom struct{ where string }
	rows := []struct {
		callback string
		attempts int // the attempts made before the panic
	}{
		{"next", 2},
		{"FailureIf", 2},
		{"AbortIf", 2},
		{"DelayFunc", 2},
		{"Backoff.Delay", 2},
		{"Budget.RecordRequest", 0},
		{"Budget.AllowRetry", 2},
		{"OnRetry", 2},
		{"Observer(retry)", 2},
		{"Observer(exhausted)", 3},
		{"Observer(exhausted: aborted)", 2},
		{"Observer(exhausted: cancelled during the delay)", 2},
	}
	for _, row := range rows {
		t.Run(row.callback, func(t *testing.T) {
			v := &boom{row.callback}
			attempt := 0 // the attempt running or last run
			at := func(name string, n int) bool { return row.callback == name && attempt == n }
			backoffAt, budgetIn := 0, ""
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			switch row.callback {
			case "Backoff.Delay":
				backoffAt = 2
			case "Budget.RecordRequest":
				budgetIn = "RecordRequest"
			}
			cfg := retry.Config[int]{
				MaxAttempts: 3,
				Backoff:     panicBackoff{at: &backoffAt, v: v},
				DelayFunc: func(int, int, error) time.Duration {
					if at("DelayFunc", 2) {
						panic(v)
					}
					return -1
				},
				FailureIf: func(_ int, err error) bool {
					if at("FailureIf", 2) {
						panic(v)
					}
					return err != nil
				},
				AbortIf: func(int, error) bool {
					if at("AbortIf", 2) {
						panic(v)
					}
					return at("Observer(exhausted: aborted)", 2)
				},
				OnRetry: func(retry.Event[int]) {
					if at("OnRetry", 2) {
						panic(v)
					}
					if at("Observer(exhausted: cancelled during the delay)", 2) {
						cancel()
					}
				},
				Budget: panicBudget{in: &budgetIn, v: v},
				Observer: resilience.ObserverFunc(func(_ context.Context, e resilience.Event) {
					if at("Observer(retry)", 2) && e.Kind == resilience.EventRetry ||
						strings.HasPrefix(row.callback, "Observer(exhausted") && e.Kind == resilience.EventExhausted {
						panic(v)
					}
				}),
				Clock: newNoWaitClock(),
			}
			if row.callback == "Budget.AllowRetry" {
				cfg.Budget = &allowThenPanic{allow: 1, v: v}
			}
			fn := func(context.Context) (int, error) {
				attempt++
				if at("next", 2) {
					panic(v)
				}
				return attempt, errBoom
			}
			var discards resiliencetest.Discards[int]
			ctx = discards.Context(ctx)

			got := func() (recovered any) {
				defer func() { recovered = recover() }()
				_, _ = retry.New(cfg).Execute(ctx, fn)
				return nil
			}()

			require.Equal(t, v, got, "recovered %v, want the panic of %s unchanged", got, row.callback)
			var produced []int
			for n := 1; n <= row.attempts; n++ {
				if row.callback == "next" && n == row.attempts {
					break // the panicking attempt produced nothing
				}
				produced = append(produced, n)
			}
			discarded := discards.All()
			slices.Sort(discarded)
			assert.Equal(t, produced, discarded, "results discarded: each produced result exactly once")
		})
	}
}

// allowThenPanic allows the first allow retries, then panics with v.
type allowThenPanic struct {
	allow int
	v     any
}

func (b *allowThenPanic) RecordRequest() {}

func (b *allowThenPanic) AllowRetry() error {
	if b.allow == 0 {
		panic(b.v)
	}
	b.allow--
	return nil
}
