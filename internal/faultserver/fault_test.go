package faultserver_test

import (
	"fmt"
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/internal/faultserver"
)

func TestFaultNames(t *testing.T) {
	seen := map[string]bool{}
	for f := faultserver.Fault(0); int(f) < faultserver.NumFaults; f++ {
		name := f.String()
		assert.NotContains(t, name, "Fault(", "Fault(%d).String() = %q, want a name", f, name)
		assert.False(t, seen[name], "Fault(%d).String() = %q, used twice", f, name)
		seen[name] = true
	}
	assert.Equal(t, "Fault(200)", faultserver.Fault(200).String())
}

func TestTaken(t *testing.T) {
	notTaken := map[faultserver.Fault]bool{faultserver.Reset: true, faultserver.Shed503: true, faultserver.Shed429: true}
	for f := faultserver.Fault(0); int(f) < faultserver.NumFaults; f++ {
		assert.Equal(t, !notTaken[f], f.Taken(), "%v.Taken()", f)
	}
}

func TestScript(t *testing.T) {
	s := faultserver.Script(faultserver.Reset, faultserver.Status503)
	for _, tc := range []struct {
		arrival int
		want    faultserver.Fault
	}{{0, faultserver.None}, {1, faultserver.Reset}, {2, faultserver.Status503}, {3, faultserver.None}} {
		assert.Equal(t, tc.want, s("any", tc.arrival), "Script(reset, 503)(any, %d)", tc.arrival)
	}
}

func TestChanceIsSeededAndFollowsWeights(t *testing.T) {
	weights := map[faultserver.Fault]float64{faultserver.Reset: 0.1, faultserver.Status503: 0.25, faultserver.PartialBody: 0.05}
	a := faultserver.Chance(7, weights)
	b := faultserver.Chance(7, weights)
	c := faultserver.Chance(8, weights)

	const n = 20000
	var counts [faultserver.NumFaults]int
	differ := 0
	for i := range n {
		id := "req-" + strconv.Itoa(i)
		f := a(id, 1+i%3)
		require.Equal(t, f, b(id, 1+i%3), "same seed, same arrival: same fault")
		if f != c(id, 1+i%3) {
			differ++
		}
		counts[f]++
	}
	assert.Greater(t, differ, n/10, "another seed draws other faults")
	want := map[faultserver.Fault]float64{faultserver.None: 0.6, faultserver.Reset: 0.1, faultserver.Status503: 0.25, faultserver.PartialBody: 0.05}
	for f := faultserver.Fault(0); int(f) < faultserver.NumFaults; f++ {
		p := want[f]
		sigma := math.Sqrt(n * p * (1 - p))
		got := float64(counts[f])
		assert.InDelta(t, n*p, got, 5*sigma+1, "%v drawn %d times in %d, want about %.0f", f, counts[f], n, n*p)
	}
}

func TestChanceRejectsBadWeights(t *testing.T) {
	for _, w := range []map[faultserver.Fault]float64{
		{faultserver.Reset: -0.1},
		{faultserver.Reset: math.NaN()},
		{faultserver.Reset: 0.6, faultserver.Status500: 0.6},
	} {
		assert.Panics(t, func() { faultserver.Chance(1, w) }, fmt.Sprint(w))
	}
	assert.NotPanics(t, func() { faultserver.Chance(1, map[faultserver.Fault]float64{faultserver.Reset: 1}) })
}

func TestBody(t *testing.T) {
	a := faultserver.Body("a", 100)
	assert.Len(t, a, 100)
	assert.Equal(t, a, faultserver.Body("a", 100), "Body is deterministic")
	assert.NotEqual(t, a, faultserver.Body("b", 100), "ids give different bodies")
	assert.Equal(t, a[:40], faultserver.Body("a", 40))
	assert.Empty(t, faultserver.Body("a", 0))
	assert.Len(t, faultserver.Sum(a), 64)
}
