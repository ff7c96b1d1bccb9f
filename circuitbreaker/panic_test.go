package circuitbreaker_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/circuitbreaker"
)

// A panic in a callback that classifies or opens on a half-open trial's
// outcome must not keep the trial's permit: the breaker leaves half-open
// (a panic is a failure, so it opens) and the panic goes on unchanged.

func TestPanicInFailureIfFailsTheTrial(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, Clock: clk,
		FailureIf: func(r int, err error) bool {
			if r == 42 {
				panic("classify")
			}
			return err != nil
		}})
	clk.Add(time.Second)
	assert.PanicsWithValue(t, "classify", func() {
		_, _ = b.Execute(t.Context(), func(context.Context) (int, error) { return 42, nil })
	})
	assert.Equal(t, circuitbreaker.Open, b.State(), "a trial whose FailureIf panicked counts as failed")
	clk.Add(time.Second)
	require.NoError(t, run(b, false), "the next half-open period's trial")
	assert.Equal(t, circuitbreaker.Closed, b.State())
}

func TestPanicInFailureIfInTheTwoStepFormFailsTheTrial(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, Clock: clk,
		FailureIf: func(r int, err error) bool {
			if r == 42 {
				panic("classify")
			}
			return err != nil
		}})
	clk.Add(time.Second)
	p, err := b.Allow(t.Context())
	require.NoError(t, err)
	assert.PanicsWithValue(t, "classify", func() { p.Done(42, nil) })
	assert.Equal(t, circuitbreaker.Open, b.State(), "a trial whose FailureIf panicked in Done counts as failed")
}

func TestPanicInFailureIfWhileClosedCountsAsAFailure(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 2, Clock: newMock(),
		FailureIf: func(int, error) bool { panic("classify") }})
	assert.PanicsWithValue(t, "classify", func() { _ = run(b, false) })
	assert.Equal(t, 1, b.Metrics().Failures, "an outcome whose FailureIf panicked")
}

func TestPanicInOpenDelayFuncAfterAFailedTrialStillOpens(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, Clock: clk,
		OpenDelayFunc: func(r int, err error) time.Duration {
			if r == 42 {
				panic("delay")
			}
			return 0
		}})
	clk.Add(time.Second)
	assert.PanicsWithValue(t, "delay", func() {
		_, _ = b.Execute(t.Context(), func(context.Context) (int, error) { return 42, errBoom })
	})
	oe := openErr(t, run(b, false))
	assert.Equal(t, circuitbreaker.Open, oe.State, "a failed trial whose OpenDelayFunc panicked")
	assert.Equal(t, time.Second, oe.RetryAfter(), "the opening lasts OpenDelay")
}

func TestPanicInOpenBackoffStillOpensForTheDefaultDelay(t *testing.T) {
	clk := newMock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1, Clock: clk,
		OpenBackoff: backoffFunc(func(int, time.Duration) time.Duration { panic("backoff") })})
	assert.PanicsWithValue(t, "backoff", func() { _ = run(b, true) })
	oe := openErr(t, run(b, false))
	assert.Equal(t, circuitbreaker.Open, oe.State, "a tripping failure whose OpenBackoff panicked")
	assert.Equal(t, circuitbreaker.DefaultOpenDelay, oe.RetryAfter())
}

func TestPanicInOpenBackoffAfterHalfOpenMaxWaitStillReopens(t *testing.T) {
	clk := newMock()
	panicking := false
	b := tripped(t, circuitbreaker.Config[int]{HalfOpenMaxWait: time.Second, Clock: clk,
		OpenBackoff: backoffFunc(func(int, time.Duration) time.Duration {
			if panicking {
				panic("backoff")
			}
			return time.Second
		})})
	clk.Add(time.Second)
	_, err := b.Allow(t.Context()) // a trial that hangs
	require.NoError(t, err)
	clk.Add(time.Second)
	panicking = true
	assert.PanicsWithValue(t, "backoff", func() { _ = b.State() })
	panicking = false
	oe := openErr(t, run(b, false))
	assert.Equal(t, circuitbreaker.Open, oe.State, "a stale half-open period whose OpenBackoff panicked")
	assert.Equal(t, circuitbreaker.DefaultOpenDelay, oe.RetryAfter())
}
