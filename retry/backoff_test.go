package retry_test

import (
	"fmt"
	"github.com/go-resilience/resilience/internal/testkit"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/retry"
)

const maxDuration = time.Duration(math.MaxInt64)

func TestBackoffDelayWithoutJitter(t *testing.T) {
	tests := []struct {
		name    string
		backoff retry.Backoff
		attempt int
		want    time.Duration
	}{
		{"Exponential{}", retry.Exponential{}, 1, 100 * time.Millisecond},
		{"Exponential{}", retry.Exponential{}, 2, 200 * time.Millisecond},
		{"Exponential{}", retry.Exponential{}, 3, 400 * time.Millisecond},
		{"Exponential{}", retry.Exponential{}, 7, 6400 * time.Millisecond},
		{"Exponential{}", retry.Exponential{}, 8, 10 * time.Second},
		{"Exponential{}", retry.Exponential{}, 0, 100 * time.Millisecond},
		{"Exponential{}", retry.Exponential{}, -5, 100 * time.Millisecond},
		{"Exponential{1s x1.5 max 3s}", retry.Exponential{Initial: time.Second, Multiplier: 1.5, Max: 3 * time.Second}, 3, 2250 * time.Millisecond},
		{"Exponential{1s x1.5 max 3s}", retry.Exponential{Initial: time.Second, Multiplier: 1.5, Max: 3 * time.Second}, 4, 3 * time.Second},
		{"Exponential{20s}", retry.Exponential{Initial: 20 * time.Second}, 1, 20 * time.Second},
		{"Exponential{20s}", retry.Exponential{Initial: 20 * time.Second}, 2, 20 * time.Second},
		{"Exponential{1s x1}", retry.Exponential{Initial: time.Second, Multiplier: 1}, 9, time.Second},
		{"Linear{}", retry.Linear{}, 1, 100 * time.Millisecond},
		{"Linear{}", retry.Linear{}, 3, 300 * time.Millisecond},
		{"Linear{Step 1s}", retry.Linear{Step: time.Second}, 1, time.Second},
		{"Linear{Step 1s}", retry.Linear{Step: time.Second}, 3, 3 * time.Second},
		{"Linear{Step 1s}", retry.Linear{Step: time.Second}, 11, 10 * time.Second},
		{"Linear{Initial 500ms}", retry.Linear{Initial: 500 * time.Millisecond}, 3, 1500 * time.Millisecond},
		{"Linear{1s +500ms max 2s}", retry.Linear{Initial: time.Second, Step: 500 * time.Millisecond, Max: 2 * time.Second}, 2, 1500 * time.Millisecond},
		{"Linear{1s +500ms max 2s}", retry.Linear{Initial: time.Second, Step: 500 * time.Millisecond, Max: 2 * time.Second}, 4, 2 * time.Second},
		{"Linear{1s +500ms max 2s}", retry.Linear{Initial: time.Second, Step: 500 * time.Millisecond, Max: 2 * time.Second}, 0, time.Second},
		{"Constant(2s)", retry.Constant(2 * time.Second), 5, 2 * time.Second},
		{"Constant(0)", retry.Constant(0), 1, 0},
		{"Constant(-1s)", retry.Constant(-time.Second), 1, 0},
	}
	for _, tt := range tests {
		got := tt.backoff.Delay(tt.attempt, 0)
		assert.Equal(t, tt.want, got, "%s.Delay(%d) = %v, want %v", tt.name, tt.attempt, got, tt.want)
	}
}

// jitterCase is a backoff under test with the bounds each delay must keep.
type jitterCase struct {
	name    string
	backoff retry.Backoff
	initial time.Duration
	max     time.Duration
	base    func(attempt int) time.Duration // the delay before jitter
}

func jitterCases() []jitterCase {
	var cases []jitterCase
	for _, j := range []retry.Jitter{retry.NoJitter, retry.FullJitter, retry.EqualJitter, retry.DecorrelatedJitter} {
		e := retry.Exponential{Initial: 50 * time.Millisecond, Max: 5 * time.Second, Multiplier: 3, Jitter: j}
		cases = append(cases, jitterCase{
			name: fmt.Sprintf("Exponential{%v}", j), backoff: e, initial: e.Initial, max: e.Max,
			base: func(n int) time.Duration {
				return time.Duration(min(float64(e.Initial)*math.Pow(3, float64(n-1)), float64(e.Max)))
			},
		})
		if j == retry.DecorrelatedJitter {
			continue
		}
		l := retry.Linear{Initial: 10 * time.Millisecond, Step: 700 * time.Millisecond, Max: 4 * time.Second, Jitter: j}
		cases = append(cases, jitterCase{
			name: fmt.Sprintf("Linear{%v}", j), backoff: l, initial: l.Initial, max: l.Max,
			base: func(n int) time.Duration {
				return min(l.Initial+l.Step*time.Duration(n-1), l.Max)
			},
		})
	}
	return cases
}

func TestJitterBounds(t *testing.T) {
	const draws = 5000
	for _, tc := range jitterCases() {
		jitter := reflectJitter(tc.backoff)
		for attempt := 1; attempt <= 12; attempt++ {
			base := tc.base(attempt)
			lowest, highest := maxDuration, time.Duration(0)
			for range draws {
				prev := time.Duration(rand.Int64N(int64(2 * tc.max)))
				d := tc.backoff.Delay(attempt, prev)
				require.GreaterOrEqual(t, d, time.Duration(0), "%s.Delay(%d, %v) = %v, want >= 0", tc.name, attempt, prev, d)
				require.LessOrEqual(t, d, tc.max, "%s.Delay(%d, %v) = %v, want <= Max %v", tc.name, attempt, prev, d, tc.max)
				switch jitter {
				case retry.NoJitter:
					require.Equal(t, base, d, "%s.Delay(%d) = %v, want %v", tc.name, attempt, d, base)
				case retry.FullJitter:
					require.LessOrEqual(t, d, base, "%s.Delay(%d) = %v, want <= %v", tc.name, attempt, d, base)
				case retry.EqualJitter:
					require.GreaterOrEqual(t, d, base/2, "%s.Delay(%d) = %v, want >= %v", tc.name, attempt, d, base/2)
					require.LessOrEqual(t, d, base, "%s.Delay(%d) = %v, want <= %v", tc.name, attempt, d, base)
				case retry.DecorrelatedJitter:
					hi := min(3*max(prev, tc.initial), tc.max)
					require.GreaterOrEqual(t, d, tc.initial, "%s.Delay(%d, %v) = %v, want >= Initial %v", tc.name, attempt, prev, d, tc.initial)
					require.LessOrEqual(t, d, hi, "%s.Delay(%d, %v) = %v, want <= %v", tc.name, attempt, prev, d, hi)
				}
				lowest, highest = min(lowest, d), max(highest, d)
			}
			if jitter == retry.FullJitter || jitter == retry.EqualJitter {
				// The draws must spread over most of their range.
				lo := base - base/2 - base/4
				if jitter == retry.EqualJitter {
					lo = base/2 + base/8
				}
				assert.Less(t, lowest, lo, "%s.Delay(%d): lowest of %d draws = %v, want < %v", tc.name, attempt, draws, lowest, lo)
				assert.Greater(t, highest, base-base/8, "%s.Delay(%d): highest of %d draws = %v, want > %v", tc.name, attempt, draws, highest, base-base/8)
			}
		}
	}
}

func reflectJitter(b retry.Backoff) retry.Jitter {
	switch b := b.(type) {
	case retry.Exponential:
		return b.Jitter
	case retry.Linear:
		return b.Jitter
	}
	panic("no jitter")
}

func TestDecorrelatedJitterFollowsPrev(t *testing.T) {
	b := retry.Exponential{Initial: 100 * time.Millisecond, Max: time.Hour, Jitter: retry.DecorrelatedJitter}
	tests := []struct {
		prev   time.Duration
		lo, hi time.Duration // the range of the draws
	}{
		{0, 100 * time.Millisecond, 300 * time.Millisecond},                     // prev = Initial before the first retry
		{10 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond}, // 3*prev < Initial: Initial
		{10 * time.Second, 100 * time.Millisecond, 30 * time.Second},
		{time.Hour, 100 * time.Millisecond, time.Hour},
		{maxDuration, 100 * time.Millisecond, time.Hour}, // 3*prev must not overflow
	}
	for _, tt := range tests {
		lowest, highest := maxDuration, time.Duration(0)
		for range 4000 {
			d := b.Delay(1, tt.prev)
			lowest, highest = min(lowest, d), max(highest, d)
		}
		assert.GreaterOrEqual(t, lowest, tt.lo, "Delay(1, %v): lowest = %v, want >= %v", tt.prev, lowest, tt.lo)
		assert.LessOrEqual(t, highest, tt.hi, "Delay(1, %v): highest = %v, want <= %v", tt.prev, highest, tt.hi)
		// The draws reach into the top tenth of the range, so they do follow prev.
		top := tt.hi - (tt.hi-tt.lo)/10
		assert.GreaterOrEqual(t, highest, top, "Delay(1, %v): highest = %v, want >= %v", tt.prev, highest, top)
	}
}

func TestBackoffDoesNotOverflow(t *testing.T) {
	backoffs := []struct {
		name    string
		backoff retry.Backoff
		max     time.Duration
	}{
		{"Exponential{}", retry.Exponential{}, 10 * time.Second},
		{"Exponential{x1e300, max MaxInt64}", retry.Exponential{Multiplier: 1e300, Max: maxDuration}, maxDuration},
		{"Exponential{max MaxInt64, full}", retry.Exponential{Max: maxDuration, Jitter: retry.FullJitter}, maxDuration},
		{"Exponential{max MaxInt64, equal}", retry.Exponential{Max: maxDuration, Jitter: retry.EqualJitter}, maxDuration},
		{"Exponential{max MaxInt64, decorrelated}", retry.Exponential{Max: maxDuration, Jitter: retry.DecorrelatedJitter}, maxDuration},
		{"Linear{Step MaxInt64/2}", retry.Linear{Step: maxDuration / 2, Max: maxDuration}, maxDuration},
		{"Linear{full}", retry.Linear{Jitter: retry.FullJitter}, 10 * time.Second},
	}
	for _, b := range backoffs {
		for _, attempt := range []int{1e6, math.MaxInt32, math.MaxInt} {
			for _, prev := range []time.Duration{0, time.Second, maxDuration} {
				d := b.backoff.Delay(attempt, prev)
				assert.True(t, d >= 0 && d <= b.max, "%s.Delay(%d, %v) = %v, want in [0, %v]", b.name, attempt, prev, d, b.max)
			}
		}
	}
	// Without jitter, a huge attempt number gives exactly Max.
	assert.Equal(t, maxDuration, retry.Exponential{Max: maxDuration}.Delay(1e6, 0), "Exponential{Max: MaxInt64}.Delay(1e6)")
	assert.Equal(t, 10*time.Second, retry.Linear{}.Delay(1e6, 0), "Linear{}.Delay(1e6)")
}

func TestBackoffOutsideValidStaysInRange(t *testing.T) {
	// Delay is callable on a backoff that Validate would reject; it still
	// keeps its promise of [0, Max].
	tests := []struct {
		name    string
		backoff retry.Backoff
		max     time.Duration
	}{
		{"Exponential{Max -1s}", retry.Exponential{Max: -time.Second, Jitter: retry.DecorrelatedJitter}, 0},
		{"Exponential{Initial -1s}", retry.Exponential{Initial: -time.Second, Max: time.Second, Jitter: retry.DecorrelatedJitter}, time.Second},
		{"Exponential{x0.5}", retry.Exponential{Multiplier: 0.5}, 10 * time.Second},
		{"Exponential{xNaN}", retry.Exponential{Multiplier: math.NaN()}, 10 * time.Second},
		{"Exponential{Max < Initial}", retry.Exponential{Initial: time.Second, Max: time.Millisecond, Jitter: retry.DecorrelatedJitter}, time.Millisecond},
		{"Linear{Step -1s}", retry.Linear{Initial: time.Second, Step: -time.Second}, 10 * time.Second},
		{"Linear{Jitter(9)}", retry.Linear{Jitter: 9}, 10 * time.Second},
	}
	for _, tt := range tests {
		for attempt := 1; attempt < 50; attempt++ {
			d := tt.backoff.Delay(attempt, time.Duration(attempt)*time.Second)
			assert.True(t, d >= 0 && d <= tt.max, "%s.Delay(%d) = %v, want in [0, %v]", tt.name, attempt, d, tt.max)
		}
	}
}

func TestBackoffValidate(t *testing.T) {
	tests := []struct {
		name    string
		backoff interface{ Validate() error }
		field   string
		value   any
		want    string // the whole message; "" for a valid backoff
	}{
		{"Exponential{}", retry.Exponential{}, "", nil, ""},
		{"Exponential{x1}", retry.Exponential{Multiplier: 1}, "", nil, ""},
		{"Exponential{20s}", retry.Exponential{Initial: 20 * time.Second}, "", nil, ""},
		{"Exponential{decorrelated}", retry.Exponential{Jitter: retry.DecorrelatedJitter}, "", nil, ""},
		{"Exponential{Initial -1ns}", retry.Exponential{Initial: -1}, "Exponential.Initial", time.Duration(-1),
			"retry: Exponential.Initial = -1ns: must be >= 0 (0 = 100ms)"},
		{"Exponential{Max -1s}", retry.Exponential{Max: -time.Second}, "Exponential.Max", -time.Second,
			"retry: Exponential.Max = -1s: must be >= 0 (0 = max(10s, Initial))"},
		{"Exponential{2s, Max 1s}", retry.Exponential{Initial: 2 * time.Second, Max: time.Second}, "Exponential.Max", time.Second,
			"retry: Exponential.Max = 1s: must be >= Initial (2s)"},
		{"Exponential{Max 50ms}", retry.Exponential{Max: 50 * time.Millisecond}, "Exponential.Max", 50 * time.Millisecond,
			"retry: Exponential.Max = 50ms: must be >= Initial (100ms)"},
		{"Exponential{x0.5}", retry.Exponential{Multiplier: 0.5}, "Exponential.Multiplier", 0.5,
			"retry: Exponential.Multiplier = 0.5: must be finite and >= 1 (0 = 2)"},
		{"Exponential{x-2}", retry.Exponential{Multiplier: -2}, "Exponential.Multiplier", -2.0,
			"retry: Exponential.Multiplier = -2: must be finite and >= 1 (0 = 2)"},
		{"Exponential{x+Inf}", retry.Exponential{Multiplier: math.Inf(1)}, "Exponential.Multiplier", math.Inf(1),
			"retry: Exponential.Multiplier = +Inf: must be finite and >= 1 (0 = 2)"},
		{"Exponential{Jitter(4)}", retry.Exponential{Jitter: 4}, "Exponential.Jitter", retry.Jitter(4),
			"retry: Exponential.Jitter = Jitter(4): must be NoJitter, FullJitter, EqualJitter or DecorrelatedJitter"},
		{"Linear{}", retry.Linear{}, "", nil, ""},
		{"Linear{equal}", retry.Linear{Step: time.Second, Jitter: retry.EqualJitter}, "", nil, ""},
		{"Linear{Initial -1s}", retry.Linear{Initial: -time.Second}, "Linear.Initial", -time.Second,
			"retry: Linear.Initial = -1s: must be >= 0 (0 = Step)"},
		{"Linear{Step -1s}", retry.Linear{Step: -time.Second}, "Linear.Step", -time.Second,
			"retry: Linear.Step = -1s: must be >= 0 (0 = Initial)"},
		{"Linear{Max -1s}", retry.Linear{Max: -time.Second}, "Linear.Max", -time.Second,
			"retry: Linear.Max = -1s: must be >= 0 (0 = max(10s, Initial))"},
		{"Linear{Step 3s, Max 2s}", retry.Linear{Step: 3 * time.Second, Max: 2 * time.Second}, "Linear.Max", 2 * time.Second,
			"retry: Linear.Max = 2s: must be >= Initial (3s)"},
		{"Linear{decorrelated}", retry.Linear{Jitter: retry.DecorrelatedJitter}, "Linear.Jitter", retry.DecorrelatedJitter,
			"retry: Linear.Jitter = DecorrelatedJitter: must be NoJitter, FullJitter or EqualJitter"},
		{"Constant(0)", retry.Constant(0), "", nil, ""},
		{"Constant(-1s)", retry.Constant(-time.Second), "Constant", -time.Second,
			"retry: Constant = -1s: must be >= 0"},
	}
	for _, tt := range tests {
		err := tt.backoff.Validate()
		if tt.want == "" {
			assert.NoError(t, err, "%s.Validate()", tt.name)
			continue
		}
		require.Error(t, err, "%s.Validate() = nil, want %q", tt.name, tt.want)
		assert.EqualError(t, err, tt.want, "%s.Validate()", tt.name)
		assert.ErrorIs(t, err, resilience.ErrInvalidConfig, "%s.Validate()", tt.name)
		testkit.RequireConfigError(t, err, "retry", tt.field, tt.value, tt.name+".Validate()")
	}
	// NaN compares false with everything, so it needs its own check.
	err := retry.Exponential{Multiplier: math.NaN()}.Validate()
	assert.EqualError(t, err, "retry: Exponential.Multiplier = NaN: must be finite and >= 1 (0 = 2)")
}

func TestJitterString(t *testing.T) {
	tests := map[retry.Jitter]string{
		retry.NoJitter:           "NoJitter",
		retry.FullJitter:         "FullJitter",
		retry.EqualJitter:        "EqualJitter",
		retry.DecorrelatedJitter: "DecorrelatedJitter",
		retry.Jitter(200):        "Jitter(200)",
	}
	for j, want := range tests {
		assert.Equal(t, want, j.String(), "Jitter(%d).String()", uint8(j))
	}
}
