package benchmarks

import (
	"context"
	"net/http"
	"net/http/httptest"
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
		t := NewBase(4)
		defer t.CloseIdleConnections()
		get(b, &http.Client{Transport: t}, getOnce)
	})
	b.Run("bare-cancellable", func(b *testing.B) {
		t := NewBase(4)
		defer t.CloseIdleConnections()
		get(b, &http.Client{Transport: t}, getCancellable)
	})
	b.Run("resilience", func(b *testing.B) {
		t := NewBase(4)
		defer t.CloseIdleConnections()
		get(b, &http.Client{Transport: httpx.Standard(httpx.StandardConfig{Next: t})}, getOnce)
	})
	b.Run("resilience-cancellable", func(b *testing.B) {
		t := NewBase(4)
		defer t.CloseIdleConnections()
		get(b, &http.Client{Transport: httpx.Standard(httpx.StandardConfig{Next: t})}, getCancellable)
	})
	// The standard stack's retry alone, and a Transport without policies:
	// where the stack's cost comes from (docs/benchmarks.md).
	b.Run("resilience-retry", func(b *testing.B) {
		t := NewBase(4)
		defer t.CloseIdleConnections()
		get(b, &http.Client{Transport: RetryOnly(t)}, getOnce)
	})
	b.Run("resilience-no-policies", func(b *testing.B) {
		t := NewBase(4)
		defer t.CloseIdleConnections()
		get(b, &http.Client{Transport: httpx.NewTransport(t)}, getOnce)
	})
	b.Run("failsafe-go", func(b *testing.B) {
		t := NewBase(4)
		defer t.CloseIdleConnections()
		rt := failsafehttp.NewRoundTripper(t,
			fstimeout.New[*http.Response](30*time.Second),
			failsafehttp.NewRetryPolicyBuilder().WithMaxAttempts(3).Build(),
			fsbreaker.NewBuilder[*http.Response]().WithFailureRateThreshold(0.5, 20, 30*time.Second).Build(),
			fstimeout.New[*http.Response](10*time.Second))
		get(b, &http.Client{Transport: rt}, getOnce)
	})
	b.Run("go-retryablehttp", func(b *testing.B) {
		t := NewBase(4)
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
		t := NewBase(64)
		defer t.CloseIdleConnections()
		run(b, t, getOnce)
	})
	b.Run("bare-cancellable", func(b *testing.B) {
		t := NewBase(64)
		defer t.CloseIdleConnections()
		run(b, t, getCancellable)
	})
	b.Run("resilience", func(b *testing.B) {
		t := NewBase(64)
		defer t.CloseIdleConnections()
		run(b, httpx.Standard(httpx.StandardConfig{Next: t}), getOnce)
	})
	b.Run("resilience-cancellable", func(b *testing.B) {
		t := NewBase(64)
		defer t.CloseIdleConnections()
		run(b, httpx.Standard(httpx.StandardConfig{Next: t}), getCancellable)
	})
}

// cpuTime is CPUTime, failing b if it cannot be read.
func cpuTime(b *testing.B) time.Duration {
	d, err := CPUTime()
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// newServer starts NewServer's loopback server, closed when b ends.
func newServer(b *testing.B) *httptest.Server {
	srv := NewServer()
	b.Cleanup(srv.Close)
	return srv
}

// getOnce is Get on context.Background(). It is safe to call from
// b.RunParallel's goroutines.
func getOnce(b *testing.B, c *http.Client, url string) {
	if err := Get(context.Background(), c, url); err != nil {
		b.Error(err)
	}
}

// getCancellable is GetCancellable: the baseline of the
// resilience-cancellable rows.
func getCancellable(b *testing.B, c *http.Client, url string) {
	if err := GetCancellable(c, url); err != nil {
		b.Error(err)
	}
}
