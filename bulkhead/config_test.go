package bulkhead_test

import (
	"github.com/go-resilience/resilience/internal/testkit"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/bulkhead"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   bulkhead.Config
		field string
		value any
		msg   string
	}{
		{name: "minimal", cfg: bulkhead.Config{MaxConcurrent: 1}},
		{name: "with wait", cfg: bulkhead.Config{MaxConcurrent: 3, MaxWait: time.Second}},
		{
			name: "zero MaxConcurrent", cfg: bulkhead.Config{},
			field: "MaxConcurrent", value: 0, msg: "bulkhead: MaxConcurrent = 0: must be > 0",
		},
		{
			name: "negative MaxConcurrent", cfg: bulkhead.Config{MaxConcurrent: -4},
			field: "MaxConcurrent", value: -4, msg: "bulkhead: MaxConcurrent = -4: must be > 0",
		},
		{
			name: "negative MaxWait", cfg: bulkhead.Config{MaxConcurrent: 1, MaxWait: -time.Millisecond},
			field: "MaxWait", value: -time.Millisecond,
			msg: "bulkhead: MaxWait = -1ms: must be >= 0 (0 = reject at once when full)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.field == "" {
				require.NoError(t, err, "Validate() of a valid config")
				assert.NotPanics(t, func() { bulkhead.New[int](tt.cfg) }, "New of a valid config")
				return
			}
			require.Error(t, err, "Validate() = nil, want an error naming %s", tt.field)
			assert.ErrorIs(t, err, resilience.ErrInvalidConfig)
			testkit.RequireConfigError(t, err, "bulkhead", tt.field, tt.value, tt.msg)
			assert.EqualError(t, err, tt.msg)
			assert.PanicsWithError(t, tt.msg, func() { bulkhead.New[int](tt.cfg) }, "New must panic with Validate's error")
		})
	}
}
