package hedge_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/hedge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name  string
		cfg   hedge.Config[int]
		field string
		msg   string
	}{
		{"negative delay", hedge.Config[int]{Delay: -time.Second}, "Delay",
			"hedge: Delay = -1s: must be >= 0 (0 = derive from Quantile)"},
		{"negative quantile", hedge.Config[int]{Quantile: -0.5}, "Quantile",
			"hedge: Quantile = -0.5: must be in (0, 1], or 0 (0.95)"},
		{"quantile as a percentile", hedge.Config[int]{Quantile: 95}, "Quantile", ""},
		{"quantile NaN", hedge.Config[int]{Quantile: math.NaN()}, "Quantile", ""},
		{"quantile with a fixed delay", hedge.Config[int]{Delay: time.Second, Quantile: 0.9}, "Quantile",
			"hedge: Quantile = 0.9: must be 0 when Delay is set"},
		{"negative min delay", hedge.Config[int]{MinDelay: -1}, "MinDelay",
			"hedge: MinDelay = -1ns: must be >= 0 (0 = 1ms)"},
		{"min delay with a fixed delay", hedge.Config[int]{Delay: time.Second, MinDelay: time.Millisecond}, "MinDelay",
			"hedge: MinDelay = 1ms: must be 0 when Delay is set"},
		{"negative max hedges", hedge.Config[int]{MaxHedges: -1}, "MaxHedges",
			"hedge: MaxHedges = -1: must be >= 0 (0 = 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			require.Error(t, err)
			assert.ErrorIs(t, err, resilience.ErrInvalidConfig)
			var ce *resilience.ConfigError
			require.True(t, errors.As(err, &ce), "Validate error %T is not a *ConfigError", err)
			assert.Equal(t, "hedge", ce.Policy)
			assert.Equal(t, tt.field, ce.Field)
			if tt.msg != "" {
				assert.Equal(t, tt.msg, err.Error())
			}
			assert.PanicsWithError(t, err.Error(), func() { hedge.New(tt.cfg) })
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, cfg := range []hedge.Config[int]{
		{},
		{Delay: time.Millisecond, MaxHedges: 4},
		{Quantile: 1, MinDelay: time.Second},
		{Quantile: 0.5},
	} {
		assert.NoError(t, cfg.Validate(), "Validate(%+v)", cfg)
	}
}
