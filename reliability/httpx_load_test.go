package reliability_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/hedge"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/internal/faultserver"
	"github.com/go-resilience/resilience/retry"
)

// The load's shape: sized so that the whole test takes seconds under -race
// on two shared cores, yet injects hundreds of faults of every kind.
const (
	loadRequests    = 4000
	loadWorkers     = 32
	loadMaxConns    = 16 // MaxConnsPerHost of the inner transport
	loadAttempts    = 4
	loadAttemptTime = 250 * time.Millisecond
	loadStall       = 400 * time.Millisecond // longer than an attempt may take
	loadBodySize    = 4096                   // response bodies
	loadReqBodySize = 8192                   // request bodies
	loadSeed        = 20250611
)

// loadFaults is the chance of each fault per arrival at the server.
var loadFaults = map[faultserver.Fault]float64{
	faultserver.Reset:        0.04,
	faultserver.StallHeaders: 0.03,
	faultserver.StallBody:    0.03,
	faultserver.Status503:    0.05,
	faultserver.Shed503:      0.04,
	faultserver.Shed429:      0.03,
	faultserver.Status500:    0.03,
	faultserver.CloseConn:    0.05,
	faultserver.PartialBody:  0.02,
}

// A kind of request, with what the transport may do on failure.
type requestKind struct {
	name string
	// share of the requests, in percent
	share int
	// idempotent: repeated on any failure; otherwise only after a failure
	// that proves the server did not take it (429, 503 with Retry-After)
	idempotent bool
	// once: the body cannot be replayed, so any failure is final
	once  bool
	build func(ctx context.Context, url, id string) *http.Request
}

var requestKinds = []requestKind{
	{name: "GET", share: 40, idempotent: true, build: func(ctx context.Context, url, id string) *http.Request {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		return req
	}},
	{name: "PUT", share: 15, idempotent: true, build: func(ctx context.Context, url, id string) *http.Request {
		return bodyRequest(ctx, http.MethodPut, url, id, "rewind")
	}},
	{name: "POST", share: 15, build: func(ctx context.Context, url, id string) *http.Request {
		return bodyRequest(ctx, http.MethodPost, url, id, "rewind")
	}},
	{name: "POST+Idempotency-Key", share: 10, idempotent: true, build: func(ctx context.Context, url, id string) *http.Request {
		req := bodyRequest(ctx, http.MethodPost, url, id, "rewind")
		req.Header.Set("Idempotency-Key", id)
		return req
	}},
	{name: "POST buffered", share: 10, build: func(ctx context.Context, url, id string) *http.Request {
		return bodyRequest(ctx, http.MethodPost, url, id, "buffer")
	}},
	{name: "POST streamed", share: 10, once: true, build: func(ctx context.Context, url, id string) *http.Request {
		return bodyRequest(ctx, http.MethodPost, url, id, "stream")
	}},
}

// bodyRequest builds a request with a body the transport replays with
// GetBody ("rewind"), must buffer to replay (known length, no GetBody:
// "buffer"), or can send only once (unknown length: "stream").
func bodyRequest(ctx context.Context, method, url, id, mode string) *http.Request {
	body := faultserver.Body(id+" request", loadReqBodySize)
	var r io.Reader = bytes.NewReader(body)
	if mode != "rewind" {
		r = io.NopCloser(r) // hides the *bytes.Reader: no GetBody
	}
	req, _ := http.NewRequestWithContext(ctx, method, url, r)
	switch mode {
	case "buffer":
		req.ContentLength = int64(len(body))
	case "stream":
		req.ContentLength = -1
	}
	req.Header.Set(faultserver.HeaderSum, faultserver.Sum(body))
	return req
}

func kindOf(i int) requestKind {
	p := i % 100
	for _, k := range requestKinds {
		if p < k.share {
			return k
		}
		p -= k.share
	}
	panic("request kind shares do not sum to 100")
}

// retryAfterMix gives shed answers a mix of Retry-After values: mostly
// "0", and some a client must ignore or treat as "now".
func retryAfterMix(id string, arrival int) string {
	switch faultserver.Chance(loadSeed+1, map[faultserver.Fault]float64{1: 0.1, 2: 0.1, 3: 0.1})(id, arrival) {
	case 1:
		return time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat) // a date past: now
	case 2:
		return "99999999999" // absurd: ignored, the backoff decides
	case 3:
		return "soon" // malformed: ignored
	}
	return "0"
}

// counting is the inner RoundTripper: a real *http.Transport whose
// response bodies are counted, so the test can tell that every one of them
// was closed, by the caller or by the policies that discarded it.
type counting struct {
	next     *http.Transport
	attempts atomic.Int64
	opened   atomic.Int64
	closed   atomic.Int64
}

func (c *counting) RoundTrip(req *http.Request) (*http.Response, error) {
	c.attempts.Add(1)
	resp, err := c.next.RoundTrip(req)
	if resp != nil && resp.Body != nil {
		c.opened.Add(1)
		resp.Body = &countedBody{ReadCloser: resp.Body, c: c}
	}
	return resp, err
}

func (c *counting) CloseIdleConnections() { c.next.CloseIdleConnections() }

type countedBody struct {
	io.ReadCloser
	c    *counting
	once atomic.Bool
}

func (b *countedBody) Close() error {
	if b.once.CompareAndSwap(false, true) {
		b.c.closed.Add(1)
	}
	return b.ReadCloser.Close()
}

// outcome is what the caller saw of one request.
type outcome struct {
	id    string
	kind  requestKind
	ok    bool
	class string // why not ok
}

// A loadStack is a transport under test, built over the counting inner
// transport.
type loadStack struct {
	name     string
	requests int
	attempts int // attempts the success floor counts on: extra hedges only help
	build    func(inner http.RoundTripper, hedges *atomic.Int64) http.RoundTripper
}

// standardConfig is httpx.Standard tuned to the load: short attempts and
// backoffs, and the standard breaker with a MinCalls that a run of bad
// luck in the first calls cannot reach (at a 25% attempt failure rate the
// breaker must stay closed; this test is not about its opening), and no
// retry budget: the success floor counts on every allowed attempt being
// made (package budget proves the budget).
func standardConfig(inner http.RoundTripper) httpx.StandardConfig {
	return httpx.StandardConfig{
		Next:           inner,
		TotalTimeout:   5 * time.Second,
		AttemptTimeout: loadAttemptTime,
		MaxAttempts:    loadAttempts,
		Backoff:        retry.Exponential{Initial: time.Millisecond, Max: 10 * time.Millisecond, Jitter: retry.FullJitter},
		Breaker:        loadBreaker(),
		NoBudget:       true,
	}
}

func loadBreaker() *circuitbreaker.Config[*http.Response] {
	return &circuitbreaker.Config[*http.Response]{WindowPeriod: 30 * time.Second, MinCalls: 200, FailureRate: 0.5, OpenDelay: 5 * time.Second}
}

var loadStacks = []loadStack{
	{name: "standard", requests: loadRequests, attempts: loadAttempts, build: func(inner http.RoundTripper, _ *atomic.Int64) http.RoundTripper {
		return httpx.Standard(standardConfig(inner))
	}},
	// The standard stack with a hedge between the breaker and the attempt
	// timeout: a slow attempt of an idempotent request is hedged, and the
	// loser's response, if any, must be closed like a retried one.
	{name: "standard+hedge", requests: loadRequests / 4, attempts: loadAttempts, build: func(inner http.RoundTripper, hedges *atomic.Int64) http.RoundTripper {
		cfg := standardConfig(inner).Config()
		perHost := cfg.PerHost
		cfg.PerHost = func(host string) []resilience.Policy[*http.Response] {
			ps := perHost(host) // the breaker, then the attempt timeout
			h := hedge.New(hedge.Config[*http.Response]{
				Delay:   loadAttemptTime / 2,
				OnHedge: func(hedge.Event) { hedges.Add(1) },
			})
			return append([]resilience.Policy[*http.Response]{ps[0], h}, ps[1:]...)
		}
		return httpx.New(cfg)
	}},
	// The Hedging preset as it comes (its hedge budget included), but for
	// the load's timeouts and breaker: no retry, so the floor counts one
	// attempt per request.
	{name: "hedging preset", requests: loadRequests / 4, attempts: 1, build: func(inner http.RoundTripper, hedges *atomic.Int64) http.RoundTripper {
		return httpx.Hedging(httpx.HedgingConfig{
			StandardConfig: httpx.StandardConfig{
				Next: inner, TotalTimeout: 5 * time.Second, AttemptTimeout: loadAttemptTime,
				Breaker: loadBreaker(),
				Observer: resilience.ObserverFunc(func(_ context.Context, e resilience.Event) {
					if e.Kind == resilience.EventHedge {
						hedges.Add(1)
					}
				}),
			},
			Delay: loadAttemptTime / 2,
		})
	}},
}

func TestHTTPFaultInjectionLoad(t *testing.T) {
	for _, stack := range loadStacks {
		t.Run(stack.name, func(t *testing.T) { runLoad(t, stack) })
	}
}

func runLoad(t *testing.T, stack loadStack) {
	defer goleak.VerifyNone(t)
	begin := time.Now()
	srv, err := faultserver.Start(faultserver.Config{
		Schedule:   faultserver.Chance(loadSeed, loadFaults),
		Stall:      loadStall,
		RetryAfter: retryAfterMix,
		BodySize:   loadBodySize,
	})
	require.NoError(t, err)
	defer srv.Close()

	inner := &counting{next: &http.Transport{
		MaxConnsPerHost:     loadMaxConns,
		MaxIdleConnsPerHost: loadMaxConns,
		DisableCompression:  true,
	}}
	var hedges atomic.Int64
	client := &http.Client{Transport: stack.build(inner, &hedges)}

	// The whole load stops by itself: every request has a deadline, and
	// the load as a whole one more.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	outcomes := make([]outcome, stack.requests)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range loadWorkers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(outcomes) || ctx.Err() != nil {
					return
				}
				outcomes[i] = send(ctx, client, srv.URL(), i)
			}
		})
	}
	wg.Wait()
	require.NoError(t, ctx.Err(), "the load did not finish in time")
	loadTime := time.Since(begin)

	// Every body closed, then every connection: none is held by a body
	// somebody forgot.
	assert.Equal(t, inner.opened.Load(), inner.closed.Load(), "response bodies opened and closed")
	client.CloseIdleConnections()
	waitCtx, waitCancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer waitCancel()
	require.NoError(t, srv.Listener().WaitOpen(waitCtx, 0), "connections still open after CloseIdleConnections: %d", srv.Listener().Open())

	report := checkLoad(t, srv, outcomes, stack.attempts, int(hedges.Load()))
	report.attempts = inner.attempts.Load()
	report.bodies = inner.opened.Load()
	report.hedges = hedges.Load()
	report.duration = loadTime
	t.Log(report)
	require.NoError(t, srv.Close())
}

// send makes request i and reads its answer whole.
func send(ctx context.Context, c *http.Client, url string, i int) outcome {
	k := kindOf(i)
	id := fmt.Sprintf("r%05d", i)
	o := outcome{id: id, kind: k}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second) // the caller's own bound, body included
	defer cancel()
	req := k.build(ctx, url+"/"+id, id)
	req.Header.Set(faultserver.HeaderID, id)
	resp, err := c.Do(req)
	if err != nil {
		o.class = "error: " + errorClass(err)
		return o
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		o.class = "body: " + errorClass(err)
	case resp.StatusCode != http.StatusOK:
		o.class = "status " + resp.Status
	case !bytes.Equal(body, faultserver.Body(id, loadBodySize)):
		o.class = "body: wrong bytes"
	default:
		o.ok = true
	}
	return o
}

func errorClass(err error) string {
	msg := err.Error()
	for _, s := range []string{"connection reset", "EOF", "exceeded", "deadline", "broken pipe", "exhausted", "circuitbreaker"} {
		if strings.Contains(msg, s) {
			return s
		}
	}
	return msg
}

// loadReport is the closing note of the load test.
type loadReport struct {
	requests, successes int
	expected, floor     float64 // successes the retry math predicts, and the floor asserted
	baseline            float64 // successes expected without any retry
	faults              [faultserver.NumFaults]int
	arrivals            int
	attempts, bodies    int64
	hedges              int64
	accepted, peak      int
	resets              int
	failures            map[string]int
	duration            time.Duration
}

func (r loadReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests in %v: %d succeeded (%.2f%%), predicted >= %.0f (expected %.0f; %.0f without retries)\n",
		r.requests, r.duration.Round(time.Millisecond), r.successes, 100*float64(r.successes)/float64(r.requests), r.floor, r.expected, r.baseline)
	fmt.Fprintf(&b, "%d attempts sent (%d of them hedges), %d arrivals at the server, %d response bodies (all closed), %d connections accepted (peak %d open, %d reset)\n",
		r.attempts, r.hedges, r.arrivals, r.bodies, r.accepted, r.peak, r.resets)
	b.WriteString("faults injected:")
	total := 0
	for f := faultserver.Fault(1); int(f) < faultserver.NumFaults; f++ {
		fmt.Fprintf(&b, " %v=%d", f, r.faults[f])
		total += r.faults[f]
	}
	fmt.Fprintf(&b, " (total %d)\nfailures by cause:", total)
	keys := make([]string, 0, len(r.failures))
	for k := range r.failures {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " [%s]=%d", k, r.failures[k])
	}
	b.WriteString("\nleaks found: 0 goroutines, 0 open bodies, 0 open connections")
	return b.String()
}

// checkLoad asserts what the server saw and what the callers got, and
// returns the figures.
// A hedge loser cancelled mid-attempt loses its connection: hedges counts
// them among the connections that may be replaced.
func checkLoad(t *testing.T, srv *faultserver.Server, outcomes []outcome, attempts, hedges int) loadReport {
	t.Helper()
	recs := srv.Records()
	r := loadReport{requests: len(outcomes), faults: srv.Faults(), failures: map[string]int{}}
	r.accepted, r.peak, r.resets = srv.Listener().Accepted(), srv.Listener().Peak(), srv.Listener().Resets()
	var variance float64
	for _, o := range outcomes {
		require.NotEmpty(t, o.id, "every request was sent")
		rec := recs[o.id]
		r.arrivals += rec.Arrivals
		p, p1 := successChance(o.kind, attempts)
		r.expected += p
		r.baseline += p1
		variance += p * (1 - p)
		if o.ok {
			r.successes++
			assert.GreaterOrEqual(t, rec.Taken, 1, "%s (%s) succeeded, yet the server never took it", o.id, o.kind.name)
		} else {
			r.failures[o.kind.name+": "+o.class]++
		}
		// Bodies arrive whole or not at all.
		assert.Zero(t, rec.Torn, "%s (%s): %d torn request bodies", o.id, o.kind.name, rec.Torn)
		// A request that is not idempotent is never acted on twice.
		if !o.kind.idempotent {
			assert.LessOrEqual(t, rec.Taken, 1, "%s (%s) was taken %d times; faults %v", o.id, o.kind.name, rec.Taken, rec.Faults)
		}
		if o.kind.once {
			assert.LessOrEqual(t, rec.Arrivals, 1, "%s (%s) has a body that cannot be replayed, yet arrived %d times", o.id, o.kind.name, rec.Arrivals)
		}
	}
	r.floor = r.expected - 4*math.Sqrt(variance)
	assert.GreaterOrEqual(t, float64(r.successes), r.floor, "success rate below what the retry math predicts")
	// Connections: at most MaxConnsPerHost in use at once, plus the few the
	// server has not yet seen the client drop; and reused, so that
	// accepted connections stay near the faults that break one.
	assert.LessOrEqual(t, r.peak, 2*loadMaxConns, "open connections")
	breaking := r.faults[faultserver.Reset] + r.faults[faultserver.StallHeaders] + r.faults[faultserver.PartialBody] + r.faults[faultserver.CloseConn]
	assert.LessOrEqual(t, r.accepted, breaking+hedges+2*loadMaxConns, "connections accepted: discarded bodies must be drained so their connection is reused")
	return r
}

// successChance returns the chance that a request of kind k succeeds under
// loadFaults with n attempts, and with one. An attempt
// is good (None, StallBody, CloseConn), fatal to the request (PartialBody:
// the headers said 200, so no policy sees it), or a failure the transport
// repeats (for an idempotent request every failure; for any other, only the
// shed answers that prove the server did not take it; for a body that
// cannot be replayed, none). The chance is good × (1 + r + ... + r^(n-1)).
func successChance(k requestKind, n int) (withRetries, without float64) {
	good := 1.0
	for f, w := range loadFaults {
		switch f {
		case faultserver.StallBody, faultserver.CloseConn:
		default:
			good -= w
		}
	}
	shed := loadFaults[faultserver.Shed503] + loadFaults[faultserver.Shed429]
	var repeat float64
	switch {
	case k.once:
	case k.idempotent:
		repeat = 1 - good - loadFaults[faultserver.PartialBody]
	default:
		repeat = shed
	}
	return good * (1 - math.Pow(repeat, float64(n))) / (1 - repeat), good
}
