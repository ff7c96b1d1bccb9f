package circuitbreaker_test

import (
	"context"
	"github.com/go-resilience/resilience/internal/testkit"
	"math"
	"testing"
	"time"

	"github.com/go-resilience/resilience/circuitbreaker"
)

// fuzzBytes hands out the fuzzer's bytes as small choices.
type fuzzBytes struct{ b []byte }

func (f *fuzzBytes) more() bool { return len(f.b) > 0 }

// intn returns a choice in [0, n) from the next byte; 0 once they are used up.
func (f *fuzzBytes) intn(n int) int {
	if len(f.b) == 0 {
		return 0
	}
	c := f.b[0]
	f.b = f.b[1:]
	return int(c) % n
}

// FuzzStateMachine runs driveModel (modelrun_test.go) on operations
// decoded from the fuzzer's bytes.
func FuzzStateMachine(f *testing.F) {
	f.Add([]byte{0, 3, 1, 0, 1, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 1, 1, 1, 2, 65, 65, 65, 65, 90, 0, 80, 5, 70, 1, 20, 20, 50, 50, 99})
	f.Add([]byte{1, 4, 2, 1, 2, 1, 1, 3, 1, 66, 66, 66, 66, 66, 66, 85, 3, 10, 10, 10, 40, 41, 42, 95, 1, 63, 0})
	f.Add([]byte{0, 11, 5, 3, 0, 0, 2, 4, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 90, 6, 90, 3, 97, 2, 98, 3, 96, 0})
	f.Add([]byte{1, 7, 0, 1, 3, 1, 1, 0, 0, 0, 0, 0, 35, 36, 37, 92, 4, 0, 0, 33, 34, 93, 1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &fuzzBytes{b: data}
		driveModel(t, in, func(int) bool { return in.more() }, "")
	})
}

// FuzzValidate checks that Config.Validate accepts exactly the configs the
// documented rules allow, names an invalid field, never panics, and that
// New agrees with it.
func FuzzValidate(f *testing.F) {
	f.Add(0, int64(0), 0, 0.0, 0, int64(0), 0.0, int64(0), false, 0, int64(0))
	f.Add(10, int64(0), 11, 0.7, 3, int64(time.Second), 0.5, int64(time.Second), false, 2, int64(time.Minute))
	f.Add(0, int64(10*time.Millisecond), 500, 1.0, 0, int64(0), 0.0, int64(0), true, 1, int64(0))
	f.Add(-1, int64(-1), -1, math.NaN(), -1, int64(-1), 1.5, int64(-1), true, -1, int64(-1))
	f.Add(100001, int64(9*time.Millisecond), 0, 1e-19, 0, int64(0), 1.5e-19, int64(0), false, 0, int64(0))
	f.Add(0, int64(0), 100, 0.1+0.2, 0, int64(1), 1.0/3, int64(0), false, 0, int64(0))
	f.Add(0, int64(0), 0, -1.0, 3, int64(0), 0.0, int64(0), false, 0, int64(0))
	f.Add(0, int64(0), 0, -1.0, 0, int64(0), 0.0, int64(0), false, 0, int64(0))
	f.Add(0, int64(0), 0, -1.0, 0, int64(time.Second), 0.0, int64(0), false, 0, int64(0))
	f.Fuzz(func(t *testing.T, windowSize int, windowPeriod int64, minCalls int, failureRate float64, consecutive int,
		slowCall int64, slowRate float64, openDelay int64, backoff bool, halfOpen int, halfOpenWait int64) {
		cfg := circuitbreaker.Config[int]{
			WindowSize: windowSize, WindowPeriod: time.Duration(windowPeriod), MinCalls: minCalls,
			FailureRate: failureRate, ConsecutiveFailures: consecutive,
			SlowCallDuration: time.Duration(slowCall), SlowCallRate: slowRate,
			OpenDelay: time.Duration(openDelay), HalfOpenCalls: halfOpen, HalfOpenMaxWait: time.Duration(halfOpenWait),
		}
		if backoff {
			cfg.OpenBackoff = backoffFunc(func(int, time.Duration) time.Duration { return time.Second })
		}
		var bad []string
		size := windowSize
		if size == 0 {
			size = 100
		}
		if windowSize < 0 || windowSize > 100_000 || windowPeriod > 0 && windowSize != 0 {
			bad = append(bad, "WindowSize")
		}
		if windowPeriod < 0 || windowPeriod > 0 && windowPeriod < int64(10*time.Millisecond) {
			bad = append(bad, "WindowPeriod")
		}
		if minCalls < 0 || windowPeriod == 0 && minCalls > size {
			bad = append(bad, "MinCalls")
		}
		if failureRate == -1 { // RateOff
			if consecutive <= 0 && slowCall <= 0 {
				bad = append(bad, "FailureRate")
			}
		} else if !testkit.RateOK(failureRate) {
			bad = append(bad, "FailureRate")
		}
		if consecutive < 0 {
			bad = append(bad, "ConsecutiveFailures")
		}
		if slowCall < 0 {
			bad = append(bad, "SlowCallDuration")
		}
		if !testkit.RateOK(slowRate) || slowRate != 0 && slowCall == 0 {
			bad = append(bad, "SlowCallRate")
		}
		if openDelay < 0 || openDelay != 0 && backoff {
			bad = append(bad, "OpenDelay")
		}
		if halfOpen < 0 {
			bad = append(bad, "HalfOpenCalls")
		}
		if halfOpenWait < 0 {
			bad = append(bad, "HalfOpenMaxWait")
		}
		testkit.CheckConfig(t, "circuitbreaker", cfg.Validate(), bad, func() {
			b := circuitbreaker.New(cfg)
			if _, err := b.Execute(context.Background(), succeed); err != nil {
				t.Fatalf("a new breaker rejected its first call: %v", err)
			}
		})
	})
}
