package main

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// outcome of one logical call as the application sees it.
type outcome int

const (
	fresh  outcome = iota // a fresh answer from the upstream
	cached                // a cached answer served by the fallback policy
	failed                // an error or an error status reached the application
	numOutcomes
)

// tally counts calls by outcome.
type tally [numOutcomes]int

func (t tally) calls() int { return t[fresh] + t[cached] + t[failed] }
func (t tally) ok() int    { return t[fresh] + t[cached] }

// stats collects what one client's callers experienced.
type stats struct {
	mu        sync.Mutex // guards everything below
	total     tally
	inOutage  tally           // calls that started during the outage
	latencies []time.Duration // of every call
	window    tally           // calls that ended since the last report line
	winLat    []time.Duration
}

func (s *stats) record(o outcome, d time.Duration, outage bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total[o]++
	s.window[o]++
	if outage {
		s.inOutage[o]++
	}
	s.latencies = append(s.latencies, d)
	s.winLat = append(s.winLat, d)
}

// takeWindow returns and resets the counts of the last reporting window.
func (s *stats) takeWindow() (t tally, p99 time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, s.window = s.window, tally{}
	p99 = percentile(s.winLat, 0.99)
	s.winLat = s.winLat[:0]
	return t, p99
}

func (s *stats) summary() (total, inOutage tally, p50, p99 time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total, s.inOutage, percentile(s.latencies, 0.50), percentile(s.latencies, 0.99)
}

func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

// policyCounts counts what the resilient stack did, in all and since the
// last report line.
type policyCounts struct {
	retries  atomic.Int64 // extra attempts started
	waited   atomic.Int64 // retries that waited what a Retry-After asked
	timeouts atomic.Int64 // attempts cut by the attempt timeout
	rejected atomic.Int64 // attempts the open breaker refused, never sent
	refused  atomic.Int64 // retries the retry budget refused
}

type countsSnapshot struct{ retries, waited, timeouts, rejected, refused int64 }

func (c *policyCounts) snapshot() countsSnapshot {
	return countsSnapshot{c.retries.Load(), c.waited.Load(), c.timeouts.Load(), c.rejected.Load(), c.refused.Load()}
}

func (a countsSnapshot) minus(b countsSnapshot) countsSnapshot {
	return countsSnapshot{a.retries - b.retries, a.waited - b.waited, a.timeouts - b.timeouts, a.rejected - b.rejected, a.refused - b.refused}
}

// pct returns part/whole as a percentage, "-" when whole is 0.
func pct(part, whole int) string {
	if whole == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(part)/float64(whole))
}

// ms formats d in milliseconds with one decimal, so that fast failures do
// not read as 0s.
func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
