//go:build !race

// Allocation guards. The race detector makes sync.Pool drop items on
// purpose, so these run in the non-race pass.

package httpx_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
)

// TestTransportAllocations pins what the Transport allocates per request
// on the success path, beyond the inner transport's own allocations: the
// copy of the request (2: the request with its URL, and its header map;
// it must not mutate the caller's), and with policies the context that
// carries the discard hook (1), the body wrapper that holds the attempt
// and the request copy (1, instead of the copy's own) and the held context
// (2: the context and its cancel func). Policies that cannot cancel (here
// one that passes ctx on) cost the hold nothing more.
func TestTransportAllocations(t *testing.T) {
	pass := resilience.PolicyFunc[*http.Response](func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
		return next(ctx)
	})
	req, err := http.NewRequest(http.MethodGet, "http://example.test/", nil)
	if err != nil {
		t.Fatal(err)
	}
	measure := func(rt http.RoundTripper) float64 {
		return testing.AllocsPerRun(200, func() {
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		})
	}
	bare := measure(staticTransport{})
	for _, tt := range []struct {
		name string
		rt   http.RoundTripper
		max  float64
	}{
		{"no policies", httpx.NewTransport(staticTransport{}), 2},
		{"one policy", httpx.NewTransport(staticTransport{}, pass), 5},
		// Two timeouts' contexts, neither of which makes a
		// context.WithDeadlineCause: the hold times the attempt deadline
		// on a runtime timer (2: the timer and its func; a shared timer
		// heap once spared them, for about 0.25µs per request) until the
		// response arrives.
		{"standard", httpx.Standard(httpx.StandardConfig{Next: staticTransport{}}), 9},
	} {
		extra := measure(tt.rt) - bare
		t.Logf("%s: %v allocations per request beyond the inner transport's", tt.name, extra)
		if extra > tt.max {
			t.Errorf("%s: %v allocations per request beyond the inner transport's, want <= %v", tt.name, extra, tt.max)
		}
	}
}
