package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/ratelimit"
)

// BenchmarkMiddleware measures the middleware's own cost per admitted
// request, in memory, bare and with every feature on.
func BenchmarkMiddleware(b *testing.B) {
	configs := map[string]httpx.ServerConfig{
		"bare": {},
		"all": {
			RateLimit:     ratelimit.Config{Rate: 1_000_000_000, Burst: 1 << 20},
			MaxConcurrent: 1 << 20,
			Timeout:       time.Minute,
		},
	}
	for name, cfg := range configs {
		b.Run(name, func(b *testing.B) {
			mw := httpx.Middleware(cfg)
			h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
