package timeout_test

import (
	"context"
	"errors"
	"github.com/go-resilience/resilience/internal/testkit"
	"testing"
	"time"

	"github.com/go-resilience/resilience/timeout"
)

// FuzzValidate checks that Config.Validate accepts exactly a Timeout > 0,
// never panics, and that New agrees with it.
func FuzzValidate(f *testing.F) {
	for _, d := range []int64{0, 1, -1, int64(time.Second), 1 << 62, -1 << 63, 1<<63 - 1} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, d int64) {
		cfg := timeout.Config{Timeout: time.Duration(d)}
		var bad []string
		if d <= 0 {
			bad = append(bad, "Timeout")
		}
		testkit.CheckConfig(t, "timeout", cfg.Validate(), bad, func() {
			r, err := timeout.New[int](cfg).Execute(context.Background(), func(context.Context) (int, error) { return 1, nil })
			if err == nil && r != 1 || err != nil && !errors.Is(err, timeout.ErrExceeded) {
				t.Fatalf("Execute = %d, %v", r, err)
			}
		})
	})
}
