//go:build !race

package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/ratelimit"
)

// srvDiscard is a ResponseWriter that keeps nothing, so that only the
// middleware's allocations are counted.
type srvDiscard struct{ h http.Header }

func (d *srvDiscard) Header() http.Header         { return d.h }
func (d *srvDiscard) Write(p []byte) (int, error) { return len(p), nil }
func (d *srvDiscard) WriteHeader(int)             {}

func TestServerAllocations(t *testing.T) {
	tests := []struct {
		name string
		cfg  httpx.ServerConfig
		max  float64
	}{
		// The writer wrapper, which is also the call's state.
		{"bare", httpx.ServerConfig{}, 1},
		// The Func handed to the policies; the limiter and the bulkhead
		// add nothing on admission.
		{"limits", httpx.ServerConfig{RateLimit: ratelimit.Config{Rate: 1_000_000_000, Burst: 1 << 20}, MaxConcurrent: 1 << 20}, 2},
		// A deadline costs its context and timer, the watcher that answers
		// at the deadline, the handler's header map and request copy.
		{"timeout", httpx.ServerConfig{Timeout: time.Minute}, 13},
	}
	for _, tt := range tests {
		mw := httpx.Middleware(tt.cfg)
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		w := &srvDiscard{h: http.Header{}}
		allocs := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, req) })
		t.Logf("%s: %v allocs per request", tt.name, allocs)
		assert.LessOrEqual(t, allocs, tt.max, tt.name)
	}
}
