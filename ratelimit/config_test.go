package ratelimit_test

import (
	"github.com/go-resilience/resilience/internal/testkit"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/ratelimit"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   ratelimit.Config
		field string
		value any
		msg   string
	}{
		{name: "minimal", cfg: ratelimit.Config{Rate: 1}},
		{name: "full", cfg: ratelimit.Config{Rate: 5, Period: time.Minute, Burst: 10, MaxWait: time.Second}},
		{name: "one per nanosecond", cfg: ratelimit.Config{Rate: 1e9}},
		{name: "largest burst", cfg: ratelimit.Config{Rate: 1e9, Burst: math.MaxInt64}},
		{
			name: "zero Rate", cfg: ratelimit.Config{},
			field: "Rate", value: 0, msg: "ratelimit: Rate = 0: must be > 0",
		},
		{
			name: "negative Rate", cfg: ratelimit.Config{Rate: -3},
			field: "Rate", value: -3, msg: "ratelimit: Rate = -3: must be > 0",
		},
		{
			name: "negative Period", cfg: ratelimit.Config{Rate: 1, Period: -time.Second},
			field: "Period", value: -time.Second, msg: "ratelimit: Period = -1s: must be >= 0 (0 = 1s)",
		},
		{
			name: "Rate beyond one per nanosecond", cfg: ratelimit.Config{Rate: 11, Period: 10 * time.Nanosecond},
			field: "Rate", value: 11, msg: "ratelimit: Rate = 11: must be at most one permit per nanosecond of Period (10ns)",
		},
		{
			name: "Rate beyond one per nanosecond of the default Period", cfg: ratelimit.Config{Rate: 1e9 + 1},
			field: "Rate", value: int(1e9 + 1), msg: "ratelimit: Rate = 1000000001: must be at most one permit per nanosecond of Period (1s)",
		},
		{name: "longest interval", cfg: ratelimit.Config{Rate: 1, Period: 100 * 365 * 24 * time.Hour, MaxWait: math.MaxInt64}},
		{
			name: "Period/Rate beyond 100 years", cfg: ratelimit.Config{Rate: 1, Period: math.MaxInt64},
			field: "Period", value: time.Duration(math.MaxInt64),
			msg: "ratelimit: Period = 2562047h47m16.854775807s: Period/Rate must be at most 100 years (876000h0m0s)",
		},
		{
			name: "Period/Rate a nanosecond beyond 100 years", cfg: ratelimit.Config{Rate: 2, Period: 2*100*365*24*time.Hour + 1},
			field: "Period", value: 2*100*365*24*time.Hour + 1,
			msg: "ratelimit: Period = 1752000h0m0.000000001s: Period/Rate must be at most 100 years (876000h0m0s)",
		},
		{
			name: "negative Burst", cfg: ratelimit.Config{Rate: 1, Burst: -1},
			field: "Burst", value: -1, msg: "ratelimit: Burst = -1: must be >= 0 (0 = 1, smooth)",
		},
		{
			name: "Burst overflowing a Duration", cfg: ratelimit.Config{Rate: 1, Burst: math.MaxInt64/int(time.Second) + 1},
			field: "Burst", value: math.MaxInt64/int(time.Second) + 1,
			msg: "ratelimit: Burst = 9223372037: must keep Burst*Period/Rate within a time.Duration (about 292 years)",
		},
		{
			name: "negative MaxWait", cfg: ratelimit.Config{Rate: 1, MaxWait: -time.Millisecond},
			field: "MaxWait", value: -time.Millisecond, msg: "ratelimit: MaxWait = -1ms: must be >= 0 (0 = reject at once)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.field == "" {
				require.NoError(t, err, "Validate() of a valid config")
				assert.NotPanics(t, func() { ratelimit.New[int](tt.cfg) }, "New of a valid config")
				return
			}
			require.Error(t, err, "Validate() = nil, want an error naming %s", tt.field)
			assert.ErrorIs(t, err, resilience.ErrInvalidConfig)
			testkit.RequireConfigError(t, err, "ratelimit", tt.field, tt.value, tt.msg)
			assert.EqualError(t, err, tt.msg)
			assert.PanicsWithError(t, tt.msg, func() { ratelimit.New[int](tt.cfg) }, "New must panic with Validate's error")
		})
	}
}

func TestInterval(t *testing.T) {
	tests := []struct {
		rate   int
		period time.Duration
		want   time.Duration
	}{
		{10, 0, 100 * time.Millisecond},
		{1, time.Minute, time.Minute},
		{3, 0, 333333334}, // rounded up: three permits never fit in less than a second
		{1e9, 0, time.Nanosecond},
		{7, 7 * time.Nanosecond, time.Nanosecond},
	}
	for _, tt := range tests {
		got := ratelimit.New[int](ratelimit.Config{Rate: tt.rate, Period: tt.period}).Interval()
		assert.Equal(t, tt.want, got, "Interval() of Rate %d per %v = %v, want %v", tt.rate, tt.period, got, tt.want)
	}
}
