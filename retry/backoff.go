package retry

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/go-resilience/resilience"
)

// A Backoff says how long to wait before the next attempt. attempt is the
// number of the attempt that just failed, from 1; prev is the delay waited
// before it, 0 after the first attempt. Delay must be safe for concurrent
// use and must not return a negative duration.
//
// A Backoff may also have a Validate() error method; Config.Validate calls
// it.
type Backoff interface {
	Delay(attempt int, prev time.Duration) time.Duration
}

// Default values of the backoffs' zero fields.
const (
	defaultInitial    = 100 * time.Millisecond
	defaultMax        = 10 * time.Second
	defaultMultiplier = 2
)

// Jitter says how a backoff randomises its delays, so that clients that
// failed together do not retry together. The modes follow the AWS
// Architecture Blog article "Exponential Backoff And Jitter", where d is
// the backoff's delay before jitter:
//
//   - NoJitter: d.
//   - FullJitter: a uniform draw from [0, d].
//   - EqualJitter: d/2 plus a uniform draw from [0, d/2].
//   - DecorrelatedJitter: min(Max, a uniform draw from [Initial, 3*prev]),
//     with prev = Initial before the first retry. It ignores the attempt
//     number: each delay grows from the one before.
//
// Whatever the mode, a delay is never negative and never above the
// backoff's Max.
type Jitter uint8

// The jitter modes.
const (
	NoJitter           Jitter = iota // no randomness (the zero value)
	FullJitter                       // uniform in [0, d]
	EqualJitter                      // d/2 + uniform in [0, d/2]
	DecorrelatedJitter               // min(Max, uniform in [Initial, 3*prev])
)

var jitterNames = [...]string{
	NoJitter:           "NoJitter",
	FullJitter:         "FullJitter",
	EqualJitter:        "EqualJitter",
	DecorrelatedJitter: "DecorrelatedJitter",
}

// String returns the mode's Go name, e.g. "FullJitter", or "Jitter(7)" for
// an unknown mode.
func (j Jitter) String() string {
	if int(j) < len(jitterNames) {
		return jitterNames[j]
	}
	return fmt.Sprintf("Jitter(%d)", uint8(j))
}

// apply returns d jittered by mode j, for a backoff whose delays lie in
// [initial, maxDelay] and whose previous delay was prev. d must already be
// in [0, maxDelay].
func (j Jitter) apply(d, initial, maxDelay, prev time.Duration) time.Duration {
	switch j {
	case FullJitter:
		return between(0, d)
	case EqualJitter:
		half := d / 2
		return half + between(0, d-half)
	case DecorrelatedJitter:
		if prev <= 0 {
			prev = initial
		}
		lo := max(min(initial, maxDelay), 0)
		return between(lo, capped(3*float64(prev), maxDelay))
	}
	return d
}

// between returns a uniform draw from [lo, hi], or lo when hi <= lo.
// It requires 0 <= lo.
func between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	n := int64(hi - lo)
	if n < math.MaxInt64 {
		n++ // make hi itself a possible draw
	}
	return lo + time.Duration(rand.Int64N(n))
}

// capped converts f to a Duration in [0, limit]. It compares in float
// before converting, because converting a float above MaxInt64 to an
// integer gives an arbitrary value; a NaN gives limit.
func capped(f float64, limit time.Duration) time.Duration {
	switch {
	case !(f < float64(limit)):
		return max(limit, 0)
	case f <= 0:
		return 0
	}
	return time.Duration(f)
}

// Constant is a Backoff that waits the same delay before every retry.
// Constant(0) retries at once.
type Constant time.Duration

// Delay returns c, or 0 if c is negative.
func (c Constant) Delay(int, time.Duration) time.Duration {
	return max(time.Duration(c), 0)
}

// Validate returns a *resilience.ConfigError if c is negative.
func (c Constant) Validate() error {
	if c < 0 {
		return configError("Constant", time.Duration(c), "must be >= 0")
	}
	return nil
}

// Exponential is a Backoff whose delay after attempt n is
// Initial * Multiplier^(n-1), capped at Max, then jittered. The zero value
// waits 100ms, 200ms, 400ms, ... up to 10s, without jitter; most callers
// want Exponential{Jitter: FullJitter}, the retry default.
type Exponential struct {
	Initial    time.Duration // the first delay; 0 = 100ms
	Max        time.Duration // the cap, jitter included; 0 = max(10s, Initial)
	Multiplier float64       // the growth per attempt, >= 1; 0 = 2
	Jitter     Jitter        // zero = NoJitter
}

// limits returns e's fields with the defaults in place of zeros.
func (e Exponential) limits() (initial, maxDelay time.Duration, multiplier float64) {
	initial, maxDelay, multiplier = e.Initial, e.Max, e.Multiplier
	if initial == 0 {
		initial = defaultInitial
	}
	if maxDelay == 0 {
		maxDelay = max(defaultMax, initial)
	}
	if multiplier == 0 {
		multiplier = defaultMultiplier
	}
	return initial, maxDelay, multiplier
}

// Delay returns the delay after attempt (from 1; lower counts as 1). It
// never overflows: at any attempt number the delay stays within [0, Max].
func (e Exponential) Delay(attempt int, prev time.Duration) time.Duration {
	initial, maxDelay, multiplier := e.limits()
	d := capped(float64(initial)*math.Pow(multiplier, float64(max(attempt, 1)-1)), maxDelay)
	return e.Jitter.apply(d, initial, maxDelay, prev)
}

// Validate returns a *resilience.ConfigError naming the first invalid
// field: a negative duration, Max below Initial, a Multiplier below 1 (or
// not finite), or an unknown Jitter.
func (e Exponential) Validate() error {
	initial, _, _ := e.limits()
	switch {
	case e.Initial < 0:
		return configError("Exponential.Initial", e.Initial, "must be >= 0 (0 = 100ms)")
	case e.Max < 0:
		return configError("Exponential.Max", e.Max, "must be >= 0 (0 = max(10s, Initial))")
	case e.Max != 0 && e.Max < initial:
		return configError("Exponential.Max", e.Max, fmt.Sprintf("must be >= Initial (%v)", initial))
	case e.Multiplier != 0 && !(e.Multiplier >= 1 && !math.IsInf(e.Multiplier, 1)):
		return configError("Exponential.Multiplier", e.Multiplier, "must be finite and >= 1 (0 = 2)")
	case e.Jitter > DecorrelatedJitter:
		return configError("Exponential.Jitter", e.Jitter, "must be NoJitter, FullJitter, EqualJitter or DecorrelatedJitter")
	}
	return nil
}

// Linear is a Backoff whose delay after attempt n is Initial + Step*(n-1),
// capped at Max, then jittered. Linear{Step: time.Second} waits 1s, 2s,
// 3s, ... up to 10s.
type Linear struct {
	Initial time.Duration // the first delay; 0 = Step, or 100ms if Step is 0 too
	Step    time.Duration // the growth per attempt; 0 = Initial
	Max     time.Duration // the cap, jitter included; 0 = max(10s, Initial)
	Jitter  Jitter        // zero = NoJitter; DecorrelatedJitter is not allowed
}

// limits returns l's fields with the defaults in place of zeros.
func (l Linear) limits() (initial, step, maxDelay time.Duration) {
	initial, step, maxDelay = l.Initial, l.Step, l.Max
	switch {
	case initial == 0 && step == 0:
		initial, step = defaultInitial, defaultInitial
	case initial == 0:
		initial = step
	case step == 0:
		step = initial
	}
	if maxDelay == 0 {
		maxDelay = max(defaultMax, initial)
	}
	return initial, step, maxDelay
}

// Delay returns the delay after attempt (from 1; lower counts as 1). It
// never overflows: at any attempt number the delay stays within [0, Max].
func (l Linear) Delay(attempt int, prev time.Duration) time.Duration {
	initial, step, maxDelay := l.limits()
	d := capped(float64(initial)+float64(step)*float64(max(attempt, 1)-1), maxDelay)
	return l.Jitter.apply(d, initial, maxDelay, prev)
}

// Validate returns a *resilience.ConfigError naming the first invalid
// field: a negative duration, Max below Initial, or a Jitter other than
// NoJitter, FullJitter and EqualJitter (decorrelated jitter grows by its
// own rule, which would ignore Step).
func (l Linear) Validate() error {
	initial, _, _ := l.limits()
	switch {
	case l.Initial < 0:
		return configError("Linear.Initial", l.Initial, "must be >= 0 (0 = Step)")
	case l.Step < 0:
		return configError("Linear.Step", l.Step, "must be >= 0 (0 = Initial)")
	case l.Max < 0:
		return configError("Linear.Max", l.Max, "must be >= 0 (0 = max(10s, Initial))")
	case l.Max != 0 && l.Max < initial:
		return configError("Linear.Max", l.Max, fmt.Sprintf("must be >= Initial (%v)", initial))
	case l.Jitter > EqualJitter:
		return configError("Linear.Jitter", l.Jitter, "must be NoJitter, FullJitter or EqualJitter")
	}
	return nil
}

func configError(field string, value any, rule string) error {
	return &resilience.ConfigError{Policy: "retry", Field: field, Value: value, Rule: rule}
}
