package httpx_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
)

func BenchmarkTransportGET(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	defer srv.Close()

	for _, bc := range []struct {
		name string
		rt   func(next http.RoundTripper) http.RoundTripper
	}{
		{"bare", func(next http.RoundTripper) http.RoundTripper { return next }},
		{"NewTransport", func(next http.RoundTripper) http.RoundTripper { return httpx.NewTransport(next) }},
		{"standard", func(next http.RoundTripper) http.RoundTripper {
			return httpx.Standard(httpx.StandardConfig{Next: next})
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			inner := &http.Transport{MaxIdleConnsPerHost: 64}
			defer inner.CloseIdleConnections()
			client := &http.Client{Transport: bc.rt(inner)}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				resp, err := client.Get(srv.URL)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

// staticTransport answers every request with the same small response.
type staticTransport struct{}

func (staticTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
}

// BenchmarkTransportOverhead measures what the Transport itself costs per
// request, over an inner transport that does no I/O.
func BenchmarkTransportOverhead(b *testing.B) {
	pass := resilience.PolicyFunc[*http.Response](func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
		return next(ctx)
	})
	for _, bc := range []struct {
		name string
		rt   http.RoundTripper
	}{
		{"bare", staticTransport{}},
		{"no policies", httpx.NewTransport(staticTransport{})},
		{"one policy", httpx.NewTransport(staticTransport{}, pass)},
		{"standard", httpx.Standard(httpx.StandardConfig{Next: staticTransport{}})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req, _ := http.NewRequest(http.MethodGet, "http://example.test/", nil)
			b.ReportAllocs()
			for b.Loop() {
				resp, err := bc.rt.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
		})
	}
}
