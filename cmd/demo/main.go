// Command demo starts a local flaky upstream and drives the same traffic
// through a plain http.Client and through one built with this library,
// printing a live comparison and a summary. It ends by itself.
//
//	go run ./cmd/demo [-duration 10s] [-failure-rate 0.3] [-concurrency 8]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/fallback"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/retry"
)

type options struct {
	duration    time.Duration
	failureRate float64
	concurrency int
	pace        time.Duration
	seed        uint64
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long to drive traffic (the demo ends by itself)")
	flag.Float64Var(&o.failureRate, "failure-rate", 0.3, "share of requests the upstream fails outside the outage, in [0, 1]")
	flag.IntVar(&o.concurrency, "concurrency", 8, "concurrent callers per client")
	flag.DurationVar(&o.pace, "pace", 25*time.Millisecond, "pause between one caller's calls")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the upstream's randomness")
	flag.Parse()
	if err := o.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(2)
	}
	run(os.Stdout, o)
}

func (o options) validate() error {
	switch {
	case o.duration <= 0 || o.duration > 10*time.Minute:
		return fmt.Errorf("-duration = %v: must be in (0, 10m]", o.duration)
	case o.failureRate < 0 || o.failureRate > 1:
		return fmt.Errorf("-failure-rate = %v: must be in [0, 1]", o.failureRate)
	case o.concurrency < 1 || o.concurrency > 1000:
		return fmt.Errorf("-concurrency = %d: must be in [1, 1000]", o.concurrency)
	case o.pace < 0:
		return fmt.Errorf("-pace = %v: must be >= 0", o.pace)
	}
	return nil
}

// quote is what the application asks the upstream for.
type quote struct {
	Price  int  `json:"price"`
	Cached bool `json:"-"`
}

// demoObserver counts what the resilient stack does and prints breaker
// transitions as they happen.
type demoObserver struct {
	start  time.Time
	out    io.Writer
	mu     sync.Mutex // serialises printing with the ticker's lines
	counts policyCounts
	state  atomic.Value // string: the breaker's state
}

func (d *demoObserver) Observe(_ context.Context, e resilience.Event) {
	switch {
	case e.Kind == resilience.EventRetry:
		d.counts.retries.Add(1)
		if e.Delay >= time.Second { // the backoff never waits this long: a Retry-After did
			d.counts.waited.Add(1)
		}
	case e.Kind == resilience.EventTimeout && e.Duration == attemptTimeout:
		d.counts.timeouts.Add(1)
	case e.Kind == resilience.EventRejected && e.Policy == "circuitbreaker":
		d.counts.rejected.Add(1)
	case e.Kind == resilience.EventRejected && e.Policy == "budget":
		d.counts.refused.Add(1)
	case e.Kind == resilience.EventStateChange:
		d.state.Store(e.To)
		d.mu.Lock()
		fmt.Fprintf(d.out, "%6.1fs  breaker %s -> %s\n", time.Since(d.start).Seconds(), e.From, e.To)
		d.mu.Unlock()
	}
}

// counter is a RoundTripper that counts the requests it sends: what
// leaves the process for the upstream.
type counter struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// The resilient client's numbers, scaled to a demo of seconds.
const (
	totalTimeout   = 2 * time.Second
	attemptTimeout = 250 * time.Millisecond
	maxAttempts    = 3
)

// legend explains every column of the per-second table.
const legend = `Each line counts the calls that ended in that second; upstream is what the
upstream did for most of it.
  calls    calls the application made; a call that fails at once frees its caller to call
           again, so seconds of fast failures hold many more calls than healthy ones
  ok       plain client: fresh answers from the upstream
  fresh    resilient client: fresh answers; cached: answers of the fallback (the last good
           quote); failed: errors the application saw; fresh + cached + failed = 100%
  p99      the slowest 1% of that second's calls took at least this long; the upstream stalls
           5% of requests for 800ms, and the plain client waits each of them out
  retries  extra attempts the retry started
  tmo      attempts cut by the 250ms attempt timeout: a stalled upstream (800ms) costs a retry,
           not the wait; that is what keeps the resilient p99 near 300ms
  RA       retries that first waited the 1s a 429's Retry-After asked: such a call takes over 1s,
           which shows as a lone ~1s p99
  rej      attempts the open breaker refused without sending them
  bud      retries the retry budget refused: retries may be at most 20% of the last 10s's
           requests, or 10 a second if that is more; a refused retry leaves the failure to the
           fallback, so seconds after a run of failures show cached answers and few retries
`

func run(out io.Writer, o options) {
	start := time.Now()
	plainUp := newUpstream(o.seed, start, o.duration, o.failureRate)
	resUp := newUpstream(o.seed, start, o.duration, o.failureRate)
	plainSrv, resSrv := httptest.NewServer(plainUp), httptest.NewServer(resUp)
	defer plainSrv.Close()
	defer resSrv.Close()

	obs := &demoObserver{start: start, out: out}
	obs.state.Store(circuitbreaker.Closed.String())

	plainTransport := &http.Transport{MaxIdleConnsPerHost: o.concurrency}
	defer plainTransport.CloseIdleConnections()
	plainSent := &counter{next: plainTransport}
	plain := &http.Client{Transport: plainSent, Timeout: totalTimeout}

	resTransportBase := &http.Transport{MaxIdleConnsPerHost: o.concurrency}
	defer resTransportBase.CloseIdleConnections()
	resSent := &counter{next: resTransportBase}
	resilientHTTP := &http.Client{Transport: httpx.Standard(httpx.StandardConfig{
		Next:           resSent,
		TotalTimeout:   totalTimeout,
		AttemptTimeout: attemptTimeout,
		MaxAttempts:    maxAttempts,
		Backoff:        retry.Exponential{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond, Jitter: retry.EqualJitter},
		Breaker: &circuitbreaker.Config[*http.Response]{
			WindowPeriod: 3 * time.Second, MinCalls: 20, FailureRate: 0.6, OpenDelay: time.Second,
		},
		Name:     "quotes",
		Observer: obs,
	})}

	// The application's own stack: serve the last good quote when the
	// upstream cannot answer, so callers get an answer either way.
	var lastGood atomic.Int64
	quotes := resilience.Compose(fallback.New(fallback.Config[quote]{
		Fallback: func(ctx context.Context, _ quote, err error) (quote, error) {
			if p := lastGood.Load(); p != 0 {
				return quote{Price: int(p), Cached: true}, nil
			}
			return quote{}, err
		},
	}))

	plainStats, resStats := &stats{}, &stats{}
	outFrom, outTo := time.Duration(float64(o.duration)*schedule[0].until), time.Duration(float64(o.duration)*schedule[1].until)
	fmt.Fprintf(out, "demo: %v of traffic, %d callers per client, a pause of %v between one caller's calls\n", o.duration, o.concurrency, o.pace)
	fmt.Fprintf(out, "upstream: fails %.0f%% of requests (500/503), stalls 5%% for 800ms, answers 0.5%% with 429 Retry-After: 1; down (every request a bare 503) from %.1fs to %.1fs\n",
		100*o.failureRate, outFrom.Seconds(), outTo.Seconds())
	fmt.Fprintf(out, "plain:     http.Client{Timeout: 2s}\n")
	fmt.Fprintf(out, "resilient: httpx.Standard (2s in all, %d attempts, %v per attempt, a breaker per host) + a fallback to the last good quote\n\n", maxAttempts, attemptTimeout)
	fmt.Fprint(out, legend)
	fmt.Fprintf(out, "\n%7s  %-9s | %12s %4s %9s | %16s %5s %6s %6s %9s %7s %4s %3s %4s %4s | %s\n", "time", "upstream",
		"plain: calls", "ok", "p99", "resilient: calls", "fresh", "cached", "failed", "p99", "retries", "tmo", "RA", "rej", "bud", "breaker")

	ctx, cancel := context.WithDeadline(context.Background(), start.Add(o.duration))
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < o.concurrency; i++ {
		wg.Go(func() {
			drive(ctx, o.pace, plainStats, plainUp, func(ctx context.Context) (quote, error) { return fetch(ctx, plain, plainSrv.URL) })
		})
		wg.Go(func() {
			drive(ctx, o.pace, resStats, resUp, func(ctx context.Context) (quote, error) {
				return quotes.Execute(ctx, func(ctx context.Context) (quote, error) {
					q, err := fetch(ctx, resilientHTTP, resSrv.URL)
					if err == nil {
						lastGood.Store(int64(q.Price))
					}
					return q, err
				})
			})
		})
	}

	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var prev countsSnapshot
	line := func(label string) {
		pc, pp99 := plainStats.takeWindow()
		rc, rp99 := resStats.takeWindow()
		now := obs.counts.snapshot()
		w := now.minus(prev)
		prev = now
		obs.mu.Lock()
		defer obs.mu.Unlock()
		fmt.Fprintf(out, "%7s  %-9s | %12d %4s %9s | %16d %5s %6s %6s %9s %7d %4d %3d %4d %4d | %s\n",
			label, plainUp.phaseAt(time.Now().Add(-time.Second/2)).name, // the phase of most of the line's second
			pc.calls(), pct(pc[fresh], pc.calls()), ms(pp99),
			rc.calls(), pct(rc[fresh], rc.calls()), pct(rc[cached], rc.calls()), pct(rc[failed], rc.calls()), ms(rp99),
			w.retries, w.timeouts, w.waited, w.rejected, w.refused,
			obs.state.Load())
	}
	for {
		select {
		case <-ticker.C:
			line(fmt.Sprintf("%.1fs", time.Since(start).Seconds()))
		case <-done:
			line("end") // the calls that ended after the last full second
			printSummary(out, plainStats, resStats, plainSent.n.Load(), resSent.n.Load(), obs.counts.snapshot())
			return
		}
	}
}

// drive calls call until ctx ends, recording each outcome, and whether
// the call started during the upstream's outage.
func drive(ctx context.Context, pace time.Duration, s *stats, up *upstream, call func(context.Context) (quote, error)) {
	for ctx.Err() == nil {
		t0 := time.Now()
		// Each call gets its own time budget; the run's end does not cut
		// it, so every call started is counted.
		q, err := call(context.WithoutCancel(ctx))
		d := time.Since(t0)
		o := fresh
		switch {
		case err != nil:
			o = failed
		case q.Cached:
			o = cached
		}
		s.record(o, d, up.phaseAt(t0).outage)
		select {
		case <-ctx.Done():
		case <-time.After(pace):
		}
	}
}

// fetch asks the upstream for a quote; any status but 200 is an error.
func fetch(ctx context.Context, c *http.Client, url string) (quote, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return quote{}, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return quote{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return quote{}, fmt.Errorf("upstream: %s", resp.Status)
	}
	var q quote
	if err := json.NewDecoder(resp.Body).Decode(&q); err != nil {
		return quote{}, errors.Join(errors.New("upstream: bad body"), err)
	}
	return q, nil
}
