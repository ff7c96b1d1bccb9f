package budget_test

import (
	"math"
	"testing"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience/budget"
	"github.com/go-resilience/resilience/internal/testkit"
)

// FuzzValidate checks that Config.Validate accepts exactly the configs the
// documented rules allow, names an invalid field, never panics, and that
// New agrees with it; a valid budget's metrics stay sane at any extreme.
func FuzzValidate(f *testing.F) {
	f.Add(0.0, 0.0, int64(0))
	f.Add(0.2, 10.0, int64(10*time.Second))
	f.Add(20.0, -1.0, int64(time.Millisecond))
	f.Add(math.NaN(), math.Inf(1), int64(-1))
	f.Add(1.0, math.MaxFloat64, int64(math.MaxInt64))
	f.Add(math.SmallestNonzeroFloat64, -2.0, int64(10*time.Millisecond))
	f.Add(4.9e-10, 0.0, int64(0)) // rounds to no billionth at all
	f.Add(1e-9, 0.0, int64(0))    // the least Percent
	f.Fuzz(func(t *testing.T, percent, minPerSecond float64, window int64) {
		// A mock clock: on the real one, a 10ms window can age the request
		// out before Metrics reads it on a loaded machine.
		cfg := budget.Config{Percent: percent, MinPerSecond: minPerSecond, Window: time.Duration(window), Clock: clock.NewMock()}
		var bad []string
		if math.IsNaN(percent) || percent < 0 || percent > 1 || percent > 0 && percent < 1e-9 {
			bad = append(bad, "Percent")
		}
		if math.IsNaN(minPerSecond) || math.IsInf(minPerSecond, 0) || minPerSecond < 0 && minPerSecond != -1 {
			bad = append(bad, "MinPerSecond")
		}
		if window < 0 || window > 0 && window < int64(10*time.Millisecond) {
			bad = append(bad, "Window")
		}
		testkit.CheckConfig(t, "budget", cfg.Validate(), bad, func() {
			b := budget.New(cfg)
			b.RecordRequest()
			_ = b.AllowRetry()
			m := b.Metrics()
			if m.Requests != 1 || m.Retries < 0 || m.Retries > 1 || m.Allowance < 0 || m.Remaining < 0 {
				t.Fatalf("Metrics() = %+v after one request and one retry asked", m)
			}
		})
	})
}
