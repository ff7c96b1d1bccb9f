package main

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// outcome of one logical call as the application sees it.
type outcome int

const (
	ok     outcome = iota // a fresh answer from the upstream
	cached                // a cached answer served by the fallback policy
	failed                // an error or an error status reached the application
)

// stats collects what one client experienced.
type stats struct {
	name string

	mu        sync.Mutex // guards everything below
	counts    [3]int
	latencies []time.Duration // of every call, in order
	window    [3]int          // counts since the last report line
	winLat    []time.Duration
}

func (s *stats) record(o outcome, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[o]++
	s.window[o]++
	s.latencies = append(s.latencies, d)
	s.winLat = append(s.winLat, d)
}

// takeWindow returns and resets the counts of the last reporting window.
func (s *stats) takeWindow() (counts [3]int, p99 time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	counts, s.window = s.window, [3]int{}
	p99 = percentile(s.winLat, 0.99)
	s.winLat = s.winLat[:0]
	return counts, p99
}

func (s *stats) summary() (counts [3]int, p50, p99 time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts, percentile(s.latencies, 0.50), percentile(s.latencies, 0.99)
}

func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

// rate returns good/total as a percentage, "-" when there were no calls.
func rate(good, total int) string {
	if total == 0 {
		return "    -"
	}
	return fmt.Sprintf("%4.0f%%", 100*float64(good)/float64(total))
}

func total(c [3]int) int { return c[ok] + c[cached] + c[failed] }

// printSummary writes the end-of-run table.
func printSummary(w io.Writer, plain, resilient *stats, plainLoad, resilientLoad int64, retries, waited, rejected int64) {
	pc, p50p, p99p := plain.summary()
	rc, p50r, p99r := resilient.summary()
	fmt.Fprintf(w, "\n%-26s %14s %14s\n", "summary", "plain client", "resilient")
	row := func(label, a, b string) { fmt.Fprintf(w, "%-26s %14s %14s\n", label, a, b) }
	row("calls", fmt.Sprint(total(pc)), fmt.Sprint(total(rc)))
	row("answered (fresh+cached)", rate(pc[ok]+pc[cached], total(pc)), rate(rc[ok]+rc[cached], total(rc)))
	row("fresh answers", rate(pc[ok], total(pc)), rate(rc[ok], total(rc)))
	row("served from fallback", fmt.Sprint(pc[cached]), fmt.Sprint(rc[cached]))
	row("errors seen by the app", fmt.Sprint(pc[failed]), fmt.Sprint(rc[failed]))
	row("latency p50", ms(p50p), ms(p50r))
	row("latency p99", ms(p99p), ms(p99r))
	row("requests sent upstream", fmt.Sprint(plainLoad), fmt.Sprint(resilientLoad))
	row("retries", "0", fmt.Sprint(retries))
	row("  of which on Retry-After", "0", fmt.Sprint(waited))
	row("rejected by open breaker", "0", fmt.Sprint(rejected))
}

// ms formats d in milliseconds with one decimal, so that fast failures do
// not read as 0s.
func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
