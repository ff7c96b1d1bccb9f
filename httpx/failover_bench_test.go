package httpx_test

import (
	"net/http"
	"testing"

	"github.com/go-resilience/resilience/httpx"
)

// BenchmarkFailoverRoundTrip measures the failover's own cost per request
// over an in-memory transport: strategy pick, breaker, request clone and
// rewrite.
func BenchmarkFailoverRoundTrip(b *testing.B) {
	for _, s := range []httpx.Strategy{httpx.Ordered, httpx.RoundRobin, httpx.Weighted, httpx.LeastInFlight} {
		b.Run(s.String(), func(b *testing.B) {
			next := rtFuncFo(func(req *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: req}, nil
			})
			f := httpx.NewFailover(httpx.FailoverConfig{
				Endpoints: []httpx.Endpoint{{URL: "http://a:8080/v1", Weight: 3}, {URL: "http://b:8080/v1", Weight: 1}},
				Strategy:  s,
				Next:      next,
			})
			defer f.Close()
			req, _ := http.NewRequest(http.MethodGet, "http://svc/users/42?x=1", nil)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := f.RoundTrip(req)
					if err != nil {
						b.Fatal(err)
					}
					resp.Body.Close()
				}
			})
		})
	}
}
