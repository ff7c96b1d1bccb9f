package hedge_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/go-resilience/resilience"
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
		fuzzCheckConfig(t, "hedge", cfg.Validate(), bad, func() {
			r, err := hedge.New(cfg).Execute(context.Background(), func(context.Context) (int, error) { return 1, nil })
			if r != 1 || err != nil {
				t.Fatalf("Execute = %d, %v", r, err)
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
