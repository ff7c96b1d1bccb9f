package ratelimit_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/ratelimit"
	"github.com/go-resilience/resilience/resiliencetest"
)

func ok(context.Context) (int, error) { return 1, nil }

// step is one move of a mock clock followed by one Allow.
type step struct {
	advance time.Duration
	want    bool
}

func runSteps(t *testing.T, mock *clock.Mock, l *ratelimit.Limiter[int], steps []step) {
	t.Helper()
	var at time.Duration
	for i, s := range steps {
		mock.Add(s.advance)
		at += s.advance
		got := l.Allow()
		assert.Equal(t, s.want, got, "step %d: Allow() at %v = %v, want %v", i, at, got, s.want)
	}
}

func TestSmoothLimiterSpacesPermits(t *testing.T) {
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Rate: 10, Clock: mock}) // one per 100ms
	runSteps(t, mock, l, []step{
		{0, true},
		{0, false}, // no burst beyond one
		{99 * time.Millisecond, false},
		{time.Millisecond, true}, // at 100ms
		{0, false},
		{100 * time.Millisecond, true}, // at 200ms
		{time.Second, true},            // idle for a second: still only one
		{0, false},
		{50 * time.Millisecond, false},
		{50 * time.Millisecond, true},
	})
}

func TestBurstCapacity(t *testing.T) {
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Rate: 1, Burst: 3, Clock: mock})
	runSteps(t, mock, l, []step{
		{0, true}, {0, true}, {0, true}, // starts full
		{0, false},
		{time.Second, true}, // one token back per second
		{0, false},
		{time.Hour, true}, {0, true}, {0, true}, // refilled to Burst, no more
		{0, false},
		{1500 * time.Millisecond, true}, // 1.5 tokens: one to spend, half in the bucket
		{0, false},
		{500 * time.Millisecond, true}, // the half plus half a second
		{0, false},
	})
}

func TestIntervalRoundsUp(t *testing.T) {
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Rate: 3, Clock: mock}) // 333333334ns each
	runSteps(t, mock, l, []step{
		{0, true},
		{333333333, false},
		{1, true}, // at 333333334ns
		{333333333, false},
		{1, true},          // at 666666668ns
		{333333332, false}, // at 1s: a fourth permit within the second would exceed 3/s
		{1, false},
		{1, true}, // at 1000000002ns
	})
}

func TestLargestBurst(t *testing.T) {
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Rate: 1e9, Burst: math.MaxInt64, Clock: mock})
	mock.Add(time.Hour)
	for i := range 1000 {
		require.True(t, l.Allow(), "Allow() #%d with a bucket of MaxInt64 tokens", i)
	}
}

func TestRejectionRetryAfter(t *testing.T) {
	mock := clock.NewMock()
	rec := &resiliencetest.Events{}
	var hooked []error
	l := ratelimit.New[int](ratelimit.Config{
		Name: "api", Rate: 2, Burst: 2, Clock: mock, Observer: rec, // a token per 500ms
		OnRejected: func(_ context.Context, err error) { hooked = append(hooked, err) },
	})
	ctx := t.Context()
	require.True(t, l.Allow())
	require.True(t, l.Allow())

	tests := []struct {
		advance time.Duration
		want    time.Duration
	}{
		{0, 500 * time.Millisecond},
		{200 * time.Millisecond, 300 * time.Millisecond},
		{299 * time.Millisecond, time.Millisecond},
	}
	var errs []error
	for _, tt := range tests {
		mock.Add(tt.advance)
		called := false
		_, err := l.Execute(ctx, func(context.Context) (int, error) { called = true; return 1, nil })
		assert.False(t, called, "next called on rejection")
		require.ErrorIs(t, err, ratelimit.ErrExceeded)
		var ex *ratelimit.ExceededError
		require.ErrorAs(t, err, &ex)
		assert.Equal(t, tt.want, ex.RetryAfter(), "RetryAfter() = %v, want %v", ex.RetryAfter(), tt.want)
		assert.Equal(t, "api", ex.Name)
		errs = append(errs, err)
	}
	assert.Equal(t, errs, hooked, "OnRejected calls")
	var events []resilience.Event
	for _, err := range errs {
		events = append(events, resilience.Event{Policy: "ratelimit", Name: "api", Kind: resilience.EventRejected, Err: err})
	}
	assert.Equal(t, events, rec.All(), "observed events")

	mock.Add(time.Millisecond)
	_, err := l.Execute(ctx, ok)
	assert.NoError(t, err, "Execute once the token is back")
}

func TestRetryAfterIgnoresMaxWaitButCountsQueue(t *testing.T) {
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Rate: 1, MaxWait: 1500 * time.Millisecond, Clock: mock})
	require.True(t, l.Allow())
	r, err := l.Reserve() // a waiter booked the token due at 1s
	require.NoError(t, err)
	assert.Equal(t, time.Second, r.Delay())

	_, err = l.Reserve()
	var ex *ratelimit.ExceededError
	require.ErrorAs(t, err, &ex, "Reserve of a token 2s away with MaxWait 1.5s")
	assert.Equal(t, 2*time.Second, ex.RetryAfter(), "RetryAfter() behind one booked token")
}

func TestExceededErrorMessage(t *testing.T) {
	tests := []struct {
		err  ratelimit.ExceededError
		want string
	}{
		{ratelimit.ExceededError{Delay: 250 * time.Millisecond}, "ratelimit: exceeded (next permit in 250ms)"},
		{ratelimit.ExceededError{Name: "api", Delay: time.Second}, "ratelimit: exceeded (api: next permit in 1s)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.err.Error(), "%#v.Error()", tt.err)
		assert.ErrorIs(t, &tt.err, ratelimit.ErrExceeded)
		assert.Equal(t, tt.err.Delay, tt.err.RetryAfter())
	}
}

func TestExecutePassesOutcomeThrough(t *testing.T) {
	l := ratelimit.New[int](ratelimit.Config{Rate: 1, Burst: 2, Clock: clock.NewMock()})
	errBoom := errors.New("boom")
	got, err := l.Execute(t.Context(), func(context.Context) (int, error) { return 7, errBoom })
	assert.Equal(t, 7, got)
	assert.Same(t, errBoom, err, "Execute must return next's error unchanged")

	exec := resilience.Compose[int](l)
	assert.PanicsWithValue(t, "boom", func() {
		_, _ = exec.Execute(t.Context(), func(context.Context) (int, error) { panic("boom") })
	}, "a panic must reach the caller unchanged")
}

func TestDoneContextSpendsNoToken(t *testing.T) {
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Rate: 1, MaxWait: time.Second, Clock: mock})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	called := false
	_, err := l.Execute(ctx, func(context.Context) (int, error) { called = true; return 1, nil })
	assert.Same(t, context.Canceled, err)
	assert.False(t, called, "next called with a done ctx")
	assert.Same(t, context.Canceled, l.Wait(ctx))
	assert.True(t, l.Allow(), "the token must still be there")
}

func TestNilArguments(t *testing.T) {
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Rate: 1, Clock: mock})
	var nilCtx context.Context
	_, err := l.Execute(nilCtx, ok)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "Execute(nil, fn)")
	_, err = l.Execute(t.Context(), nil)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "Execute(ctx, nil)")
	assert.ErrorIs(t, l.Wait(nilCtx), resilience.ErrInvalidArgument, "Wait(nil)")
	assert.True(t, l.Allow(), "bad calls must spend no token")
}

func TestViewsShareTheBucket(t *testing.T) {
	mock := clock.NewMock()
	ints := ratelimit.New[int](ratelimit.Config{Rate: 1, Burst: 2, Clock: mock})
	strs := ratelimit.As[string](ints)
	assert.Equal(t, time.Second, strs.Interval())

	_, err := ints.Execute(t.Context(), ok)
	require.NoError(t, err)
	_, err = strs.Execute(t.Context(), func(context.Context) (string, error) { return "x", nil })
	require.NoError(t, err)
	assert.False(t, ints.Allow(), "both views spent the same two tokens")
	assert.False(t, strs.Allow(), "both views spent the same two tokens")
	mock.Add(time.Second)
	assert.True(t, strs.Allow())
	assert.False(t, ints.Allow())
}

func TestReservation(t *testing.T) {
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Rate: 1, MaxWait: time.Minute, Clock: mock})

	a, err := l.Reserve()
	require.NoError(t, err)
	assert.Zero(t, a.Delay(), "Delay() of a token that was there")
	b, err := l.Reserve()
	require.NoError(t, err)
	c, err := l.Reserve()
	require.NoError(t, err)
	assert.Equal(t, time.Second, b.Delay())
	assert.Equal(t, 2*time.Second, c.Delay())
	mock.Add(1500 * time.Millisecond)
	assert.Zero(t, b.Delay(), "Delay() once the token is due")
	assert.Equal(t, 500*time.Millisecond, c.Delay())

	assert.False(t, b.Cancel(), "Cancel of b with c booked after it must not give a token back")
	assert.False(t, b.Cancel(), "second Cancel")
	assert.True(t, c.Cancel(), "Cancel of the last booking")
	assert.False(t, c.Cancel(), "second Cancel")
	// c's token (due at 2s) is back: one token is due at 2s, not 3s.
	d, err := l.Reserve()
	require.NoError(t, err)
	assert.Equal(t, 500*time.Millisecond, d.Delay(), "Delay() of the token c gave back")

	var zero ratelimit.Reservation
	assert.Zero(t, zero.Delay(), "zero Reservation's Delay()")
	assert.False(t, zero.Cancel(), "zero Reservation's Cancel()")
}

func TestReservationsCancelledLastFirstAllGoBack(t *testing.T) {
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Rate: 1, MaxWait: time.Minute, Clock: mock})
	require.True(t, l.Allow())
	a, err := l.Reserve()
	require.NoError(t, err)
	b, err := l.Reserve()
	require.NoError(t, err)
	assert.True(t, b.Cancel(), "Cancel of the last booking")
	assert.True(t, a.Cancel(), "Cancel of the booking that is last again")
	mock.Add(time.Second)
	assert.True(t, l.Allow(), "the token due at 1s is free again")
	assert.False(t, l.Allow())
}

func TestReserveRefusesBeyondMaxWait(t *testing.T) {
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Name: "q", Rate: 1, Clock: mock})
	require.True(t, l.Allow())
	r, err := l.Reserve()
	assert.Equal(t, &ratelimit.ExceededError{Name: "q", Delay: time.Second}, err)
	assert.Equal(t, ratelimit.Reservation{}, r, "Reservation on refusal")
	mock.Add(time.Second)
	assert.True(t, l.Allow(), "a refused Reserve must spend no token")
}
