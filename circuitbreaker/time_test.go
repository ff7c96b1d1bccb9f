package circuitbreaker_test

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/circuitbreaker"
)

// Edges of time: clocks that tick between reads, go back, start before the
// breaker or jump by centuries, and delays at the ends of time.Duration.
// Time arithmetic saturates; it never wraps.

const century = 100 * 365 * 24 * time.Hour

// tickingClock moves on by tick at every read, as the real clock does
// between two reads, and counts the reads. Past limit reads it panics with
// errSpin, so that a breaker that spins on it fails the test instead of
// hanging it.
type tickingClock struct {
	clock.Clock // nil: the breaker must call nothing else
	tick        time.Duration
	limit       int64
	reads       atomic.Int64
	ns          atomic.Int64
}

type spinError struct{}

func (spinError) Error() string { return "the breaker read the clock past its limit: it spins" }

var errSpin error = spinError{}

func (c *tickingClock) Now() time.Time {
	if c.reads.Add(1) > c.limit {
		panic(errSpin)
	}
	return time.Unix(0, c.ns.Add(int64(c.tick)))
}

// spins reports whether f read clk past its limit.
func spins(clk *tickingClock, f func()) (spun bool) {
	defer func() {
		if v := recover(); v != nil {
			if v != errSpin {
				panic(v)
			}
			spun = true
		}
	}()
	clk.reads.Store(0)
	f()
	return false
}

// Admission moves between Open and HalfOpen at most as the model does at
// one instant, however short OpenDelay and HalfOpenMaxWait are and however
// the clock ticks between reads.
func TestExecuteFinishesWithTinyDelaysOnATickingClock(t *testing.T) {
	for name, cfg := range map[string]circuitbreaker.Config[int]{
		"OpenDelay 1ns, HalfOpenMaxWait 1ns":      {OpenDelay: 1, HalfOpenMaxWait: 1},
		"OpenBackoff 0, HalfOpenMaxWait 1ns":      {OpenBackoff: constBackoff(0), HalfOpenMaxWait: 1},
		"OpenDelay 1ns, HalfOpenMaxWait 1ns, 3":   {OpenDelay: 1, HalfOpenMaxWait: 1, HalfOpenCalls: 3},
		"OpenBackoff 0, HalfOpenMaxWait 1ns, win": {OpenBackoff: constBackoff(0), HalfOpenMaxWait: 1, WindowPeriod: time.Second},
	} {
		clk := &tickingClock{tick: time.Nanosecond, limit: 1000}
		cfg.Clock = clk
		cfg.ConsecutiveFailures = 1
		b := circuitbreaker.New(cfg)
		ops := []struct {
			name string
			f    func()
		}{
			{"a failing Execute", func() { _ = run(b, true) }},
			{"a succeeding Execute", func() { _ = run(b, false) }},
			{"State", func() { _ = b.State() }},
			{"Metrics", func() { _ = b.Metrics() }},
			{"Allow", func() {
				if p, err := b.Allow(context.Background()); err == nil {
					p.Done(0, errBoom)
				}
			}},
		}
	calls:
		for i := range 5 {
			for _, op := range ops {
				if spins(clk, op.f) {
					t.Errorf("%s: %s (round %d) read the clock %d times: it spins", name, op.name, i+1, clk.limit)
					break calls
				}
			}
		}
	}
}

// TestOpenPeriodWithAClockSetBack: a mock clock set before the time the
// breaker was created gives negative readings; the open period still ends
// after OpenDelay.
func TestOpenPeriodWithAClockSetBack(t *testing.T) {
	mock := clock.NewMock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1, OpenDelay: 10 * time.Second, Clock: mock})
	mock.Set(mock.Now().Add(-time.Hour))
	require.ErrorIs(t, run(b, true), errBoom)
	assert.Equal(t, 10*time.Second, openErr(t, run(b, false)).RetryAfter(), "RetryAfter right after opening")
	mock.Add(10 * time.Second)
	assert.Equal(t, circuitbreaker.HalfOpen, b.State(), "State after OpenDelay")
}

func TestHugeOpenDelaySaturates(t *testing.T) {
	for name, cfg := range map[string]circuitbreaker.Config[int]{
		"OpenDelay MaxInt64":   {OpenDelay: math.MaxInt64},
		"OpenBackoff MaxInt64": {OpenBackoff: constBackoff(math.MaxInt64)},
	} {
		for _, back := range []time.Duration{0, -time.Hour, -2 * century} {
			clk := &fakeClock{}
			cfg.Clock = clk
			cfg.ConsecutiveFailures = 1
			b := circuitbreaker.New(cfg)
			clk.Add(back)
			require.ErrorIs(t, run(b, true), errBoom)
			oe := openErr(t, run(b, false))
			assert.Greater(t, oe.RetryAfter(), century, "%s, clock %v from the start: RetryAfter", name, back)
			clk.Add(2 * century)
			assert.Equal(t, circuitbreaker.Open, b.State(), "%s, clock %v from the start: State two centuries on", name, back)
		}
	}
}

// Elapsed times taken across centuries of mock time do not wrap: a
// half-open period that lasted four centuries has lasted HalfOpenMaxWait.
func TestHalfOpenMaxWaitAcrossCenturies(t *testing.T) {
	clk := &fakeClock{}
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		ConsecutiveFailures: 1, OpenDelay: time.Second, HalfOpenMaxWait: time.Hour, Clock: clk,
	})
	clk.Add(-2 * century)
	require.ErrorIs(t, run(b, true), errBoom)
	clk.Add(time.Second)
	_, err := b.Allow(t.Context()) // a trial that hangs
	require.NoError(t, err)
	clk.Add(2 * century)
	clk.Add(2 * century)
	assert.Equal(t, circuitbreaker.Open, b.State(), "four centuries into a half-open period with HalfOpenMaxWait 1h")
}

func TestSlowCallAcrossCenturies(t *testing.T) {
	clk := &fakeClock{}
	b := circuitbreaker.New(circuitbreaker.Config[int]{SlowCallDuration: time.Second, Clock: clk})
	b.MetricsOnly()
	clk.Add(-2 * century)
	_, err := b.Execute(t.Context(), func(context.Context) (int, error) {
		clk.Add(2 * century)
		clk.Add(2 * century)
		return 1, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 1, b.Metrics().SlowCalls, "a call that took four centuries")
}

func TestInStateAcrossCenturies(t *testing.T) {
	clk := &fakeClock{}
	b := circuitbreaker.New(circuitbreaker.Config[int]{Clock: clk})
	clk.Add(-2 * century)
	b.ForceOpen()
	clk.Add(2 * century)
	clk.Add(2 * century)
	assert.Equal(t, time.Duration(math.MaxInt64), b.Metrics().InState, "four centuries in ForcedOpen, saturated")
}

// TestTimeWindowCountsOutcomesAfterTheClockWentBack: a time before the
// window's newest bucket counts in that bucket, so a clock that went back
// (a mock clock, a wall clock stepped back) never blinds the breaker.
func TestTimeWindowCountsOutcomesAfterTheClockWentBack(t *testing.T) {
	for _, back := range []time.Duration{5 * time.Second, time.Minute, time.Hour, 2 * century} {
		clk := &fakeClock{}
		b := circuitbreaker.New(circuitbreaker.Config[int]{WindowPeriod: 10 * time.Second, Clock: clk})
		clk.Add(time.Hour)
		runAll(t, b, "S")
		clk.Add(-back)
		runAll(t, b, repeat('F', 18))
		assert.Equal(t, 18, b.Metrics().Failures, "18 failures after the clock went back %v", back)
		runAll(t, b, "F")
		assert.Equal(t, circuitbreaker.Open, b.State(), "19 failures of 20 after the clock went back %v", back)
	}
}

func TestTimeWindowAcrossCenturies(t *testing.T) {
	clk := &fakeClock{}
	b := circuitbreaker.New(circuitbreaker.Config[int]{WindowPeriod: 10 * time.Second, MinCalls: 1, Clock: clk})
	b.MetricsOnly()
	clk.Add(-2 * century)
	runAll(t, b, "FF")
	clk.Add(2 * century)
	clk.Add(2 * century)
	assert.Zero(t, b.Metrics().Calls, "four centuries later the window is empty")
	runAll(t, b, "F")
	assert.Equal(t, 1, b.Metrics().Failures)
}

func TestHugeWindowPeriodCountsEverything(t *testing.T) {
	clk := &fakeClock{}
	b := circuitbreaker.New(circuitbreaker.Config[int]{WindowPeriod: math.MaxInt64, MinCalls: 3, Clock: clk})
	runAll(t, b, "F")
	clk.Add(century)
	runAll(t, b, "S")
	clk.Add(century)
	runAll(t, b, "F")
	assert.Equal(t, circuitbreaker.Open, b.State(), "2 failures of 3 over two centuries, in a window of 292 years")
}

// A HalfOpenMaxWait of MaxInt64 (292 years) ends a half-open period only
// once it has lasted that long: not after two centuries, but after four,
// whose length saturates at MaxInt64.
func TestHugeHalfOpenMaxWait(t *testing.T) {
	clk := &fakeClock{}
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		ConsecutiveFailures: 1, OpenDelay: time.Second, HalfOpenMaxWait: math.MaxInt64, Clock: clk,
	})
	clk.Add(-2 * century)
	require.ErrorIs(t, run(b, true), errBoom)
	clk.Add(time.Second)
	_, err := b.Allow(t.Context()) // a trial that hangs
	require.NoError(t, err)
	clk.Add(2 * century)
	assert.Equal(t, circuitbreaker.HalfOpen, b.State(), "two centuries into a half-open period with HalfOpenMaxWait MaxInt64")
	clk.Add(2 * century)
	assert.Equal(t, circuitbreaker.Open, b.State(), "four centuries into it")
}
