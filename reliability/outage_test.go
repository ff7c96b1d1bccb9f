package reliability_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/internal/faultserver"
	"github.com/go-resilience/resilience/resiliencetest"
)

// The outage tests' load: closed-loop callers, each sending an idempotent
// GET through one httpx.Standard transport, reading the answer and pausing
// outagePace before the next, against a healthy fault server. After
// outageWarmup the server goes down (faultserver.Listener.Down): it
// resets every open connection and refuses every new one for the
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
	// attempts: connections the server refused during the outage; each is
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
// (its Next and Clock are set here) and returns the figures.
//
// Time is a mock clock that outageDriver moves, so that nothing sleeps:
// the callers' pauses, the retries' delays, the breaker's window and open
// delays and the budget's window all run on it, while the requests cross
// the real server on loopback. Time moves only once every caller
// is parked on the clock, so the run is what it would be on an idle
// machine however loaded this one is.
func runOutage(t *testing.T, cfg httpx.StandardConfig, outage, tail time.Duration) outageRun {
	t.Helper()
	defer goleak.VerifyNone(t)
	began := time.Now()
	srv, err := faultserver.Start(faultserver.Config{BodySize: 512})
	require.NoError(t, err)
	defer srv.Close()
	ln := srv.Listener()

	clk := resiliencetest.NewClock()
	begin := clk.Now()
	base := &http.Transport{MaxIdleConnsPerHost: outageWorkers, DisableCompression: true}
	defer base.CloseIdleConnections()
	var opened atomic.Int64
	var firstOpen atomic.Int64 // mock unix nanoseconds
	cfg.Next, cfg.Clock = base, clk
	cfg.Observer = resilience.ObserverFunc(func(_ context.Context, e resilience.Event) {
		if e.Policy == "circuitbreaker" && e.Kind == resilience.EventStateChange && e.To == "open" {
			opened.Add(1)
			firstOpen.CompareAndSwap(0, clk.Now().UnixNano())
		}
	})
	client := &http.Client{Transport: httpx.Standard(cfg)}

	downAt := begin.Add(outageWarmup)
	upAt := downAt.Add(outage)
	stopAt := upAt.Add(tail)
	// A bound in real time on the whole run, should a request hang.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var mu sync.Mutex
	var calls []call
	var wg sync.WaitGroup
	left := make(chan struct{}, outageWorkers) // a caller is done
	for w := range outageWorkers {
		wg.Go(func() {
			defer func() { left <- struct{}{} }()
			for i := 0; clk.Now().Before(stopAt) && ctx.Err() == nil; i++ {
				c := call{start: clk.Now()}
				c.ok = outageGet(ctx, client, srv.URL(), fmt.Sprintf("w%02d-%06d", w, i))
				c.end = clk.Now()
				mu.Lock()
				calls = append(calls, c)
				mu.Unlock()
				clk.Sleep(outagePace)
			}
		})
	}
	var refusedDuring int
	drive := outageDriver{clk: clk, left: left, active: outageWorkers, at: []outageMark{
		{downAt, ln.Down},
		{upAt, func() { refusedDuring = ln.Refused(); ln.Up() }},
	}}
	driveErr := drive.run(ctx)
	wg.Wait()
	require.NoError(t, driveErr, "the load did not finish in time")

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
	r.elapsed = time.Since(began)
	require.Equal(t, refusedDuring, ln.Refused(), "the server refused connections after the outage")
	return r
}

// outageTick is the grain of the outage runs' time: the driver moves the
// clock to the next multiple of it that ends a wait, so that the callers'
// waits end together a tick at a time (a clock.Mock's Add pauses for a
// millisecond of real time, so fewer moves make a faster run).
const outageTick = 10 * time.Millisecond

// An outageMark is a moment of an outage run and what happens at it.
type outageMark struct {
	at time.Time
	do func()
}

// outageDriver moves an outage run's mock clock: once every active caller
// is parked on it (each has reported one wait: its pause, or a retry's
// delay), it moves the clock to the tick that ends the earliest wait,
// stopping first at each mark to run it.
type outageDriver struct {
	clk    *resiliencetest.Clock
	left   <-chan struct{} // a caller returned
	active int             // callers that have not returned
	at     []outageMark    // in time order
	ends   []time.Time     // the ends of the waits the parked callers are in
}

// run drives the clock until every caller has returned, or ctx is done.
func (d *outageDriver) run(ctx context.Context) error {
	for d.active > 0 {
		for len(d.ends) < d.active {
			select {
			case w := <-d.clk.Waits():
				d.ends = append(d.ends, d.clk.Now().Add(w))
			case <-d.left:
				d.active--
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if d.active == 0 {
			break
		}
		next := slices.MinFunc(d.ends, func(a, b time.Time) int { return a.Compare(b) })
		if rem := next.Sub(time.Unix(0, 0)) % outageTick; rem != 0 {
			next = next.Add(outageTick - rem)
		}
		// A mark before that is a stop of its own: the callers it wakes
		// (a reset connection) must park again before time moves on.
		if len(d.at) > 0 && !d.at[0].at.After(next) {
			next = d.at[0].at
			d.clk.Set(next)
			d.at[0].do()
			d.at = d.at[1:]
		} else {
			d.clk.Set(next)
		}
		d.ends = slices.DeleteFunc(d.ends, func(e time.Time) bool { return !e.After(next) })
	}
	for _, m := range d.at { // marks after the last caller returned
		d.clk.Set(m.at)
		m.do()
	}
	return nil
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
		// The preset before its re-tune put 161.6 attempts a second on the
		// upstream during this outage, 0.97 per caller request (medians of
		// 3 runs of TestSoakOutagePresets, soak build tag): never more.
		require.Less(t, r.perSecond(), 161.6, "attempts per second at the upstream: %v", r)
		require.Less(t, r.perRequest(), 0.97, "attempts per caller request: %v", r)
	})
}
