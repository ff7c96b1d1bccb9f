package circuitbreaker

import "math"

// Times on a breaker's clock are int64 nanoseconds since New, negative when
// a mock clock was set back before then, and anywhere in int64's range when
// it was moved by centuries. Sums and differences of such times saturate at
// the ends of that range instead of wrapping: a delay of math.MaxInt64 ends
// at the end of time, not before its start.

// addSat returns a+b, saturated.
func addSat(a, b int64) int64 {
	switch {
	case b > 0 && a > math.MaxInt64-b:
		return math.MaxInt64
	case b < 0 && a < math.MinInt64-b:
		return math.MinInt64
	}
	return a + b
}

// subSat returns a-b, saturated.
func subSat(a, b int64) int64 {
	switch {
	case b < 0 && a > math.MaxInt64+b:
		return math.MaxInt64
	case b > 0 && a < math.MinInt64+b:
		return math.MinInt64
	}
	return a - b
}
