package circuitbreaker_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/circuitbreaker"
)

// A trial that never returns (a call hung without a timeout) holds a
// half-open breaker's only permit. HalfOpenMaxWait ends that period.

func TestHalfOpenMaxWaitReopens(t *testing.T) {
	clk := newMock()
	var ch changes
	b := tripped(t, circuitbreaker.Config[int]{
		OpenDelay: time.Second, HalfOpenMaxWait: 5 * time.Second, Clock: clk, OnStateChange: ch.record,
	})
	clk.Add(time.Second)
	hung, err := b.Allow(t.Context())
	require.NoError(t, err)
	require.True(t, hung.Trial())

	clk.Add(4 * time.Second)
	assert.Equal(t, circuitbreaker.HalfOpen, openErr(t, run(b, false)).State, "rejected while the trial may still return")
	assert.Equal(t, circuitbreaker.HalfOpen, b.State(), "after 4s of a 5s HalfOpenMaxWait")

	clk.Add(time.Second)
	assert.Equal(t, circuitbreaker.Open, b.State(), "after HalfOpenMaxWait")
	assert.Equal(t, []string{"closed>open", "open>half-open", "half-open>open"}, ch.all())
	assert.Equal(t, time.Second, openErr(t, run(b, false)).RetryAfter(), "the reopened breaker waits OpenDelay")

	hung.Done(1, nil) // the stale trial returns at last: it belongs to a period that ended
	assert.Equal(t, circuitbreaker.Open, b.State(), "a stale trial's success must not close the breaker")

	clk.Add(time.Second)
	require.NoError(t, run(b, false), "the next half-open period's trial")
	assert.Equal(t, circuitbreaker.Closed, b.State())
}

// The limit is checked by the next call as well as by State: that call
// finds the breaker open again, with the full delay ahead.
func TestHalfOpenMaxWaitReopensOnTheNextCall(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, HalfOpenMaxWait: time.Minute, HalfOpenCalls: 2, Clock: clk})
	clk.Add(time.Second)
	_, err := b.Allow(t.Context()) // one trial hangs
	require.NoError(t, err)
	clk.Add(time.Minute)
	oe := openErr(t, run(b, false))
	assert.Equal(t, circuitbreaker.Open, oe.State, "a call after HalfOpenMaxWait, with a permit still free")
	assert.Equal(t, time.Second, oe.RetryAfter())
}

// A reopening after HalfOpenMaxWait counts as an opening in a row:
// OpenBackoff grows as after a failed trial.
func TestHalfOpenMaxWaitGrowsTheBackoff(t *testing.T) {
	clk := newMock()
	var attempts []int
	backoff := backoffFunc(func(attempt int, _ time.Duration) time.Duration {
		attempts = append(attempts, attempt)
		return time.Second << (attempt - 1)
	})
	b := tripped(t, circuitbreaker.Config[int]{OpenBackoff: backoff, HalfOpenMaxWait: time.Second, Clock: clk})
	clk.Add(time.Second)
	_, err := b.Allow(t.Context())
	require.NoError(t, err)
	clk.Add(time.Second)
	assert.Equal(t, 2*time.Second, openErr(t, run(b, false)).RetryAfter(), "second opening in a row")
	assert.Equal(t, []int{1, 2}, attempts)
}

func TestHalfOpenWithoutMaxWaitWaitsForItsTrials(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, Clock: clk})
	clk.Add(time.Second)
	hung, err := b.Allow(t.Context())
	require.NoError(t, err)
	clk.Add(24 * time.Hour)
	assert.Equal(t, circuitbreaker.HalfOpen, b.State(), "HalfOpenMaxWait 0: no limit")
	hung.Done(1, nil)
	assert.Equal(t, circuitbreaker.Closed, b.State())
}
