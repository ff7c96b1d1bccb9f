package hedge_test

import (
	"context"
	"github.com/go-resilience/resilience/internal/testkit"
	"math"
	"testing"
	"time"

	"github.com/go-resilience/resilience/hedge"
)

// FuzzValidate checks that Config.Validate accepts exactly the configs the
// documented rules allow, names an invalid field, never panics, and that
// New agrees with it.
func FuzzValidate(f *testing.F) {
	f.Add(int64(0), 0.0, int64(0), 0)
	f.Add(int64(time.Second), 0.0, int64(0), 2)
	f.Add(int64(0), 0.99, int64(time.Millisecond), 1)
	f.Add(int64(time.Second), 0.5, int64(0), 0)
	f.Add(int64(time.Second), 0.0, int64(1), 0)
	f.Add(int64(-1), math.NaN(), int64(-1), -1)
	f.Add(int64(0), 1.0000001, int64(0), math.MaxInt)
	f.Fuzz(func(t *testing.T, delay int64, quantile float64, minDelay int64, maxHedges int) {
		cfg := hedge.Config[int]{Delay: time.Duration(delay), Quantile: quantile, MinDelay: time.Duration(minDelay), MaxHedges: maxHedges}
		var bad []string
		if delay < 0 {
			bad = append(bad, "Delay")
		}
		if math.IsNaN(quantile) || quantile < 0 || quantile > 1 || quantile != 0 && delay > 0 {
			bad = append(bad, "Quantile")
		}
		if minDelay < 0 || minDelay != 0 && delay > 0 {
			bad = append(bad, "MinDelay")
		}
		if maxHedges < 0 {
			bad = append(bad, "MaxHedges")
		}
		testkit.CheckConfig(t, "hedge", cfg.Validate(), bad, func() {
			r, err := hedge.New(cfg).Execute(context.Background(), func(context.Context) (int, error) { return 1, nil })
			if r != 1 || err != nil {
				t.Fatalf("Execute = %d, %v", r, err)
			}
		})
	})
}
