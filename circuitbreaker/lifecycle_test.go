package circuitbreaker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/resiliencetest"
)

// tripped returns a breaker that opens on the first failure, and opens it.
func tripped(t *testing.T, cfg circuitbreaker.Config[int]) *circuitbreaker.Breaker[int] {
	t.Helper()
	cfg.ConsecutiveFailures = 1
	b := circuitbreaker.New(cfg)
	resiliencetest.Trip(t, b, errBoom)
	return b
}

func TestOpenRejectsWithoutCallingNext(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: 10 * time.Second, Clock: clk, Name: "db"})
	called := false
	_, err := b.Execute(t.Context(), func(context.Context) (int, error) { called = true; return 1, nil })
	assert.False(t, called, "next called while open")
	oe := openErr(t, err)
	assert.Equal(t, circuitbreaker.Open, oe.State)
	assert.Equal(t, "db", oe.Name)
	assert.EqualError(t, err, "circuitbreaker: open (db)")
	assert.Equal(t, 10*time.Second, oe.RetryAfter(), "RetryAfter right after opening")
	clk.Add(4 * time.Second)
	assert.Equal(t, 6*time.Second, oe.RetryAfter(), "RetryAfter 4s into a 10s delay")
	_, err = b.Execute(t.Context(), succeed)
	assert.Same(t, oe, openErr(t, err), "one *OpenError per open period")
	clk.Add(time.Hour)
	assert.Zero(t, oe.RetryAfter(), "RetryAfter once the delay has passed")
}

func TestOpenErrorMessageWithoutName(t *testing.T) {
	b := tripped(t, circuitbreaker.Config[int]{Clock: newMock()})
	assert.EqualError(t, run(b, false), "circuitbreaker: open")
}

func TestOpenBecomesHalfOpenOnTheClock(t *testing.T) {
	clk := newMock()
	var ch changes
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: 5 * time.Second, Clock: clk, OnStateChange: ch.record})
	clk.Add(5*time.Second - 1)
	assert.Equal(t, circuitbreaker.Open, b.State(), "State 1ns before OpenDelay")
	clk.Add(1)
	// No call has come: State alone reports (and announces) the change.
	assert.Equal(t, circuitbreaker.HalfOpen, b.State(), "State at OpenDelay, no call made")
	assert.Equal(t, []string{"closed>open", "open>half-open"}, ch.all())
	m := b.Metrics()
	assert.Equal(t, circuitbreaker.HalfOpen, m.State)
	assert.Zero(t, m.InState, "InState right after half-open began")
}

func TestMetricsMovesOpenToHalfOpen(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, Clock: clk})
	clk.Add(3 * time.Second)
	m := b.Metrics()
	assert.Equal(t, circuitbreaker.HalfOpen, m.State, "Metrics().State after the delay")
	assert.Equal(t, 1, m.Calls, "the window that opened the breaker stays visible")
	assert.Equal(t, 1, m.Failures)
	assert.Equal(t, 1, m.ConsecutiveFailures)
	assert.Equal(t, 1.0, m.FailureRate)
}

func TestHalfOpenAdmitsHalfOpenCalls(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, HalfOpenCalls: 3, Clock: clk})
	clk.Add(time.Second)
	ctx := t.Context()
	var permits []circuitbreaker.Permit[int]
	for i := range 3 {
		p, err := b.Allow(ctx)
		require.NoError(t, err, "trial %d of 3", i+1)
		require.True(t, p.Trial(), "permit %d is a trial", i+1)
		permits = append(permits, p)
	}
	_, err := b.Allow(ctx)
	oe := openErr(t, err)
	assert.Equal(t, circuitbreaker.HalfOpen, oe.State)
	assert.Zero(t, oe.RetryAfter(), "RetryAfter with all trials taken")

	permits[0].Done(1, nil)
	permits[1].Done(1, nil)
	assert.Equal(t, circuitbreaker.HalfOpen, b.State(), "after 2 of 3 successful trials")
	_, err = b.Allow(ctx)
	openErr(t, err) // succeeded trials do not give their permits back
	permits[2].Done(1, nil)
	assert.Equal(t, circuitbreaker.Closed, b.State(), "after 3 of 3 successful trials")
	m := b.Metrics()
	assert.Zero(t, m.Calls, "closing starts an empty window")
	assert.Zero(t, m.ConsecutiveFailures)
}

func TestHalfOpenFailureReopens(t *testing.T) {
	clk := newMock()
	var ch changes
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, HalfOpenCalls: 2, Clock: clk, OnStateChange: ch.record})
	clk.Add(time.Second)
	p1, err := b.Allow(t.Context())
	require.NoError(t, err)
	p2, err := b.Allow(t.Context())
	require.NoError(t, err)
	p1.Done(1, nil)
	p2.Done(0, errBoom)
	assert.Equal(t, circuitbreaker.Open, b.State(), "a failed trial reopens")
	assert.Equal(t, []string{"closed>open", "open>half-open", "half-open>open"}, ch.all())
	clk.Add(time.Second)
	assert.Equal(t, circuitbreaker.HalfOpen, b.State(), "the reopened breaker waits OpenDelay again")
}

func TestHalfOpenSlowTrialFails(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, SlowCallDuration: time.Second, Clock: clk})
	clk.Add(time.Second)
	_, err := b.Execute(t.Context(), slowFn(clk, time.Second, nil))
	require.NoError(t, err)
	assert.Equal(t, circuitbreaker.Open, b.State(), "a slow trial counts as failed")
}

func TestOpenBackoffGrowsAndResets(t *testing.T) {
	clk := newMock()
	type call struct {
		attempt int
		prev    time.Duration
	}
	var calls []call
	backoff := backoffFunc(func(attempt int, prev time.Duration) time.Duration {
		calls = append(calls, call{attempt, prev})
		return time.Second << (attempt - 1)
	})
	b := tripped(t, circuitbreaker.Config[int]{OpenBackoff: backoff, Clock: clk})
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		oe := openErr(t, run(b, false))
		require.Equal(t, want, oe.RetryAfter(), "delay of opening %d", i+1)
		clk.Add(want)
		require.Equal(t, circuitbreaker.HalfOpen, b.State(), "State after opening %d's delay", i+1)
		if i < 2 {
			require.ErrorIs(t, run(b, true), errBoom) // the trial fails: open again, longer
		}
	}
	require.NoError(t, run(b, false)) // the trial succeeds: closed, backoff restarts
	require.Equal(t, circuitbreaker.Closed, b.State())
	require.ErrorIs(t, run(b, true), errBoom)
	assert.Equal(t, time.Second, openErr(t, run(b, false)).RetryAfter(), "first delay after closing")
	assert.Equal(t, []call{{1, 0}, {2, time.Second}, {3, 2 * time.Second}, {1, 0}}, calls)
}

func TestOpenBackoffNegativeIsZero(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		ConsecutiveFailures: 1, OpenBackoff: constBackoff(-time.Second), Clock: newMock(),
	})
	require.ErrorIs(t, run(b, true), errBoom)
	assert.Equal(t, circuitbreaker.HalfOpen, b.State(), "a negative backoff delay opens for 0")
}

type backoffFunc func(int, time.Duration) time.Duration

func (f backoffFunc) Delay(attempt int, prev time.Duration) time.Duration { return f(attempt, prev) }

type retryAfterError time.Duration

func (e retryAfterError) Error() string { return "retry after " + time.Duration(e).String() }

func TestOpenDelayFunc(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{
		OpenDelay: 10 * time.Second,
		Clock:     clk,
		OpenDelayFunc: func(r int, err error) time.Duration {
			var ra retryAfterError
			if errors.As(err, &ra) {
				return time.Duration(ra)
			}
			return -1
		},
	})
	assert.Equal(t, 10*time.Second, openErr(t, run(b, false)).RetryAfter(), "no Retry-After: OpenDelay")
	clk.Add(10 * time.Second)
	_, err := b.Execute(t.Context(), func(context.Context) (int, error) { return 0, retryAfterError(time.Minute) })
	require.Error(t, err)
	assert.Equal(t, time.Minute, openErr(t, run(b, false)).RetryAfter(), "a trial failing with Retry-After 1m")
	clk.Add(time.Minute)
	b.Reset()
	_, _ = b.Execute(t.Context(), func(context.Context) (int, error) { return 0, retryAfterError(3 * time.Second) })
	assert.Equal(t, 3*time.Second, openErr(t, run(b, false)).RetryAfter(), "a closed-state failure with Retry-After 3s")
}

func TestLateOutcomesOfEarlierPeriodsAreIgnored(t *testing.T) {
	clk := newMock()
	var ch changes
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		ConsecutiveFailures: 2, OpenDelay: time.Second, HalfOpenCalls: 2, Clock: clk, OnStateChange: ch.record,
	})
	ctx := t.Context()
	closedPermit, err := b.Allow(ctx) // admitted while closed
	require.NoError(t, err)
	runAll(t, b, "FF")
	require.Equal(t, circuitbreaker.Open, b.State())
	clk.Add(time.Second)
	require.Equal(t, circuitbreaker.HalfOpen, b.State())

	closedPermit.Done(1, nil) // would count as a successful trial
	closedPermit.Done(0, errBoom)
	assert.Equal(t, circuitbreaker.HalfOpen, b.State(), "outcomes of a closed-period call in half-open")

	trial1, err := b.Allow(ctx)
	require.NoError(t, err)
	trial2, err := b.Allow(ctx)
	require.NoError(t, err)
	trial2.Done(0, errBoom) // reopens
	clk.Add(time.Second)
	require.Equal(t, circuitbreaker.HalfOpen, b.State())
	trial1.Done(0, errBoom) // a trial of the previous half-open period
	trial1.Cancel()
	assert.Equal(t, circuitbreaker.HalfOpen, b.State(), "a late trial of an earlier half-open period")

	// The new period's two permits are all there is: the late Cancel gave
	// nothing back.
	p1, err := b.Allow(ctx)
	require.NoError(t, err)
	p2, err := b.Allow(ctx)
	require.NoError(t, err)
	_, err = b.Allow(ctx)
	openErr(t, err)
	p1.Done(1, nil)
	p2.Done(1, nil)
	require.Equal(t, circuitbreaker.Closed, b.State())

	trial1.Done(0, errBoom) // from two periods back
	closedPermit.Done(0, errBoom)
	assert.Zero(t, b.Metrics().Calls, "late outcomes reached the new window")

	// Outcomes of calls admitted before Reset do not count either.
	p, err := b.Allow(ctx)
	require.NoError(t, err)
	b.Reset()
	p.Done(0, errBoom)
	p.Done(0, errBoom)
	assert.Equal(t, circuitbreaker.Closed, b.State(), "two failures admitted before Reset")
	assert.Zero(t, b.Metrics().Calls)
	assert.Equal(t, []string{"closed>open", "open>half-open", "half-open>open", "open>half-open", "half-open>closed"}, ch.all())
}

func TestCallerEndedCountsNeitherWay(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1, Clock: newMock()})
	ctx, cancel := context.WithCancel(t.Context())
	_, err := b.Execute(ctx, func(ctx context.Context) (int, error) {
		cancel()
		return 0, ctx.Err()
	})
	require.ErrorIs(t, err, context.Canceled)
	m := b.Metrics()
	assert.Equal(t, circuitbreaker.Closed, m.State, "a caller-ended failure opened the breaker")
	assert.Zero(t, m.Calls, "a caller-ended call was recorded")
}

// A success is evidence of a healthy dependency whatever became of the
// caller's ctx: it counts, in the closed state and as a half-open trial.
func TestCallerEndedSuccessCounts(t *testing.T) {
	succeedAfterCancel := func(b *circuitbreaker.Breaker[int]) {
		ctx, cancel := context.WithCancel(t.Context())
		r, err := b.Execute(ctx, func(ctx context.Context) (int, error) {
			cancel()
			return 1, nil
		})
		require.NoError(t, err)
		require.Equal(t, 1, r)
	}
	t.Run("closed", func(t *testing.T) {
		b := circuitbreaker.New(circuitbreaker.Config[int]{Clock: newMock()})
		succeedAfterCancel(b)
		m := b.Metrics()
		assert.EqualValues(t, 1, m.Calls)
		assert.Zero(t, m.Failures)
	})
	t.Run("half-open trial", func(t *testing.T) {
		clk := newMock()
		b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, Clock: clk})
		clk.Add(time.Second)
		succeedAfterCancel(b)
		assert.Equal(t, circuitbreaker.Closed, b.State(), "the trial succeeded")
	})
	t.Run("slow-call rule", func(t *testing.T) {
		clk := newMock()
		b := circuitbreaker.New(circuitbreaker.Config[int]{SlowCallDuration: time.Second, Clock: clk})
		succeedAfterCancel(b) // through done, which reads the clock
		assert.EqualValues(t, 1, b.Metrics().Calls)
	})
}

func TestDeadlineIsAFailure(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1, Clock: newMock()})
	ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
	defer cancel()
	_, err := b.Execute(ctx, func(ctx context.Context) (int, error) { return 0, ctx.Err() })
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, circuitbreaker.Open, b.State(), "a deadline is a failure")
}

func TestCallerEndedTrialGivesPermitBack(t *testing.T) {
	clk := newMock()
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, Clock: clk})
	clk.Add(time.Second)
	ctx, cancel := context.WithCancel(t.Context())
	_, err := b.Execute(ctx, func(ctx context.Context) (int, error) {
		_, err := b.Allow(t.Context())
		assert.ErrorIs(t, err, circuitbreaker.ErrOpen, "a second trial while the only one runs")
		cancel()
		return 0, ctx.Err()
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, circuitbreaker.HalfOpen, b.State(), "a caller-ended trial decides nothing")
	p, err := b.Allow(t.Context())
	require.NoError(t, err, "the caller-ended trial's permit came back")
	p.Cancel()
	p, err = b.Allow(t.Context())
	require.NoError(t, err, "a cancelled permit came back")
	p.Done(1, nil)
	assert.Equal(t, circuitbreaker.Closed, b.State())
}

func TestPanicCountsAsFailureAndPropagates(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 2, Clock: newMock()})
	boom := func(context.Context) (int, error) { panic("boom") }
	assert.PanicsWithValue(t, "boom", func() { _, _ = b.Execute(t.Context(), boom) })
	assert.Equal(t, 1, b.Metrics().Failures, "a panic is a failure")
	assert.PanicsWithValue(t, "boom", func() { _, _ = b.Execute(t.Context(), boom) })
	assert.Equal(t, circuitbreaker.Open, b.State(), "two panics in a row")
}

func TestPanickingTrialReopensAndReleasesPermit(t *testing.T) {
	clk := newMock()
	asked := 0
	b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, HalfOpenCalls: 2, Clock: clk,
		OpenDelayFunc: func(int, error) time.Duration { asked++; return -1 }})
	clk.Add(time.Second)
	ctx, cancel := context.WithCancel(t.Context())
	assert.PanicsWithValue(t, "boom", func() {
		_, _ = b.Execute(ctx, func(context.Context) (int, error) {
			cancel() // even a caller-ended panic is a failure
			panic("boom")
		})
	})
	assert.Equal(t, circuitbreaker.Open, b.State(), "a panicking trial reopens")
	assert.Equal(t, 1, asked, "OpenDelayFunc calls: the tripping failure only, not the panic")
	clk.Add(time.Second)
	for i := range 2 {
		p, err := b.Allow(t.Context())
		require.NoError(t, err, "trial %d of the next half-open period", i+1)
		p.Done(1, nil)
	}
	assert.Equal(t, circuitbreaker.Closed, b.State())
}

func TestPanicInDisabledIsNotRecorded(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1, Clock: newMock()})
	b.Disable()
	assert.Panics(t, func() { _, _ = b.Execute(t.Context(), func(context.Context) (int, error) { panic("x") }) })
	assert.Equal(t, circuitbreaker.Disabled, b.State())
}

func TestPanicWithTimeWindow(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{WindowPeriod: time.Second, ConsecutiveFailures: 1, Clock: newMock()})
	assert.Panics(t, func() { _, _ = b.Execute(t.Context(), func(context.Context) (int, error) { panic("x") }) })
	assert.Equal(t, circuitbreaker.Open, b.State())
}
