package benchmarks

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	fsbreaker "github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/failsafehttp"
	fstimeout "github.com/failsafe-go/failsafe-go/timeout"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/go-resilience/resilience/httpx"
)

// HTTPGet is one GET of a small body over a keep-alive loopback
// connection: the cost each client adds to a request.
func BenchmarkHTTPGet(b *testing.B) {
	srv := newServer(b)
	get := func(b *testing.B, c *http.Client, fetch func(*testing.B, *http.Client, string)) {
		b.ReportAllocs()
		for b.Loop() {
			fetch(b, c, srv.URL)
		}
	}
	b.Run("bare", func(b *testing.B) {
		t := newBase(4)
		defer t.CloseIdleConnections()
		get(b, &http.Client{Transport: t}, getOnce)
	})
	b.Run("bare-cancellable", func(b *testing.B) {
		t := newBase(4)
		defer t.CloseIdleConnections()
		get(b, &http.Client{Transport: t}, getCancellable)
	})
	b.Run("resilience", func(b *testing.B) {
		t := newBase(4)
		defer t.CloseIdleConnections()
		get(b, &http.Client{Transport: httpx.Standard(httpx.StandardConfig{Next: t})}, getOnce)
	})
	b.Run("resilience-cancellable", func(b *testing.B) {
		t := newBase(4)
		defer t.CloseIdleConnections()
		get(b, &http.Client{Transport: httpx.Standard(httpx.StandardConfig{Next: t})}, getCancellable)
	})
	// The standard stack's retry alone, and a Transport without policies:
	// where the stack's cost comes from (docs/benchmarks.md).
	b.Run("resilience-retry", func(b *testing.B) {
		t := newBase(4)
		defer t.CloseIdleConnections()
		cfg := httpx.StandardConfig{Next: t, TotalTimeout: -1, AttemptTimeout: -1, NoBreaker: true, NoBudget: true}
		get(b, &http.Client{Transport: httpx.Standard(cfg)}, getOnce)
	})
	b.Run("resilience-no-policies", func(b *testing.B) {
		t := newBase(4)
		defer t.CloseIdleConnections()
		get(b, &http.Client{Transport: httpx.NewTransport(t)}, getOnce)
	})
	b.Run("failsafe-go", func(b *testing.B) {
		t := newBase(4)
		defer t.CloseIdleConnections()
		rt := failsafehttp.NewRoundTripper(t,
			fstimeout.New[*http.Response](30*time.Second),
			failsafehttp.NewRetryPolicyBuilder().WithMaxAttempts(3).Build(),
			fsbreaker.NewBuilder[*http.Response]().WithFailureRateThreshold(0.5, 20, 30*time.Second).Build(),
			fstimeout.New[*http.Response](10*time.Second))
		get(b, &http.Client{Transport: rt}, getOnce)
	})
	b.Run("go-retryablehttp", func(b *testing.B) {
		t := newBase(4)
		defer t.CloseIdleConnections()
		c := retryablehttp.NewClient()
		c.HTTPClient = &http.Client{Transport: t, Timeout: 30 * time.Second}
		c.RetryMax = 2
		c.Logger = nil
		get(b, c.StandardClient(), getOnce)
	})
}

// HTTPGetParallel is HTTPGet from many goroutines at once: requests per
// second with both cores busy, where what each client adds shows as CPU
// rather than as latency on one request's critical path.
func BenchmarkHTTPGetParallel(b *testing.B) {
	srv := newServer(b)
	run := func(b *testing.B, rt http.RoundTripper, get func(*testing.B, *http.Client, string)) {
		c := &http.Client{Transport: rt}
		b.ReportAllocs()
		b.SetParallelism(4) // 4 × GOMAXPROCS clients
		cpu := cpuTime(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				get(b, c, srv.URL)
			}
		})
		b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
	}
	b.Run("bare", func(b *testing.B) {
		t := newBase(64)
		defer t.CloseIdleConnections()
		run(b, t, getOnce)
	})
	b.Run("bare-cancellable", func(b *testing.B) {
		t := newBase(64)
		defer t.CloseIdleConnections()
		run(b, t, getCancellable)
	})
	b.Run("resilience", func(b *testing.B) {
		t := newBase(64)
		defer t.CloseIdleConnections()
		run(b, httpx.Standard(httpx.StandardConfig{Next: t}), getOnce)
	})
	b.Run("resilience-cancellable", func(b *testing.B) {
		t := newBase(64)
		defer t.CloseIdleConnections()
		run(b, httpx.Standard(httpx.StandardConfig{Next: t}), getCancellable)
	})
}

// cpuTime returns the CPU time the process has used so far, user and
// system, client and server: what a request costs on both cores whatever
// else this noisy machine is doing at the time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// newServer starts a loopback server answering a small JSON body, closed
// when b ends.
func newServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	b.Cleanup(srv.Close)
	return srv
}

// newBase returns a fresh copy of http.DefaultTransport keeping up to
// idle connections to the server.
func newBase(idle int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = idle
	return t
}

// getCancellable is getOnce with a request context that can be cancelled
// (and is, once the body is read): the least any client that can cut an
// attempt short costs, since net/http then links a context of its own to
// it per request. It is the floor under every resilient client's row, and
// what a request made in a server's handler (whose context can always be
// cancelled) costs bare: the baseline of the resilience-cancellable rows.
func getCancellable(b *testing.B, c *http.Client, url string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	getWith(ctx, b, c, url)
}

// getOnce GETs url, reads the body to its end and closes it. It is safe
// to call from b.RunParallel's goroutines.
func getOnce(b *testing.B, c *http.Client, url string) {
	getWith(context.Background(), b, c, url)
}

// getWith GETs url with ctx, reads the body to its end and closes it.
func getWith(ctx context.Context, b *testing.B, c *http.Client, url string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		b.Error(err)
		return
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}
