package bulkhead_test

import (
	"context"
	"github.com/go-resilience/resilience/internal/testkit"
	"math"
	"testing"
	"time"

	"github.com/go-resilience/resilience/bulkhead"
)

// FuzzValidate checks that Config.Validate accepts exactly MaxConcurrent >
// 0 with MaxWait >= 0, names an invalid field, never panics, and that New
// agrees with it.
func FuzzValidate(f *testing.F) {
	f.Add(1, int64(0))
	f.Add(0, int64(0))
	f.Add(-1, int64(-1))
	f.Add(math.MaxInt, int64(math.MaxInt64))
	f.Add(math.MinInt, int64(math.MinInt64))
	f.Fuzz(func(t *testing.T, maxConcurrent int, maxWait int64) {
		cfg := bulkhead.Config{MaxConcurrent: maxConcurrent, MaxWait: time.Duration(maxWait)}
		var bad []string
		if maxConcurrent <= 0 {
			bad = append(bad, "MaxConcurrent")
		}
		if maxWait < 0 {
			bad = append(bad, "MaxWait")
		}
		testkit.CheckConfig(t, "bulkhead", cfg.Validate(), bad, func() {
			b := bulkhead.New[int](cfg)
			r, err := b.Execute(context.Background(), func(context.Context) (int, error) { return 1, nil })
			if r != 1 || err != nil || b.InFlight() != 0 {
				t.Fatalf("Execute = %d, %v; %d in flight after", r, err, b.InFlight())
			}
		})
	})
}
