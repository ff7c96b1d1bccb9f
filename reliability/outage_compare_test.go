//go:build soak

package reliability_test

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/retry"
)

// presetUntil2026_12 is httpx.Standard as it was before its re-tune for
// connection-refused blips: 3 attempts, full jitter from 500ms, a breaker
// over 30s that stays open 5s.
func presetUntil2026_12() httpx.StandardConfig {
	return httpx.StandardConfig{
		MaxAttempts: 3,
		Backoff:     retry.Exponential{Initial: 500 * time.Millisecond, Max: 5 * time.Second, Jitter: retry.FullJitter},
		Breaker: &circuitbreaker.Config[*http.Response]{
			WindowPeriod: 30 * time.Second, MinCalls: 20, FailureRate: 0.5, OpenDelay: 5 * time.Second,
		},
	}
}

// TestSoakOutagePresets runs the outage load through the old and the
// current preset, OUTAGE_RUNS times each (default 3), and logs the medians
// that docs/reliability.md quotes. The current preset must lose no more
// requests to a blip, show a long outage to callers no longer, and put no
// more load on the upstream than the old one.
func TestSoakOutagePresets(t *testing.T) {
	runs := 3
	if s := os.Getenv("OUTAGE_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("OUTAGE_RUNS = %q: want a count >= 1", s)
		}
		runs = n
	}
	presets := []struct {
		name string
		cfg  func() httpx.StandardConfig
	}{
		{"before", presetUntil2026_12},
		{"after", func() httpx.StandardConfig { return httpx.StandardConfig{} }},
	}
	var table strings.Builder
	table.WriteString("\n| outage | preset | lost (of requests) | attempts at the upstream while down: per request, per second | breaker opened (first after) | failures visible | longest request | late failures after |\n")
	for _, outage := range []time.Duration{time.Second, 2 * time.Second, 10 * time.Second} {
		tail := blipTail
		if outage > 2*time.Second {
			tail = longTail
		}
		var med [2]outageRun
		for i, p := range presets {
			var rs []outageRun
			for range runs {
				r := runOutage(t, p.cfg(), outage, tail)
				t.Logf("%s: %v", p.name, r)
				rs = append(rs, r)
			}
			med[i] = medianRun(rs)
			m := med[i]
			fmt.Fprintf(&table, "| %v | %s | %d (%d) | %.2f, %.1f/s | %d (%v) | %v | %v | %v |\n",
				outage, p.name, m.lost, m.requests, m.perRequest(), m.perSecond(), m.opened,
				m.openedAt.Round(100*time.Millisecond), m.visible.Round(100*time.Millisecond),
				m.longest.Round(100*time.Millisecond), m.fastFail.Round(time.Microsecond))
		}
		assert.LessOrEqual(t, med[1].perSecond(), med[0].perSecond(), "outage %v: attempts per second at the upstream", outage)
		if outage <= 2*time.Second {
			assert.LessOrEqual(t, med[1].lost, med[0].lost, "outage %v: lost requests", outage)
		} else {
			// Requests that fail fast leave their callers free to send
			// more: the count of lost requests says nothing here, the time
			// the callers saw failures does.
			assert.LessOrEqual(t, med[1].visible, med[0].visible, "outage %v: failures visible to callers", outage)
			assert.LessOrEqual(t, med[1].perRequest(), med[0].perRequest(), "outage %v: attempts per request", outage)
		}
	}
	t.Log(table.String())
}

// medianRun returns the median of each figure of rs, figure by figure.
func medianRun(rs []outageRun) outageRun {
	med := func(f func(outageRun) int64) int64 {
		v := make([]int64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return outageRun{
		outage:   rs[0].outage,
		requests: int(med(func(r outageRun) int64 { return int64(r.requests) })),
		during:   int(med(func(r outageRun) int64 { return int64(r.during) })),
		lost:     int(med(func(r outageRun) int64 { return int64(r.lost) })),
		attempts: int(med(func(r outageRun) int64 { return int64(r.attempts) })),
		visible:  time.Duration(med(func(r outageRun) int64 { return int64(r.visible) })),
		longest:  time.Duration(med(func(r outageRun) int64 { return int64(r.longest) })),
		fastFail: time.Duration(med(func(r outageRun) int64 { return int64(r.fastFail) })),
		opened:   int(med(func(r outageRun) int64 { return int64(r.opened) })),
		openedAt: time.Duration(med(func(r outageRun) int64 { return int64(r.openedAt) })),
	}
}
