package reliability_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/internal/faultserver"
)

// The outage tests' load: closed-loop callers, each sending an idempotent
// GET through one httpx.Standard transport, reading the answer and pausing
// outagePace before the next, against a fault proxy in front of a healthy
// server. After outageWarmup the proxy refuses every connection for the
// outage's length; callers keep starting requests for a tail after the
// outage, then the run waits for the requests in flight. The tail of a
// blip is a second; after a long outage it outlasts the longest open delay
// of the breaker, so that the run sees the callers' recovery.
const (
	outageWorkers = 16
	outagePace    = 10 * time.Millisecond
	outageWarmup  = time.Second
	blipTail      = time.Second
	longTail      = 6 * time.Second
)

// outageRun is what one run of a preset through an outage showed.
type outageRun struct {
	outage   time.Duration
	requests int // caller requests in the whole run
	during   int // caller requests started during the outage
	lost     int // caller requests that failed
	// attempts: connections the proxy refused during the outage; each is
	// one attempt that reached the upstream's address while it was down
	attempts int
	// visible: from the outage's start to the end of the last failed
	// request (0: none failed)
	visible time.Duration
	// longest: the longest a request started during the outage took
	longest time.Duration
	// fastFail: the median time to fail of the requests that failed in the
	// outage's last second (0: none did)
	fastFail time.Duration
	opened   int           // times a breaker opened
	openedAt time.Duration // from the outage's start to the first opening
	elapsed  time.Duration
}

// perRequest returns the attempts that reached the upstream per caller
// request started during the outage.
func (r outageRun) perRequest() float64 {
	if r.during == 0 {
		return 0
	}
	return float64(r.attempts) / float64(r.during)
}

// perSecond returns the attempts that reached the upstream per second of
// outage.
func (r outageRun) perSecond() float64 { return float64(r.attempts) / r.outage.Seconds() }

func (r outageRun) String() string {
	return fmt.Sprintf("outage %v: %d requests (%d during the outage), %d lost; %d attempts reached the upstream while down "+
		"(%.2f per request started in the outage, %.1f/s); breaker opened %d times (first after %v); failures visible for %v; "+
		"longest request %v; median failure in the outage's last second after %v; run %v",
		r.outage, r.requests, r.during, r.lost, r.attempts, r.perRequest(), r.perSecond(), r.opened, r.openedAt.Round(time.Millisecond),
		r.visible.Round(time.Millisecond), r.longest.Round(time.Millisecond), r.fastFail.Round(time.Microsecond),
		r.elapsed.Round(time.Millisecond))
}

// call is one caller request's outcome.
type call struct {
	start, end time.Time
	ok         bool
}

// runOutage drives the outage load through the transport cfg describes
// (its Next is set here) and returns the figures.
func runOutage(t *testing.T, cfg httpx.StandardConfig, outage, tail time.Duration) outageRun {
	t.Helper()
	defer goleak.VerifyNone(t)
	begin := time.Now()
	srv, err := faultserver.Start(faultserver.Config{BodySize: 512})
	require.NoError(t, err)
	defer srv.Close()
	proxy, err := faultserver.StartProxy(strings.TrimPrefix(srv.URL(), "http://"))
	require.NoError(t, err)
	defer proxy.Close()

	base := &http.Transport{MaxIdleConnsPerHost: outageWorkers, DisableCompression: true}
	defer base.CloseIdleConnections()
	var opened atomic.Int64
	var firstOpen atomic.Int64 // unix nanoseconds
	cfg.Next = base
	cfg.Observer = resilience.ObserverFunc(func(_ context.Context, e resilience.Event) {
		if e.Policy == "circuitbreaker" && e.Kind == resilience.EventStateChange && e.To == "open" {
			opened.Add(1)
			firstOpen.CompareAndSwap(0, time.Now().UnixNano())
		}
	})
	client := &http.Client{Transport: httpx.Standard(cfg)}

	downAt := begin.Add(outageWarmup)
	upAt := downAt.Add(outage)
	stopAt := upAt.Add(tail)
	// Every request ends by itself (the preset's total timeout, and the
	// caller's own bound here); the run as a whole has a bound too.
	ctx, cancel := context.WithDeadline(context.Background(), stopAt.Add(45*time.Second))
	defer cancel()

	var mu sync.Mutex
	var calls []call
	var wg sync.WaitGroup
	for w := range outageWorkers {
		wg.Go(func() {
			for i := 0; time.Now().Before(stopAt) && ctx.Err() == nil; i++ {
				c := call{start: time.Now()}
				c.ok = outageGet(ctx, client, proxy.URL(), fmt.Sprintf("w%02d-%06d", w, i))
				c.end = time.Now()
				mu.Lock()
				calls = append(calls, c)
				mu.Unlock()
				time.Sleep(outagePace)
			}
		})
	}
	time.Sleep(time.Until(downAt))
	downAt = time.Now()
	upAt = proxy.Refuse(outage)
	// Connections accepted just before upAt may be refused a moment after
	// it: count once they are.
	time.Sleep(time.Until(upAt.Add(50 * time.Millisecond)))
	refusedDuring := proxy.Refused() // later refusals: none, the proxy is up
	wg.Wait()
	require.NoError(t, ctx.Err(), "the load did not finish in time")

	r := outageRun{outage: outage, requests: len(calls), attempts: refusedDuring, opened: int(opened.Load())}
	if n := firstOpen.Load(); n != 0 {
		r.openedAt = time.Unix(0, n).Sub(downAt)
	}
	var lastSecond []time.Duration
	for _, c := range calls {
		in := !c.start.Before(downAt) && c.start.Before(upAt)
		if in {
			r.during++
			r.longest = max(r.longest, c.end.Sub(c.start))
		}
		if c.ok {
			continue
		}
		r.lost++
		r.visible = max(r.visible, c.end.Sub(downAt))
		if in && !c.start.Before(upAt.Add(-time.Second)) {
			lastSecond = append(lastSecond, c.end.Sub(c.start))
		}
	}
	if len(lastSecond) > 0 {
		slices.Sort(lastSecond)
		r.fastFail = lastSecond[len(lastSecond)/2]
	}
	r.elapsed = time.Since(begin)
	require.Equal(t, refusedDuring, proxy.Refused(), "the proxy refused connections after the outage")
	return r
}

// outageGet sends one GET and reads its answer; it reports whether the
// caller got the right body.
func outageGet(ctx context.Context, c *http.Client, url, id string) bool {
	ctx, cancel := context.WithTimeout(ctx, 40*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/"+id, nil)
	if err != nil {
		return false
	}
	req.Header.Set(faultserver.HeaderID, id)
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return err == nil && resp.StatusCode == http.StatusOK && string(body) == string(faultserver.Body(id, 512))
}

// TestHTTPOutageStandard takes the upstream of httpx.Standard down, its
// connections refused, for a blip and for a real outage.
func TestHTTPOutageStandard(t *testing.T) {
	for _, outage := range []time.Duration{time.Second, 2 * time.Second} {
		t.Run(fmt.Sprint("blip ", outage), func(t *testing.T) {
			r := runOutage(t, httpx.StandardConfig{}, outage, blipTail)
			t.Log(r)
			require.Zero(t, r.lost, "requests lost to a blip of %v: %v", outage, r)
			require.Zero(t, r.opened, "the breaker opened on a blip of %v: %v", outage, r)
		})
	}
	t.Run("outage 10s", func(t *testing.T) {
		const outage = 10 * time.Second
		r := runOutage(t, httpx.StandardConfig{}, outage, longTail)
		t.Log(r)
		require.NotZero(t, r.opened, "the breaker never opened: %v", r)
		require.Less(t, r.openedAt, outage/2+time.Second, "the breaker opens within its 5s window: %v", r)
		require.NotZero(t, r.lost, "a 10s outage must fail some requests: %v", r)
		require.Less(t, r.fastFail, 50*time.Millisecond, "failures late in the outage are fast: %v", r)
		// The breaker's openings last at most 5s: callers see the upstream
		// back at most that long after it is (plus a second of slack).
		require.Less(t, r.visible, outage+6*time.Second, "failures visible to callers: %v", r)
		// The preset before its re-tune put 116.6 attempts a second on the
		// upstream during this outage, 0.53 per caller request (medians of
		// 3 runs of TestSoakOutagePresets, soak build tag): never more.
		require.Less(t, r.perSecond(), 116.6, "attempts per second at the upstream: %v", r)
		require.Less(t, r.perRequest(), 0.53, "attempts per caller request: %v", r)
	})
}
