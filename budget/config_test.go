package budget_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/budget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name  string
		cfg   budget.Config
		field string
		msg   string
	}{
		{"negative percent", budget.Config{Percent: -0.1}, "Percent",
			"budget: Percent = -0.1: must be in (0, 1], a fraction (0.2 = 20%), or 0 (0.2)"},
		{"percent written as a percentage", budget.Config{Percent: 20}, "Percent",
			"budget: Percent = 20: must be in (0, 1], a fraction (0.2 = 20%), or 0 (0.2)"},
		{"percent NaN", budget.Config{Percent: math.NaN()}, "Percent", ""},
		{"percent below a billionth", budget.Config{Percent: 4e-10}, "Percent",
			"budget: Percent = 4e-10: must be at least 1e-9 (Percent is counted in billionths)"},
		{"smallest positive percent", budget.Config{Percent: math.SmallestNonzeroFloat64}, "Percent", ""},
		{"negative floor", budget.Config{MinPerSecond: -2}, "MinPerSecond",
			"budget: MinPerSecond = -2: must be >= 0 (0 = 10) or -1 (no floor)"},
		{"floor NaN", budget.Config{MinPerSecond: math.NaN()}, "MinPerSecond", ""},
		{"floor infinite", budget.Config{MinPerSecond: math.Inf(1)}, "MinPerSecond", ""},
		{"negative window", budget.Config{Window: -time.Second}, "Window",
			"budget: Window = -1s: must be 0 (10s) or >= 10ms"},
		{"tiny window", budget.Config{Window: 9 * time.Millisecond}, "Window",
			"budget: Window = 9ms: must be 0 (10s) or >= 10ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			require.Error(t, err, "Validate(%+v) = nil, want an error", tt.cfg)
			assert.ErrorIs(t, err, resilience.ErrInvalidConfig)
			var ce *resilience.ConfigError
			require.True(t, errors.As(err, &ce), "Validate error %T is not a *ConfigError", err)
			assert.Equal(t, "budget", ce.Policy)
			assert.Equal(t, tt.field, ce.Field)
			if tt.msg != "" {
				assert.Equal(t, tt.msg, err.Error())
			}
			assert.PanicsWithError(t, err.Error(), func() { budget.New(tt.cfg) }, "New must panic with the Validate error")
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, cfg := range []budget.Config{
		{},
		{Percent: 1, MinPerSecond: budget.NoFloor, Window: 10 * time.Millisecond},
		{Percent: 1e-9, MinPerSecond: 0.5, Window: time.Hour},
		{MinPerSecond: 1e300},
	} {
		assert.NoError(t, cfg.Validate(), "Validate(%+v)", cfg)
		assert.NotPanics(t, func() { budget.New(cfg) }, "New(%+v)", cfg)
	}
}

func TestDefaults(t *testing.T) {
	b := budget.New(budget.Config{Clock: newMock()})
	m := b.Metrics()
	assert.Equal(t, 100, m.Allowance, "zero Config: floor = 10/s × 10s")
	for range 1000 {
		b.RecordRequest()
	}
	assert.Equal(t, 200, b.Metrics().Allowance, "zero Config: 20% of 1000 requests")
}

func TestHugeFloor(t *testing.T) {
	b := budget.New(budget.Config{MinPerSecond: 1e300, Clock: newMock()})
	m := b.Metrics()
	assert.Equal(t, math.MaxInt64, m.Allowance)
	assert.Equal(t, math.MaxInt64, m.Remaining)
	require.NoError(t, b.AllowRetry())
}
