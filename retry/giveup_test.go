package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/internal/testkit"
	"github.com/go-resilience/resilience/resiliencetest"
	"github.com/go-resilience/resilience/retry"
)

func TestEveryGiveUpEmitsOneExhaustedEventWithItsReason(t *testing.T) {
	type setup struct {
		cfg    *retry.Config[int]
		ctx    context.Context
		cancel context.CancelFunc
		clock  noWaitClock
	}
	failWith := func(err error) resilience.Func[int] {
		return func(context.Context) (int, error) { return 1, err }
	}
	tests := []struct {
		name string
		want resilience.Reason
		set  func(s *setup) resilience.Func[int]
	}{
		{"attempts used up", resilience.ReasonAttempts, func(s *setup) resilience.Func[int] {
			return failWith(errBoom)
		}},
		{"next delay past MaxDuration", resilience.ReasonMaxDuration, func(s *setup) resilience.Func[int] {
			s.cfg.MaxDuration = time.Second
			return failWith(errBoom)
		}},
		{"next delay reaching the deadline", resilience.ReasonDeadline, func(s *setup) resilience.Func[int] {
			s.ctx, s.cancel = s.clock.WithTimeout(s.ctx, time.Second)
			return failWith(errBoom)
		}},
		{"deadline passed during the attempt", resilience.ReasonDeadline, func(s *setup) resilience.Func[int] {
			s.ctx, s.cancel = s.clock.WithTimeout(s.ctx, time.Second)
			return func(context.Context) (int, error) { s.clock.Add(time.Second); return 1, errBoom }
		}},
		{"delay above MaxDelay (a Retry-After too long)", resilience.ReasonDelayTooLong, func(s *setup) resilience.Func[int] {
			s.cfg.MaxDelay = 10 * time.Second
			s.cfg.DelayFunc = func(int, int, error) time.Duration { return time.Minute }
			return failWith(errBoom)
		}},
		{"next attempt rejected for longer than the retry waits", resilience.ReasonRejected, func(s *setup) resilience.Func[int] {
			return failWith(testkit.LeftRefusing{Err: errBoom, Next: testkit.Refusal{Wait: time.Hour}})
		}},
		{"attempt rejected", resilience.ReasonRejected, func(s *setup) resilience.Func[int] {
			return failWith(testkit.Refusal{Wait: time.Hour})
		}},
		{"budget spent", resilience.ReasonBudget, func(s *setup) resilience.Func[int] {
			s.cfg.Budget = &fakeBudget{err: errFatal}
			return failWith(errBoom)
		}},
		{"permanent error", resilience.ReasonPermanent, func(s *setup) resilience.Func[int] {
			return failWith(resilience.Permanent(errBoom))
		}},
		{"AbortIf", resilience.ReasonAborted, func(s *setup) resilience.Func[int] {
			s.cfg.AbortIf = func(int, error) bool { return true }
			return failWith(errBoom)
		}},
		{"cancelled during the attempt", resilience.ReasonCanceled, func(s *setup) resilience.Func[int] {
			return func(context.Context) (int, error) { s.cancel(); return 1, errBoom }
		}},
		{"cancelled during the delay", resilience.ReasonCanceled, func(s *setup) resilience.Func[int] {
			s.cfg.OnRetry = func(retry.Event[int]) { s.cancel() }
			return failWith(errBoom)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &resiliencetest.Events{}
			s := &setup{
				cfg:   &retry.Config[int]{MaxAttempts: 2, Backoff: retry.Constant(2 * time.Second), Observer: rec},
				clock: newNoWaitClock(),
			}
			s.ctx, s.cancel = context.WithCancel(context.Background())
			fn := tt.set(s)
			defer s.cancel()
			s.cfg.Clock = s.clock
			_, err := retry.New(*s.cfg).Execute(s.ctx, fn)
			require.Error(t, err)

			events := rec.All()
			var exhausted []resilience.Event
			for _, e := range events {
				if e.Kind == resilience.EventExhausted {
					exhausted = append(exhausted, e)
				}
			}
			require.Len(t, exhausted, 1, "exhausted events: one per give-up (events %v)", events)
			assert.Equal(t, exhausted[0], events[len(events)-1], "the give-up is the last event")
			assert.Equal(t, tt.want, exhausted[0].Reason, "Reason = %v, want %v", exhausted[0].Reason, tt.want)
			assert.ErrorIs(t, err, exhausted[0].Err, "the event's Err is the error the caller can reach")
		})
	}
}

func TestADelayAboveMaxDelayIsNotWaited(t *testing.T) {
	clk := newNoWaitClock()
	cfg := retry.Config[int]{
		MaxDelay:  10 * time.Second,
		DelayFunc: func(int, int, error) time.Duration { return 11 * time.Second },
		Clock:     clk,
	}
	fn, calls := failing(0)
	r, err := retry.New(cfg).Execute(context.Background(), fn)
	assert.Equal(t, 1, r, "the last result is returned")
	assert.ErrorIs(t, err, retry.ErrExhausted)
	assert.ErrorIs(t, err, errBoom)
	assert.Equal(t, 1, *calls, "calls")
	assert.Empty(t, *clk.timers, "waited")
}

func TestAFailureThatLeftTheNextAttemptRejectedEndsTheRetryBeforeItWaits(t *testing.T) {
	rejection := testkit.Refusal{Wait: 30 * time.Second}
	errLast := errors.New("500")
	clk := newNoWaitClock()
	fn, calls := script(func(n int) (int, error) {
		if n == 2 {
			return n, testkit.LeftRefusing{Err: errLast, Next: rejection}
		}
		return n, errBoom
	})
	var discards resiliencetest.Discards[int]
	ctx := discards.Context(context.Background())
	cfg := retry.Config[int]{MaxAttempts: 5, Backoff: retry.Constant(10 * time.Millisecond), Clock: clk}
	r, err := retry.New(cfg).Execute(ctx, fn)

	assert.Equal(t, 2, r, "the last real result is returned")
	assert.ErrorIs(t, err, retry.ErrExhausted)
	assert.ErrorIs(t, err, errLast, "the last real error")
	assert.ErrorIs(t, err, rejection, "the rejection")
	assert.Equal(t, 2, *calls, "calls")
	assert.Equal(t, []time.Duration{10 * time.Millisecond}, *clk.timers, "waited: the delay after attempt 1 only")
	assert.Equal(t, []int{1}, discards.All(), "discarded")
}

func TestARefusedAttemptIsNotAnOutcome(t *testing.T) {
	rejection := testkit.Refusal{Wait: 30 * time.Second}
	clk := newNoWaitClock()
	fn, calls := script(func(n int) (int, error) {
		if n == 2 {
			return 0, rejection
		}
		return n, errBoom
	})
	cfg := retry.Config[int]{MaxAttempts: 5, Backoff: retry.Constant(10 * time.Millisecond), Clock: clk}
	r, err := retry.New(cfg).Execute(context.Background(), fn)

	assert.Zero(t, r, "the last real result was discarded before the delay")
	var ex *retry.ExhaustedError
	require.ErrorAs(t, err, &ex)
	assert.Equal(t, errBoom, ex.Last, "Last is the last real error, not the rejection")
	assert.ErrorIs(t, err, rejection, "the rejection is reachable")
	assert.Equal(t, 2, ex.Attempts, "attempts")
	assert.Equal(t, 2, *calls, "calls")
	assert.Equal(t, []time.Duration{10 * time.Millisecond}, *clk.timers, "waited")
}

func TestARejectionNoLongerThanTheDelayIsRetriedAsUsual(t *testing.T) {
	clk := newNoWaitClock()
	fn, calls := script(func(n int) (int, error) {
		switch n {
		case 1:
			return 0, testkit.Refusal{Wait: 0} // a half-open breaker with its trials taken
		case 2:
			return 2, testkit.LeftRefusing{Err: errBoom, Next: testkit.Refusal{Wait: 5 * time.Millisecond}}
		}
		return n, nil
	})
	cfg := retry.Config[int]{MaxAttempts: 3, Backoff: retry.Constant(10 * time.Millisecond), Clock: clk}
	r, err := retry.New(cfg).Execute(context.Background(), fn)
	require.NoError(t, err)
	assert.Equal(t, 3, r)
	assert.Equal(t, 3, *calls, "calls: a rejected attempt counts")
	assert.Equal(t, []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}, *clk.timers, "waited")
}

func TestMaxRejectionWaitWaitsOutARejectionThatFits(t *testing.T) {
	tests := []struct {
		name        string
		wait        time.Duration
		maxDuration time.Duration
		waited      []time.Duration // nil: gave up at once
	}{
		{"0: never past the delay", 0, 0, nil},
		{"20s: too short", 20 * time.Second, 0, nil},
		{"40s: long enough", 40 * time.Second, 0, []time.Duration{30 * time.Second}},
		{"-1: no limit", -1, 0, []time.Duration{30 * time.Second}},
		{"-1 but MaxDuration", -1, 20 * time.Second, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &resiliencetest.Events{}
			clk := newNoWaitClock()
			fn, calls := script(func(n int) (int, error) {
				if n == 1 {
					return n, testkit.LeftRefusing{Err: errBoom, Next: testkit.Refusal{Wait: 30 * time.Second}}
				}
				return n, nil
			})
			cfg := retry.Config[int]{
				Backoff: retry.Constant(10 * time.Millisecond), MaxRejectionWait: tt.wait, MaxDuration: tt.maxDuration,
				Clock: clk, Observer: rec,
			}
			r, err := retry.New(cfg).Execute(context.Background(), fn)
			assert.Equal(t, tt.waited, *clk.timers, "waited")
			if tt.waited == nil {
				assert.Equal(t, 1, r, "the last real result")
				assert.ErrorIs(t, err, retry.ErrExhausted)
				assert.Equal(t, 1, *calls)
				events := rec.All()
				require.Len(t, events, 1)
				assert.Equal(t, resilience.ReasonRejected, events[0].Reason)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 2, r, "the trial's result")
		})
	}
}

func TestRetryAroundABreakerReturnsTheFailureThatOpenedIt(t *testing.T) {
	clk := newNoWaitClock()
	rec := &resiliencetest.Events{}
	exec := resilience.Compose(
		retry.New(retry.Config[int]{MaxAttempts: 5, Backoff: retry.Constant(time.Second), Clock: clk, Observer: rec}),
		circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 2, OpenDelay: 30 * time.Second, Clock: clk}),
	)
	fn, calls := failing(0)
	r, err := exec.Execute(context.Background(), fn)

	assert.Equal(t, 2, r, "the result of the attempt that opened the breaker")
	assert.ErrorIs(t, err, retry.ErrExhausted)
	assert.ErrorIs(t, err, errBoom, "the last real error")
	assert.ErrorIs(t, err, circuitbreaker.ErrOpen, "the open breaker")
	assert.Equal(t, 2, *calls, "calls")
	assert.Equal(t, []time.Duration{time.Second}, *clk.timers, "waited: no backoff after the breaker opened")

	// The next execution is rejected at once, without waiting.
	*clk.timers = nil
	r, err = exec.Execute(context.Background(), fn)
	assert.Zero(t, r)
	assert.ErrorIs(t, err, retry.ErrExhausted)
	assert.ErrorIs(t, err, circuitbreaker.ErrOpen)
	assert.Empty(t, *clk.timers, "waited")
	events := rec.All()
	require.NotEmpty(t, events)
	assert.Equal(t, resilience.ReasonRejected, events[len(events)-1].Reason, "the give-up's reason")
}
