package budget_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/budget"
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
	f.Fuzz(func(t *testing.T, percent, minPerSecond float64, window int64) {
		cfg := budget.Config{Percent: percent, MinPerSecond: minPerSecond, Window: time.Duration(window)}
		var bad []string
		if math.IsNaN(percent) || percent < 0 || percent > 1 {
			bad = append(bad, "Percent")
		}
		if math.IsNaN(minPerSecond) || math.IsInf(minPerSecond, 0) || minPerSecond < 0 && minPerSecond != -1 {
			bad = append(bad, "MinPerSecond")
		}
		if window < 0 || window > 0 && window < int64(10*time.Millisecond) {
			bad = append(bad, "Window")
		}
		fuzzCheckConfig(t, "budget", cfg.Validate(), bad, func() {
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

// fuzzCheckConfig checks err, what Validate returned, against bad, the
// fields the documented rules reject (none: the config is valid), and
// that build (New, and a call) agrees with it.
func fuzzCheckConfig(t *testing.T, policy string, err error, bad []string, build func()) {
	t.Helper()
	panicked := func() (v any) {
		defer func() { v = recover() }()
		build()
		return nil
	}()
	if len(bad) == 0 {
		if err != nil || panicked != nil {
			t.Fatalf("valid config: Validate() = %v, New panicked with %v", err, panicked)
		}
		return
	}
	var ce *resilience.ConfigError
	if !errors.As(err, &ce) || !errors.Is(err, resilience.ErrInvalidConfig) || ce.Policy != policy {
		t.Fatalf("invalid %v: Validate() = %v, want a %s *ConfigError", bad, err, policy)
	}
	if !slices.Contains(bad, ce.Field) {
		t.Fatalf("Validate() = %v: names %s, want one of %v", err, ce.Field, bad)
	}
	if perr, ok := panicked.(error); !ok || perr.Error() != err.Error() {
		t.Fatalf("New panicked with %v, want Validate's error %v", panicked, err)
	}
}
