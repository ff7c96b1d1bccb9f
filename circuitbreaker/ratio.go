package circuitbreaker

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// ratio is a threshold rate held as an exact fraction num/den, so that
// "failures/calls >= rate" is decided in integers: 7 failures of 10 reach
// 0.7, and 6 do not, whatever the binary value of the float 0.7 is.
//
// The fraction is the shortest decimal that reads back as the configured
// float (what strconv prints, and what the user typed): 0.1 is 1/10 although
// the float 0.1 is slightly above it, and 1.0/3 is 3333333333333333/10^16,
// which 1 of 3 reaches.
type ratio struct{ num, den uint64 }

// maxRatioPlaces bounds the decimal places of a rate so that den = 10^places
// fits a uint64.
const maxRatioPlaces = 19

// newRatio returns f as a ratio. ok is false unless f is in (0, 1] and its
// shortest decimal has at most maxRatioPlaces places.
func newRatio(f float64) (r ratio, ok bool) {
	if !(f > 0 && f <= 1) { // also rejects NaN
		return ratio{}, false
	}
	s := strconv.FormatFloat(f, 'f', -1, 64) // "1", "0.7", "0.000123"
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > maxRatioPlaces {
		return ratio{}, false
	}
	// At most 17 significant digits and 19 places: num and den fit a uint64.
	var num, den uint64 = 0, 1
	for _, d := range whole + frac {
		num = num*10 + uint64(d-'0')
	}
	for range len(frac) {
		den *= 10
	}
	g := gcd(num, den)
	return ratio{num: num / g, den: den / g}, true
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// reached reports whether part/total >= r, exactly. total must be > 0.
func (r ratio) reached(part, total uint64) bool {
	// part*den >= total*num, in 128 bits.
	hi1, lo1 := bits.Mul64(part, r.den)
	hi2, lo2 := bits.Mul64(total, r.num)
	return hi1 > hi2 || hi1 == hi2 && lo1 >= lo2
}

// rate returns part/total for display: 0 when total is 0, at most 1.
func rate(part, total int) float64 {
	if total <= 0 {
		return 0
	}
	return math.Min(1, float64(part)/float64(total))
}
