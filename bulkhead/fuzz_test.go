package bulkhead_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/go-resilience/resilience"
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
		cfg := bulkhead.Config[int]{MaxConcurrent: maxConcurrent, MaxWait: time.Duration(maxWait)}
		var bad []string
		if maxConcurrent <= 0 {
			bad = append(bad, "MaxConcurrent")
		}
		if maxWait < 0 {
			bad = append(bad, "MaxWait")
		}
		fuzzCheckConfig(t, "bulkhead", cfg.Validate(), bad, func() {
			b := bulkhead.New(cfg)
			r, err := b.Execute(context.Background(), func(context.Context) (int, error) { return 1, nil })
			if r != 1 || err != nil || b.InFlight() != 0 {
				t.Fatalf("Execute = %d, %v; %d in flight after", r, err, b.InFlight())
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
