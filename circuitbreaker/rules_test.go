package circuitbreaker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/circuitbreaker"
)

// FailureRate: RateOff leaves ConsecutiveFailures (and the slow-call rule,
// if on) as the only ways to open: failsafe-go's WithFailureThreshold(n),
// gobreaker's default ReadyToTrip.
func TestConsecutiveFailuresAloneIgnoreTheRate(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 3, FailureRate: circuitbreaker.RateOff, Clock: newMock()})
	runAll(t, b, repeat('F', 2)+"S"+repeat('F', 2)+"S")
	for range 50 {
		runAll(t, b, "FFS")
	}
	m := b.Metrics()
	assert.Equal(t, circuitbreaker.Closed, m.State, "two failures of every three, never three in a row")
	assert.Equal(t, 100, m.Calls)
	assert.Equal(t, 66, m.Failures)
	runAll(t, b, "FFF")
	assert.Equal(t, circuitbreaker.Open, b.State(), "three failures in a row")
}

// The same calls under ConsecutiveFailures alone, with the rate rule at its
// default, open at 50% of 20: why the migration guides set RateOff.
func TestConsecutiveFailuresKeepTheDefaultRateRule(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 3, Clock: newMock()})
	for range 7 {
		_ = run(b, true)
		_ = run(b, true)
		_ = run(b, false)
	}
	assert.Equal(t, circuitbreaker.Open, b.State(), "14 failures of 21, never three in a row, default FailureRate")
}

func TestRateOffKeepsTheSlowCallRule(t *testing.T) {
	clk := newMock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		FailureRate: circuitbreaker.RateOff, SlowCallDuration: time.Second, SlowCallRate: 0.5, WindowSize: 4, Clock: clk,
	})
	runAll(t, b, "FFFF")
	assert.Equal(t, circuitbreaker.Closed, b.State(), "failures alone, the failure-rate rule off")
	for range 2 {
		_, err := b.Execute(t.Context(), slowFn(clk, time.Second, nil))
		require.NoError(t, err)
	}
	assert.Equal(t, circuitbreaker.Open, b.State(), "2 slow calls of 4")
}

var errNotFound = errors.New("not found")

func ignoreNotFound(_ int, err error) bool { return errors.Is(err, errNotFound) }

func notFound(context.Context) (int, error) { return 0, errNotFound }

// IgnoreIf: outcomes that count neither way, as gobreaker's IsExcluded and
// resilience4j's ignoreExceptions.
func TestIgnoredOutcomesCountNeitherWay(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		WindowSize: 10, MinCalls: 4, ConsecutiveFailures: 3, IgnoreIf: ignoreNotFound, Clock: newMock(),
	})
	ctx := t.Context()
	runAll(t, b, "FF")
	for range 20 {
		_, err := b.Execute(ctx, notFound)
		require.ErrorIs(t, err, errNotFound, "an ignored outcome is returned unchanged")
	}
	m := b.Metrics()
	assert.Equal(t, 2, m.Calls, "ignored outcomes are not recorded")
	assert.Equal(t, 2, m.ConsecutiveFailures, "an ignored outcome does not break a run of failures")
	p, err := b.Allow(ctx)
	require.NoError(t, err)
	p.Done(0, errNotFound)
	assert.Equal(t, 2, b.Metrics().Calls, "nor through a Permit")
	runAll(t, b, "F")
	assert.Equal(t, circuitbreaker.Open, b.State(), "the third failure in a row")
}

func TestIgnoreIfIsAskedBeforeFailureIf(t *testing.T) {
	asked := 0
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		IgnoreIf:  ignoreNotFound,
		FailureIf: func(_ int, err error) bool { asked++; return err != nil },
		Clock:     newMock(),
	})
	_, _ = b.Execute(t.Context(), notFound)
	assert.Zero(t, asked, "FailureIf asked about an ignored outcome")
	runAll(t, b, "FS")
	assert.Equal(t, 2, asked)
	assert.Equal(t, 2, b.Metrics().Calls)
}

func TestIgnoredTrialGivesItsPermitBack(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, IgnoreIf: ignoreNotFound, Clock: clk})
	clk.Add(time.Second)
	_, err := b.Execute(t.Context(), notFound)
	require.ErrorIs(t, err, errNotFound)
	assert.Equal(t, circuitbreaker.HalfOpen, b.State(), "an ignored trial decides nothing")
	p, err := b.Allow(t.Context())
	require.NoError(t, err, "the ignored trial's permit came back")
	p.Done(0, errNotFound)
	p, err = b.Allow(t.Context())
	require.NoError(t, err, "a permit ignored through Done came back")
	p.Done(1, nil)
	assert.Equal(t, circuitbreaker.Closed, b.State())
}
