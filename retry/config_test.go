package retry_test

import (
	"github.com/go-resilience/resilience/internal/testkit"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/retry"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   retry.Config[int]
		field string
		value any
		want  string // the whole message; "" for a valid config
	}{
		{"zero", retry.Config[int]{}, "", nil, ""},
		{"unlimited", retry.Config[int]{MaxAttempts: -1, MaxDuration: time.Minute}, "", nil, ""},
		{"one attempt", retry.Config[int]{MaxAttempts: 1}, "", nil, ""},
		{"custom backoff without Validate", retry.Config[int]{Backoff: backoffFunc(nil)}, "", nil, ""},
		{"MaxAttempts -2", retry.Config[int]{MaxAttempts: -2}, "MaxAttempts", -2,
			"retry: MaxAttempts = -2: must be -1 (unlimited) or >= 0"},
		{"MaxDuration -1s", retry.Config[int]{MaxDuration: -time.Second}, "MaxDuration", -time.Second,
			"retry: MaxDuration = -1s: must be >= 0 (0 = no limit)"},
		{"rejections waited without limit", retry.Config[int]{MaxDelay: time.Minute, MaxRejectionWait: -1}, "", nil, ""},
		{"MaxDelay -1s", retry.Config[int]{MaxDelay: -time.Second}, "MaxDelay", -time.Second,
			"retry: MaxDelay = -1s: must be >= 0 (0 = no limit)"},
		{"MaxRejectionWait -2ns", retry.Config[int]{MaxRejectionWait: -2}, "MaxRejectionWait", time.Duration(-2),
			"retry: MaxRejectionWait = -2ns: must be -1 (no limit) or >= 0"},
		{"Backoff Exponential", retry.Config[int]{Backoff: retry.Exponential{Multiplier: 0.9}}, "Exponential.Multiplier", 0.9,
			"retry: Exponential.Multiplier = 0.9: must be finite and >= 1 (0 = 2)"},
		{"Backoff Linear", retry.Config[int]{Backoff: retry.Linear{Step: -1}}, "Linear.Step", time.Duration(-1),
			"retry: Linear.Step = -1ns: must be >= 0 (0 = Initial)"},
		{"Backoff Constant", retry.Config[int]{Backoff: retry.Constant(-time.Millisecond)}, "Constant", -time.Millisecond,
			"retry: Constant = -1ms: must be >= 0"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if tt.want == "" {
			assert.NoError(t, err, "%s: Validate()", tt.name)
			assert.NotPanics(t, func() { retry.New(tt.cfg) }, "%s: New", tt.name)
			continue
		}
		require.Error(t, err, "%s: Validate() = nil, want %q", tt.name, tt.want)
		assert.EqualError(t, err, tt.want, "%s: Validate()", tt.name)
		assert.ErrorIs(t, err, resilience.ErrInvalidConfig, "%s: Validate()", tt.name)
		testkit.RequireConfigError(t, err, "retry", tt.field, tt.value, tt.name)
		assert.PanicsWithError(t, tt.want, func() { retry.New(tt.cfg) }, "%s: New", tt.name)
	}
}

// backoffFunc adapts a function to a Backoff without a Validate method.
type backoffFunc func(attempt int, prev time.Duration) time.Duration

func (f backoffFunc) Delay(attempt int, prev time.Duration) time.Duration { return f(attempt, prev) }
