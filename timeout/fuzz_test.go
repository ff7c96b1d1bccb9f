package timeout_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/timeout"
)

// FuzzValidate checks that Config.Validate accepts exactly a Timeout > 0,
// never panics, and that New agrees with it.
func FuzzValidate(f *testing.F) {
	for _, d := range []int64{0, 1, -1, int64(time.Second), 1 << 62, -1 << 63, 1<<63 - 1} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, d int64) {
		cfg := timeout.Config[int]{Timeout: time.Duration(d)}
		var bad []string
		if d <= 0 {
			bad = append(bad, "Timeout")
		}
		fuzzCheckConfig(t, "timeout", cfg.Validate(), bad, func() {
			r, err := timeout.New(cfg).Execute(context.Background(), func(context.Context) (int, error) { return 1, nil })
			if err == nil && r != 1 || err != nil && !errors.Is(err, timeout.ErrExceeded) {
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
