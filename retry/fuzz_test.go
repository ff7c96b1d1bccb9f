package retry_test

import (
	"github.com/go-resilience/resilience/internal/testkit"
	"math"
	"testing"
	"time"

	"github.com/go-resilience/resilience/retry"
)

// fuzzBackoff builds one of the backoffs from fuzzed fields: kind 0 is
// Constant(initial), 1 Exponential, 2 Linear.
func fuzzBackoff(kind uint8, initial, maxDelay, step int64, multiplier float64, jitter uint8) retry.Backoff {
	switch kind % 3 {
	case 0:
		return retry.Constant(initial)
	case 1:
		return retry.Exponential{Initial: time.Duration(initial), Max: time.Duration(maxDelay), Multiplier: multiplier, Jitter: retry.Jitter(jitter)}
	}
	return retry.Linear{Initial: time.Duration(initial), Step: time.Duration(step), Max: time.Duration(maxDelay), Jitter: retry.Jitter(jitter)}
}

// backoffProblems returns the fields of b that the documented rules
// reject, written here independently of Validate.
func backoffProblems(b retry.Backoff) []string {
	var bad []string
	switch b := b.(type) {
	case retry.Constant:
		if b < 0 {
			bad = append(bad, "Constant")
		}
	case retry.Exponential:
		initial := b.Initial
		if initial == 0 {
			initial = 100 * time.Millisecond
		}
		if b.Initial < 0 {
			bad = append(bad, "Exponential.Initial")
		}
		if b.Max < 0 || b.Max > 0 && b.Max < initial {
			bad = append(bad, "Exponential.Max")
		}
		if m := b.Multiplier; m != 0 && (math.IsNaN(m) || math.IsInf(m, 0) || m < 1) {
			bad = append(bad, "Exponential.Multiplier")
		}
		if b.Jitter > retry.DecorrelatedJitter {
			bad = append(bad, "Exponential.Jitter")
		}
	case retry.Linear:
		initial := b.Initial
		if initial == 0 {
			initial = b.Step
		}
		if initial == 0 {
			initial = 100 * time.Millisecond
		}
		if b.Initial < 0 {
			bad = append(bad, "Linear.Initial")
		}
		if b.Step < 0 {
			bad = append(bad, "Linear.Step")
		}
		if b.Max < 0 || b.Max > 0 && b.Max < initial {
			bad = append(bad, "Linear.Max")
		}
		if b.Jitter > retry.EqualJitter {
			bad = append(bad, "Linear.Jitter")
		}
	}
	return bad
}

// effective returns a valid backoff's first delay, cap and jitter, with
// the documented defaults in place of zero fields.
func effective(b retry.Backoff) (initial, maxDelay time.Duration, jitter retry.Jitter) {
	switch b := b.(type) {
	case retry.Exponential:
		initial, maxDelay, jitter = b.Initial, b.Max, b.Jitter
	case retry.Linear:
		initial, maxDelay, jitter = b.Initial, b.Max, b.Jitter
		if initial == 0 {
			initial = b.Step
		}
	}
	if initial == 0 {
		initial = 100 * time.Millisecond
	}
	if maxDelay == 0 {
		maxDelay = max(10*time.Second, initial)
	}
	return initial, maxDelay, jitter
}

// unjittered returns b without its jitter.
func unjittered(b retry.Backoff) retry.Backoff {
	switch b := b.(type) {
	case retry.Exponential:
		b.Jitter = retry.NoJitter
		return b
	case retry.Linear:
		b.Jitter = retry.NoJitter
		return b
	}
	return b
}

// FuzzBackoff checks every backoff and jitter mode at any attempt number:
// a delay is never negative whatever the config, and for a valid config
// never above Max, starts at min(Initial, Max), never shrinks from one
// attempt to the next without jitter, and stays within its jitter mode's
// range of the unjittered delay.
func FuzzBackoff(f *testing.F) {
	f.Add(uint8(1), int64(100e6), int64(0), int64(0), 2.0, uint8(0), 1, int64(0))
	f.Add(uint8(1), int64(100e6), int64(10e9), int64(0), 2.0, uint8(1), 64, int64(0))
	f.Add(uint8(1), int64(1), int64(math.MaxInt64), int64(0), math.MaxFloat64, uint8(2), math.MaxInt, int64(math.MaxInt64))
	f.Add(uint8(1), int64(5e6), int64(1e9), int64(0), 1.0, uint8(3), 7, int64(900e6))
	f.Add(uint8(1), int64(math.MaxInt64), int64(0), int64(0), 0.0, uint8(3), 1, int64(math.MaxInt64))
	f.Add(uint8(2), int64(0), int64(0), int64(time.Second), 0.0, uint8(2), 1000, int64(0))
	f.Add(uint8(2), int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MaxInt64), 0.0, uint8(1), math.MaxInt, int64(0))
	f.Add(uint8(0), int64(-5), int64(0), int64(0), 0.0, uint8(0), -3, int64(-1))
	f.Add(uint8(1), int64(-5), int64(-7), int64(0), math.Inf(1), uint8(9), math.MinInt, int64(math.MinInt64))
	f.Fuzz(func(t *testing.T, kind uint8, initial, maxDelay, step int64, multiplier float64, jitter uint8, attempt int, prev int64) {
		b := fuzzBackoff(kind, initial, maxDelay, step, multiplier, jitter)
		d := b.Delay(attempt, time.Duration(prev))
		if d < 0 {
			t.Fatalf("%#v.Delay(%d, %v) = %v, want >= 0", b, attempt, time.Duration(prev), d)
		}
		if len(backoffProblems(b)) > 0 {
			return // only the sign is promised for an invalid backoff
		}
		if c, ok := b.(retry.Constant); ok {
			if d != time.Duration(c) {
				t.Fatalf("Constant(%v).Delay(%d) = %v", time.Duration(c), attempt, d)
			}
			return
		}
		first, maxD, mode := effective(b)
		if d > maxD {
			t.Fatalf("%#v.Delay(%d, %v) = %v, want <= Max %v", b, attempt, time.Duration(prev), d, maxD)
		}
		plain := unjittered(b)
		n := plain.Delay(attempt, 0)
		// Delays are computed in float64: beyond 2^53ns (104 days) they may
		// be off by float rounding, a few parts in 2^53.
		if got, want := plain.Delay(1, 0), min(first, maxD); max(got-want, want-got) > want>>50 {
			t.Fatalf("%#v.Delay(1) = %v, want min(Initial, Max) = %v", plain, got, want)
		}
		if attempt < math.MaxInt {
			if next := plain.Delay(attempt+1, 0); next < n {
				t.Fatalf("%#v: Delay(%d) = %v < Delay(%d) = %v: shrank", plain, attempt+1, next, attempt, n)
			}
		}
		switch mode {
		case retry.NoJitter:
			if d != n {
				t.Fatalf("%#v.Delay(%d) = %v, then %v", b, attempt, n, d)
			}
		case retry.FullJitter:
			if d > n {
				t.Fatalf("%#v.Delay(%d) = %v, want in [0, %v]", b, attempt, d, n)
			}
		case retry.EqualJitter:
			if d < n/2 || d > n {
				t.Fatalf("%#v.Delay(%d) = %v, want in [%v, %v]", b, attempt, d, n/2, n)
			}
		case retry.DecorrelatedJitter:
			p := time.Duration(prev)
			if p <= 0 {
				p = first
			}
			lo := min(first, maxD)
			hi := maxD
			if float64(p)*3 < float64(maxD) {
				hi = 3 * p
			}
			if d < min(lo, hi) || d > max(lo, hi) {
				t.Fatalf("%#v.Delay(%d, prev %v) = %v, want in [%v, %v]", b, attempt, time.Duration(prev), d, lo, hi)
			}
		}
	})
}

// FuzzValidate checks that Config.Validate accepts exactly the configs the
// documented rules allow, names an invalid field, never panics, and that
// New agrees with it.
func FuzzValidate(f *testing.F) {
	f.Add(0, int64(0), uint8(0), int64(0), int64(0), int64(0), 0.0, uint8(0))
	f.Add(-1, int64(time.Minute), uint8(2), int64(time.Second), int64(time.Minute), int64(0), 1.5, uint8(1))
	f.Add(-2, int64(-1), uint8(3), int64(-1), int64(-1), int64(-1), 0.0, uint8(3))
	f.Add(3, int64(0), uint8(2), int64(2e9), int64(1e9), int64(0), math.NaN(), uint8(4))
	f.Add(math.MinInt, int64(math.MinInt64), uint8(1), int64(0), int64(0), int64(0), 0.0, uint8(0))
	f.Fuzz(func(t *testing.T, maxAttempts int, maxDuration int64, kind uint8, initial, maxDelay, step int64, multiplier float64, jitter uint8) {
		cfg := retry.Config[int]{MaxAttempts: maxAttempts, MaxDuration: time.Duration(maxDuration)}
		if kind%4 != 3 {
			cfg.Backoff = fuzzBackoff(kind, initial, maxDelay, step, multiplier, jitter)
		}
		var bad []string
		if maxAttempts < -1 {
			bad = append(bad, "MaxAttempts")
		}
		if maxDuration < 0 {
			bad = append(bad, "MaxDuration")
		}
		bad = append(bad, backoffProblems(cfg.Backoff)...)
		testkit.CheckConfig(t, "retry", cfg.Validate(), bad, func() { retry.New(cfg) })
	})
}
