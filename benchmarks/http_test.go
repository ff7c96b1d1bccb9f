package benchmarks

import (
	"io"
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
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()

	get := func(b *testing.B, c *http.Client) {
		b.ReportAllocs()
		for b.Loop() {
			resp, err := c.Get(srv.URL)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	newBase := func() *http.Transport {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 4
		return t
	}

	b.Run("bare", func(b *testing.B) {
		t := newBase()
		defer t.CloseIdleConnections()
		get(b, &http.Client{Transport: t})
	})
	b.Run("resilience", func(b *testing.B) {
		t := newBase()
		defer t.CloseIdleConnections()
		get(b, &http.Client{Transport: httpx.Standard(httpx.StandardConfig{Next: t})})
	})
	b.Run("failsafe-go", func(b *testing.B) {
		t := newBase()
		defer t.CloseIdleConnections()
		rt := failsafehttp.NewRoundTripper(t,
			fstimeout.New[*http.Response](30*time.Second),
			failsafehttp.NewRetryPolicyBuilder().WithMaxAttempts(3).Build(),
			fsbreaker.NewBuilder[*http.Response]().WithFailureRateThreshold(0.5, 20, 30*time.Second).Build(),
			fstimeout.New[*http.Response](10*time.Second))
		get(b, &http.Client{Transport: rt})
	})
	b.Run("go-retryablehttp", func(b *testing.B) {
		t := newBase()
		defer t.CloseIdleConnections()
		c := retryablehttp.NewClient()
		c.HTTPClient = &http.Client{Transport: t, Timeout: 30 * time.Second}
		c.RetryMax = 2
		c.Logger = nil
		get(b, c.StandardClient())
	})
}

// HTTPGetParallel is HTTPGet from many goroutines at once: requests per
// second with both cores busy, where what each client adds shows as CPU
// rather than as latency on one request's critical path.
func BenchmarkHTTPGetParallel(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()

	run := func(b *testing.B, c *http.Client) {
		b.ReportAllocs()
		b.SetParallelism(4) // 4 × GOMAXPROCS clients
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				resp, err := c.Get(srv.URL)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	newBase := func() *http.Transport {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		return t
	}
	b.Run("bare", func(b *testing.B) {
		t := newBase()
		defer t.CloseIdleConnections()
		run(b, &http.Client{Transport: t})
	})
	b.Run("resilience", func(b *testing.B) {
		t := newBase()
		defer t.CloseIdleConnections()
		run(b, &http.Client{Transport: httpx.Standard(httpx.StandardConfig{Next: t})})
	})
}
