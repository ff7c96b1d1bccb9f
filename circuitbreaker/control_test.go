package circuitbreaker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/resiliencetest"
)

func TestForceOpen(t *testing.T) {
	clk := newMock()
	var ch changes
	b := circuitbreaker.New(circuitbreaker.Config[int]{OpenDelay: 7 * time.Second, Clock: clk, OnStateChange: ch.record})
	b.ForceOpen()
	b.ForceOpen() // already there: nothing happens
	oe := openErr(t, run(b, false))
	assert.Equal(t, circuitbreaker.ForcedOpen, oe.State)
	assert.Equal(t, 7*time.Second, oe.RetryAfter(), "RetryAfter of a forced-open breaker: OpenDelay as a hint")
	clk.Add(time.Hour)
	assert.Equal(t, circuitbreaker.ForcedOpen, b.State(), "ForcedOpen does not end with time")
	b.Reset()
	assert.Equal(t, circuitbreaker.Closed, b.State())
	assert.NoError(t, run(b, false))
	assert.Equal(t, []string{"closed>forced-open", "forced-open>closed"}, ch.all())
}

func TestDisableRecordsNothing(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1, Clock: newMock()})
	runAll(t, b, "SS")
	b.Disable()
	b.Disable()
	runAll(t, b, "FFFF")
	m := b.Metrics()
	assert.Equal(t, circuitbreaker.Disabled, m.State)
	assert.Zero(t, m.Calls, "Calls while disabled")
	p, err := b.Allow(t.Context())
	require.NoError(t, err)
	assert.False(t, p.Trial())
	p.Done(0, errBoom)
	assert.Equal(t, circuitbreaker.Disabled, b.State())
}

func TestMetricsOnlyRecordsButNeverOpens(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{WindowSize: 10, ConsecutiveFailures: 1, Clock: newMock()})
	b.MetricsOnly()
	runAll(t, b, "SSFFFFFFFFFF")
	m := b.Metrics()
	assert.Equal(t, circuitbreaker.MetricsOnly, m.State)
	assert.Equal(t, 10, m.Calls)
	assert.Equal(t, 10, m.Failures)
	assert.Equal(t, 10, m.ConsecutiveFailures)
	assert.Equal(t, 1.0, m.FailureRate)
	b.Reset()
	m = b.Metrics()
	assert.Equal(t, circuitbreaker.Closed, m.State)
	assert.Zero(t, m.Calls, "Reset empties the window")
	assert.ErrorIs(t, run(b, true), errBoom)
	assert.Equal(t, circuitbreaker.Open, b.State())
}

func TestManualStatesLeaveOpenAndHalfOpen(t *testing.T) {
	clk := newMock()
	for _, to := range []func(*circuitbreaker.Breaker[int]){
		(*circuitbreaker.Breaker[int]).Reset,
		(*circuitbreaker.Breaker[int]).Disable,
		(*circuitbreaker.Breaker[int]).MetricsOnly,
	} {
		b := tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, Clock: clk})
		to(b)
		require.NoError(t, run(b, false), "a call after leaving Open by hand")
		b = tripped(t, circuitbreaker.Config[int]{OpenDelay: time.Second, Clock: clk})
		clk.Add(time.Second)
		p, err := b.Allow(t.Context())
		require.NoError(t, err)
		to(b)
		p.Done(0, errBoom) // a trial of the half-open period left behind
		require.NotEqual(t, circuitbreaker.Open, b.State(), "a stale trial reopened the breaker")
	}
}

func TestInState(t *testing.T) {
	clk := newMock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{Clock: clk})
	clk.Add(3 * time.Second)
	assert.Equal(t, 3*time.Second, b.Metrics().InState)
	b.ForceOpen()
	clk.Add(time.Second)
	assert.Equal(t, time.Second, b.Metrics().InState)
}

func TestOnStateChangeMayCallTheBreaker(t *testing.T) {
	clk := newMock()
	var seen []string
	var b *circuitbreaker.Breaker[int]
	b = circuitbreaker.New(circuitbreaker.Config[int]{
		ConsecutiveFailures: 1,
		OpenDelay:           time.Second,
		Clock:               clk,
		OnStateChange: func(from, to circuitbreaker.State) {
			m := b.Metrics()
			seen = append(seen, from.String()+">"+to.String()+" now "+b.State().String()+"/"+m.State.String())
			if to == circuitbreaker.HalfOpen {
				b.ForceOpen() // a change from inside a callback is announced after it
			}
		},
	})
	require.ErrorIs(t, run(b, true), errBoom)
	clk.Add(time.Second)
	assert.Equal(t, circuitbreaker.ForcedOpen, b.State())
	assert.Equal(t, []string{
		"closed>open now open/open",
		"open>half-open now half-open/half-open",
		"half-open>forced-open now forced-open/forced-open",
	}, seen)
}

func TestPanickingOnStateChangeDoesNotStopLaterAnnouncements(t *testing.T) {
	var ch changes
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		Clock: newMock(),
		OnStateChange: func(from, to circuitbreaker.State) {
			ch.record(from, to)
			if to == circuitbreaker.ForcedOpen {
				panic("callback")
			}
		},
	})
	assert.PanicsWithValue(t, "callback", b.ForceOpen)
	b.Disable()
	assert.Equal(t, []string{"closed>forced-open", "forced-open>disabled"}, ch.all())
}

func TestEvents(t *testing.T) {
	clk := newMock()
	rec := &resiliencetest.Events{}
	b := tripped(t, circuitbreaker.Config[int]{Name: "db", OpenDelay: time.Second, Clock: clk, Observer: rec})
	err := run(b, false)
	clk.Add(time.Second)
	require.NoError(t, run(b, false))
	events := rec.All()
	require.Len(t, events, 4, "events: %+v", events)
	for _, e := range events {
		assert.Equal(t, "circuitbreaker", e.Policy)
		assert.Equal(t, "db", e.Name)
	}
	assert.Equal(t, resilience.EventStateChange, events[0].Kind)
	assert.Equal(t, [2]string{"closed", "open"}, [2]string{events[0].From, events[0].To})
	assert.Equal(t, resilience.EventRejected, events[1].Kind)
	assert.Same(t, openErr(t, err), openErr(t, events[1].Err))
	assert.Equal(t, [2]string{"open", "half-open"}, [2]string{events[2].From, events[2].To})
	assert.Equal(t, [2]string{"half-open", "closed"}, [2]string{events[3].From, events[3].To})
}

func TestEventsGoToTheProcessObserver(t *testing.T) {
	rec := &resiliencetest.Events{}
	resilience.SetObserver(rec)
	defer resilience.SetObserver(nil)
	b := circuitbreaker.New(circuitbreaker.Config[int]{Clock: newMock()})
	b.ForceOpen()
	_ = run(b, false)
	events := rec.All()
	require.Len(t, events, 2)
	assert.Equal(t, resilience.EventStateChange, events[0].Kind)
	assert.Equal(t, resilience.EventRejected, events[1].Kind)
}

type order struct{ ID int }

func TestShareAcrossResultTypes(t *testing.T) {
	clk := newMock()
	var ch changes
	users := circuitbreaker.New(circuitbreaker.Config[[]string]{
		WindowSize: 4, MinCalls: 4, Clock: clk, OnStateChange: ch.record,
	})
	empty := func(o order, err error) bool { return err != nil || o.ID == 0 }
	orders := circuitbreaker.Share[order](users, empty)
	plain := circuitbreaker.Share[int](users, nil)

	ctx := t.Context()
	_, err := users.Execute(ctx, func(context.Context) ([]string, error) { return []string{"a"}, nil })
	require.NoError(t, err)
	_, err = orders.Execute(ctx, func(context.Context) (order, error) { return order{}, nil }) // a failure to orders' FailureIf
	require.NoError(t, err)
	_, err = plain.Execute(ctx, func(context.Context) (int, error) { return 0, nil })
	require.NoError(t, err)
	m := orders.Metrics()
	assert.Equal(t, 3, m.Calls, "one window for all views")
	assert.Equal(t, 1, m.Failures)
	_, err = users.Execute(ctx, func(context.Context) ([]string, error) { return nil, errBoom })
	require.ErrorIs(t, err, errBoom)
	assert.Equal(t, circuitbreaker.Open, plain.State(), "2 failures of 4 across views")
	_, err = orders.Execute(ctx, func(context.Context) (order, error) { return order{1}, nil })
	assert.ErrorIs(t, err, circuitbreaker.ErrOpen, "the shared view rejects too")
	assert.Equal(t, []string{"closed>open"}, ch.all(), "one set of callbacks")
	orders.Reset()
	assert.Equal(t, circuitbreaker.Closed, users.State())
	assert.Equal(t, users.Name(), orders.Name())
}

func TestBadArguments(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{})
	//lint:ignore SA1012 a nil ctx on purpose: Execute must reject it with ErrInvalidArgument
	_, err := b.Execute(nil, succeed)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "Execute(nil ctx)")
	_, err = b.Execute(t.Context(), nil)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "Execute(nil fn)")
	//lint:ignore SA1012 a nil ctx on purpose: Allow must reject it with ErrInvalidArgument
	_, err = b.Allow(nil)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "Allow(nil ctx)")
	assert.Zero(t, b.Metrics().Calls, "bad arguments are not calls")
}

func TestZeroPermitDoesNothing(t *testing.T) {
	var p circuitbreaker.Permit[int]
	p.Done(0, errBoom)
	p.Cancel()
	assert.False(t, p.Trial())
}

func TestPermitUsesFailureIf(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		ConsecutiveFailures: 1,
		Clock:               newMock(),
		FailureIf:           func(r int, err error) bool { return r < 0 || errors.Is(err, errBoom) },
	})
	p, err := b.Allow(t.Context())
	require.NoError(t, err)
	p.Done(0, context.DeadlineExceeded) // not a failure to this FailureIf
	require.Equal(t, circuitbreaker.Closed, b.State())
	p, err = b.Allow(t.Context())
	require.NoError(t, err)
	p.Done(-1, nil)
	assert.Equal(t, circuitbreaker.Open, b.State())
}

func TestExecuteReturnsOutcomeUnchanged(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{})
	got, err := b.Execute(t.Context(), func(context.Context) (int, error) { return 42, errBoom })
	assert.Equal(t, 42, got)
	assert.Same(t, errBoom, err)
	exec := resilience.Compose[int](b)
	got, err = exec.Execute(t.Context(), succeed)
	assert.Equal(t, 1, got)
	assert.NoError(t, err)
}
