package circuitbreaker_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
)

type constBackoff time.Duration

func (d constBackoff) Delay(int, time.Duration) time.Duration { return time.Duration(d) }

func TestValidateRejectsEveryBadField(t *testing.T) {
	type cfg = circuitbreaker.Config[int]
	tests := []struct {
		cfg   cfg
		field string
		value any
	}{
		{cfg{WindowSize: -1}, "WindowSize", -1},
		{cfg{WindowSize: circuitbreaker.MaxWindowSize + 1}, "WindowSize", circuitbreaker.MaxWindowSize + 1},
		{cfg{WindowPeriod: -time.Second}, "WindowPeriod", -time.Second},
		{cfg{WindowPeriod: 9 * time.Millisecond}, "WindowPeriod", 9 * time.Millisecond},
		{cfg{WindowPeriod: time.Second, WindowSize: 10}, "WindowSize", 10},
		{cfg{MinCalls: -1}, "MinCalls", -1},
		{cfg{MinCalls: 101}, "MinCalls", 101},
		{cfg{WindowSize: 10, MinCalls: 11}, "MinCalls", 11},
		{cfg{FailureRate: -0.1}, "FailureRate", -0.1},
		{cfg{FailureRate: 1.5}, "FailureRate", 1.5},
		{cfg{FailureRate: math.NaN()}, "FailureRate", math.NaN()},
		{cfg{FailureRate: math.Inf(1)}, "FailureRate", math.Inf(1)},
		{cfg{FailureRate: 1.0 / 30000}, "FailureRate", 1.0 / 30000}, // 21 decimal places
		{cfg{FailureRate: -0.5}, "FailureRate", -0.5},
		{cfg{FailureRate: circuitbreaker.RateOff}, "FailureRate", -1.0}, // nothing would open the breaker
		{cfg{FailureRate: circuitbreaker.RateOff, ConsecutiveFailures: -1}, "FailureRate", -1.0},
		{cfg{ConsecutiveFailures: -3}, "ConsecutiveFailures", -3},
		{cfg{SlowCallDuration: -time.Second}, "SlowCallDuration", -time.Second},
		{cfg{SlowCallDuration: time.Second, SlowCallRate: 2}, "SlowCallRate", 2.0},
		{cfg{SlowCallDuration: time.Second, SlowCallRate: -1}, "SlowCallRate", -1.0},
		{cfg{SlowCallRate: 0.5}, "SlowCallRate", 0.5},
		{cfg{OpenDelay: -time.Second}, "OpenDelay", -time.Second},
		{cfg{OpenDelay: time.Second, OpenBackoff: constBackoff(time.Second)}, "OpenDelay", time.Second},
		{cfg{HalfOpenCalls: -1}, "HalfOpenCalls", -1},
		{cfg{HalfOpenMaxWait: -time.Second}, "HalfOpenMaxWait", -time.Second},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		var ce *resilience.ConfigError
		require.ErrorAs(t, err, &ce, "Validate(%+v) = %v, want a ConfigError", tt.cfg, err)
		assert.ErrorIs(t, err, resilience.ErrInvalidConfig)
		assert.Equal(t, "circuitbreaker", ce.Policy)
		assert.Equal(t, tt.field, ce.Field, "Validate(%+v) blames %s, want %s", tt.cfg, ce.Field, tt.field)
		if f, ok := tt.value.(float64); ok && math.IsNaN(f) {
			assert.True(t, math.IsNaN(ce.Value.(float64)), "Value = %v, want NaN", ce.Value)
		} else {
			assert.Equal(t, tt.value, ce.Value, "Validate(%+v).Value", tt.cfg)
		}
		assert.NotEmpty(t, ce.Rule)
		assert.PanicsWithError(t, err.Error(), func() { circuitbreaker.New(tt.cfg) }, "New(%+v) must panic with Validate's error", tt.cfg)
	}
}

func TestValidateAcceptsGoodConfigs(t *testing.T) {
	for _, c := range []circuitbreaker.Config[int]{
		{},
		{WindowSize: 1},
		{WindowSize: circuitbreaker.MaxWindowSize, MinCalls: circuitbreaker.MaxWindowSize},
		{WindowSize: 10, MinCalls: 10, FailureRate: 1},
		{WindowPeriod: circuitbreaker.MinWindowPeriod, MinCalls: 1000},
		{FailureRate: 1.0 / 3},
		{FailureRate: 1.0 / 3000},
		{FailureRate: 5e-19},
		{SlowCallDuration: time.Second},
		{SlowCallDuration: time.Second, SlowCallRate: 0.25},
		{OpenBackoff: constBackoff(time.Second)},
		{ConsecutiveFailures: 5, HalfOpenCalls: 3, OpenDelay: time.Minute},
		{FailureRate: circuitbreaker.RateOff, ConsecutiveFailures: 5},
		{FailureRate: circuitbreaker.RateOff, SlowCallDuration: time.Second},
		{OpenDelay: math.MaxInt64, HalfOpenMaxWait: math.MaxInt64, WindowPeriod: math.MaxInt64},
	} {
		assert.NoError(t, c.Validate(), "Validate(%+v)", c)
	}
}

func TestConfigErrorReadsWell(t *testing.T) {
	err := circuitbreaker.Config[int]{HalfOpenCalls: -2}.Validate()
	assert.EqualError(t, err, "circuitbreaker: HalfOpenCalls = -2: must be >= 0")
	err = circuitbreaker.Config[int]{WindowSize: 10, MinCalls: 11}.Validate()
	assert.EqualError(t, err, "circuitbreaker: MinCalls = 11: must be <= WindowSize (10)")
	err = circuitbreaker.Config[int]{FailureRate: circuitbreaker.RateOff}.Validate()
	assert.EqualError(t, err, "circuitbreaker: FailureRate = -1: must not be -1 (RateOff) unless ConsecutiveFailures or SlowCallDuration is set: nothing would open the breaker")
}

func TestDefaults(t *testing.T) {
	clk := newMock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{Clock: clk})
	// MinCalls defaults to 20: 19 failures do not open.
	runAll(t, b, repeat('F', 19))
	require.Equal(t, circuitbreaker.Closed, b.State(), "State after 19 failures with the default MinCalls")
	// At 20 outcomes, 50% opens: the 20th call fails too.
	runAll(t, b, "F")
	require.Equal(t, circuitbreaker.Open, b.State(), "State after 20 failures")
	// OpenDelay defaults to 30s.
	clk.Add(30*time.Second - 1)
	assert.Equal(t, circuitbreaker.Open, b.State(), "State 1ns before the default 30s OpenDelay")
	clk.Add(1)
	assert.Equal(t, circuitbreaker.HalfOpen, b.State(), "State at the default 30s OpenDelay")
	// HalfOpenCalls defaults to 1: one trial closes it.
	runAll(t, b, "S")
	assert.Equal(t, circuitbreaker.Closed, b.State(), "State after one successful trial")
}

func TestDefaultWindowIs100Calls(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{Clock: newMock()})
	runAll(t, b, repeat('S', 150)+repeat('F', 49))
	m := b.Metrics()
	assert.Equal(t, 100, m.Calls, "Calls after 199 calls with the default window")
	assert.Equal(t, 49, m.Failures)
	assert.Equal(t, circuitbreaker.Closed, m.State, "49 of 100 is below 0.5")
	runAll(t, b, "F")
	assert.Equal(t, circuitbreaker.Open, b.State(), "50 of 100 reaches 0.5")
}

func TestStateString(t *testing.T) {
	for s, want := range map[circuitbreaker.State]string{
		circuitbreaker.Closed:      "closed",
		circuitbreaker.Open:        "open",
		circuitbreaker.HalfOpen:    "half-open",
		circuitbreaker.ForcedOpen:  "forced-open",
		circuitbreaker.Disabled:    "disabled",
		circuitbreaker.MetricsOnly: "metrics-only",
		circuitbreaker.State(42):   "State(42)",
	} {
		assert.Equal(t, want, s.String(), "State(%d).String()", int(s))
	}
}
