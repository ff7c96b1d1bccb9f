package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// phase is one stretch of the upstream's schedule.
type phase struct {
	name   string
	until  float64 // fraction of the run at which the phase ends
	outage bool    // every request answers a bare 503, as a proxy with no backend does
}

// schedule is what the flaky upstream does over a run: flaky, then a full
// outage, then flaky again. Outside the outage, latency spikes and a few
// 429s with Retry-After (throttling) happen too.
var schedule = []phase{
	{name: "flaky", until: 0.35},
	{name: "outage", until: 0.60, outage: true},
	{name: "recovered", until: 1},
}

// upstream is a local HTTP server that fails, stalls and goes down on a
// schedule. Two instances with the same seed behave alike, so the plain and
// the resilient client meet the same weather.
type upstream struct {
	start        time.Time
	duration     time.Duration
	failRate     float64
	spikeRate    float64
	spike        time.Duration
	throttleRate float64 // share of requests answered 429 with Retry-After: 1

	mu  sync.Mutex // guards rnd
	rnd *rand.Rand

	requests atomic.Int64 // requests the upstream received (its load)
}

func newUpstream(seed uint64, start time.Time, d time.Duration, failRate float64) *upstream {
	return &upstream{
		start: start, duration: d, failRate: failRate,
		spikeRate: 0.05, spike: 800 * time.Millisecond, throttleRate: 0.005,
		rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
}

func (u *upstream) phaseAt(t time.Time) phase {
	f := float64(t.Sub(u.start)) / float64(u.duration)
	for _, p := range schedule {
		if f < p.until {
			return p
		}
	}
	return schedule[len(schedule)-1]
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.requests.Add(1)
	p := u.phaseAt(time.Now())
	u.mu.Lock()
	roll, spikeRoll, code := u.rnd.Float64(), u.rnd.Float64(), 500+3*u.rnd.IntN(2) // 500 or 503
	u.mu.Unlock()

	if p.outage {
		http.Error(w, "no healthy backend", http.StatusServiceUnavailable)
		return
	}
	if roll < u.throttleRate {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	}
	delay := 10 * time.Millisecond
	if spikeRoll < u.spikeRate {
		delay = u.spike
	}
	select {
	case <-time.After(delay):
	case <-r.Context().Done():
		return
	}
	if roll < u.failRate {
		http.Error(w, "upstream hiccup", code)
		return
	}
	fmt.Fprintf(w, `{"price": %d}`, 100+int(time.Since(u.start)/time.Second))
}
