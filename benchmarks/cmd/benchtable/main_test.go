package main

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const sampleOutput = `goos: linux
BenchmarkRetry/resilience-2         	10000000	       20.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkRetry/failsafe-go-2        	 1000000	       700 ns/op	     800 B/op	      14 allocs/op
BenchmarkRetry/resilience-2         	10000000	       22.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkRetry/failsafe-go-2        	 1000000	       720 ns/op	     800 B/op	      14 allocs/op
BenchmarkRetry/resilience-2         	10000000	       30.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkRetry/failsafe-go-2        	 1000000	       680 ns/op	     800 B/op	      14 allocs/op
BenchmarkLonely-2                   	 1000000	       5 ns/op
PASS
`

func TestRenderMediansAndRatios(t *testing.T) {
	rows := parse(strings.NewReader(sampleOutput))
	if len(rows) != 2 {
		t.Fatalf("parsed %d rows, want 2 (names without a /library are ignored)", len(rows))
	}
	table := render(rows, 3, "1s")
	for _, want := range []string{
		"| Retry | resilience | 22.0 | 0 | 0 | — |",
		"| Retry | failsafe-go | 700 | 800 | 14 | 31.8× |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

// Metrics a benchmark reports of its own get a table of their medians.
func TestRenderExtraMetrics(t *testing.T) {
	const out = `BenchmarkHTTP/bare-2        100  25000 ns/op  30000 cpu-ns/op  5000 B/op  62 allocs/op
BenchmarkHTTP/resilience-2  100  26000 ns/op  33000 cpu-ns/op  6000 B/op  74 allocs/op
BenchmarkHTTP/bare-2        100  24000 ns/op  31000 cpu-ns/op  5000 B/op  62 allocs/op
BenchmarkHTTP/resilience-2  100  25000 ns/op  35000 cpu-ns/op  6000 B/op  74 allocs/op
BenchmarkHTTP/bare-2        100  26000 ns/op  32000 cpu-ns/op  5000 B/op  62 allocs/op
BenchmarkHTTP/resilience-2  100  27000 ns/op  34000 cpu-ns/op  6000 B/op  74 allocs/op
`
	table := render(parse(strings.NewReader(out)), 3, "1s")
	for _, want := range []string{
		"| HTTP | bare | 25000 | 5000 | 62 | 0.96× |",
		"| case | library | metric | median |",
		"| HTTP | resilience | cpu-ns/op | 34000 |",
		"| HTTP | bare | cpu-ns/op | 31000 |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if table := render(parse(strings.NewReader(sampleOutput)), 3, "1s"); strings.Contains(table, "metric") {
		t.Errorf("a metrics table with no metric of a benchmark's own:\n%s", table)
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
