// Command demo starts a local flaky upstream and drives the same traffic
// through a plain http.Client and through one built with this library,
// printing a live comparison and a summary. It ends by itself.
//
//	go run ./cmd/demo [-duration 20s] [-failure-rate 0.3] [-concurrency 8]
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
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "how long to drive traffic (the demo ends by itself)")
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
	start    time.Time
	out      io.Writer
	mu       sync.Mutex // serialises printing with the ticker's lines
	retries  atomic.Int64
	waited   atomic.Int64 // retries that waited what a Retry-After asked
	rejected atomic.Int64
	state    atomic.Value // string: the breaker's state
}

func (d *demoObserver) Observe(_ context.Context, e resilience.Event) {
	switch {
	case e.Kind == resilience.EventRetry:
		d.retries.Add(1)
		if e.Delay >= time.Second { // the backoff never waits this long: a Retry-After did
			d.waited.Add(1)
		}
	case e.Kind == resilience.EventRejected && e.Policy == "circuitbreaker":
		d.rejected.Add(1)
	case e.Kind == resilience.EventStateChange:
		d.state.Store(e.To)
		d.mu.Lock()
		fmt.Fprintf(d.out, "%6.1fs  breaker %s -> %s\n", time.Since(d.start).Seconds(), e.From, e.To)
		d.mu.Unlock()
	}
}

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
	plain := &http.Client{Transport: plainTransport, Timeout: 2 * time.Second}

	resTransportBase := &http.Transport{MaxIdleConnsPerHost: o.concurrency}
	defer resTransportBase.CloseIdleConnections()
	resilientHTTP := &http.Client{Transport: httpx.Standard(httpx.StandardConfig{
		Next:           resTransportBase,
		TotalTimeout:   2 * time.Second,
		AttemptTimeout: 250 * time.Millisecond,
		MaxAttempts:    3,
		Backoff:        retry.Exponential{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond, Jitter: retry.FullJitter},
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

	plainStats, resStats := &stats{name: "plain"}, &stats{name: "resilient"}
	fmt.Fprintf(out, "demo: %v of traffic, %d callers per client, upstream failure rate %.0f%%, outage from %.0f%% to %.0f%% of the run\n",
		o.duration, o.concurrency, 100*o.failureRate, 100*schedule[0].until, 100*schedule[1].until)
	fmt.Fprintf(out, "plain: http.Client{Timeout: 2s}   resilient: httpx.Standard (2s total, 250ms per attempt, 3 attempts, per-host breaker) + fallback to the last good quote\n\n")
	fmt.Fprintf(out, "%7s  %-9s | %-24s | %-34s | %s\n", "time", "upstream", "plain: ok  p99", "resilient: ok (cached)  p99", "breaker")

	ctx, cancel := context.WithDeadline(context.Background(), start.Add(o.duration))
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < o.concurrency; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			drive(ctx, o.pace, plainStats, func(ctx context.Context) (quote, error) { return fetch(ctx, plain, plainSrv.URL) })
		}()
		go func() {
			defer wg.Done()
			drive(ctx, o.pace, resStats, func(ctx context.Context) (quote, error) {
				return quotes.Execute(ctx, func(ctx context.Context) (quote, error) {
					q, err := fetch(ctx, resilientHTTP, resSrv.URL)
					if err == nil {
						lastGood.Store(int64(q.Price))
					}
					return q, err
				})
			})
		}()
	}

	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for {
		select {
		case <-ticker.C:
			pc, pp99 := plainStats.takeWindow()
			rc, rp99 := resStats.takeWindow()
			obs.mu.Lock()
			fmt.Fprintf(out, "%6.1fs  %-9s | %s  %7s          | %s (%4d)  %7s           | %s\n",
				time.Since(start).Seconds(), plainUp.phaseAt(time.Now()).name,
				rate(pc[ok], total(pc)), ms(pp99),
				rate(rc[ok]+rc[cached], total(rc)), rc[cached], ms(rp99),
				obs.state.Load())
			obs.mu.Unlock()
		case <-done:
			printSummary(out, plainStats, resStats, plainUp.requests.Load(), resUp.requests.Load(),
				obs.retries.Load(), obs.waited.Load(), obs.rejected.Load())
			return
		}
	}
}

// drive calls call until ctx ends, recording each outcome.
func drive(ctx context.Context, pace time.Duration, s *stats, call func(context.Context) (quote, error)) {
	for ctx.Err() == nil {
		t0 := time.Now()
		// Each call gets its own budget; the run's end does not count.
		q, err := call(context.WithoutCancel(ctx))
		d := time.Since(t0)
		switch {
		case ctx.Err() != nil && time.Since(t0) > pace:
			// cut by the end of the run: not an outcome of the client
		case err != nil:
			s.record(failed, d)
		case q.Cached:
			s.record(cached, d)
		default:
			s.record(ok, d)
		}
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
