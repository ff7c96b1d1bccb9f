package ratelimit_test

import (
	"context"
	"github.com/go-resilience/resilience/internal/testkit"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/go-resilience/resilience/ratelimit"
)

// FuzzValidate checks that Config.Validate accepts exactly the configs the
// documented rules allow, names an invalid field, never panics (no
// overflow at the edges of int64), and that New agrees with it.
func FuzzValidate(f *testing.F) {
	f.Add(1, int64(0), 0, int64(0))
	f.Add(0, int64(0), 0, int64(0))
	f.Add(2, int64(1), 0, int64(0))
	f.Add(1, int64(time.Hour), math.MaxInt, int64(0))
	f.Add(2, int64(math.MaxInt64), 0, int64(0))             // Period/Rate near MaxInt64
	f.Add(math.MaxInt, int64(math.MaxInt64), 1, int64(0))   // once a division by zero
	f.Add(3, int64(math.MaxInt64), 2, int64(math.MaxInt64)) // Burst x interval just above MaxInt64
	f.Add(-1, int64(-1), -1, int64(-1))
	f.Add(1, int64(100*365*24*time.Hour), 0, int64(0))   // the longest interval
	f.Add(1, int64(100*365*24*time.Hour)+1, 0, int64(0)) // a nanosecond longer
	f.Fuzz(func(t *testing.T, rate int, period int64, burst int, maxWait int64) {
		cfg := ratelimit.Config{Rate: rate, Period: time.Duration(period), Burst: burst, MaxWait: time.Duration(maxWait)}
		var bad []string
		p := period
		if p == 0 {
			p = int64(time.Second)
		}
		if rate <= 0 || period >= 0 && int64(rate) > p {
			bad = append(bad, "Rate")
		}
		if period < 0 {
			bad = append(bad, "Period")
		}
		if burst < 0 {
			bad = append(bad, "Burst")
		}
		if len(bad) == 0 || len(bad) == 1 && bad[0] == "Burst" {
			// The interval, Period/Rate rounded up, must be at most 100
			// years, and Burst (at least 1) times it must fit a
			// time.Duration.
			r := big.NewInt(int64(rate))
			interval := new(big.Int).Add(big.NewInt(p), new(big.Int).Sub(r, big.NewInt(1)))
			interval.Div(interval, r)
			if interval.Cmp(big.NewInt(int64(100*365*24*time.Hour))) > 0 {
				bad = append(bad, "Period")
			}
			span := new(big.Int).Mul(interval, big.NewInt(int64(max(burst, 1))))
			if burst >= 0 && span.Cmp(big.NewInt(math.MaxInt64)) > 0 {
				bad = append(bad, "Burst")
			}
		}
		if maxWait < 0 {
			bad = append(bad, "MaxWait")
		}
		testkit.CheckConfig(t, "ratelimit", cfg.Validate(), bad, func() {
			l := ratelimit.New[int](cfg)
			if l.Interval() <= 0 {
				t.Fatalf("Interval() = %v, want > 0", l.Interval())
			}
			r, err := l.Execute(context.Background(), func(context.Context) (int, error) { return 1, nil })
			if r != 1 || err != nil {
				t.Fatalf("the first call of a new limiter: Execute = %d, %v", r, err)
			}
		})
	})
}
