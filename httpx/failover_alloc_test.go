//go:build !race

// Allocation guards, run in the non-race pass (the race detector changes
// allocation counts).

package httpx_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience/httpx"
)

// A request through a Failover costs the request copy (the request with
// its URL, and its header map), the joined path, the attempt's context and the run state; the
// strategy pick and the breaker add nothing.
func TestFailoverAllocations(t *testing.T) {
	next := rtFuncFo(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: req}, nil
	})
	for _, s := range []httpx.Strategy{httpx.Ordered, httpx.RoundRobin, httpx.Weighted, httpx.LeastInFlight} {
		f := newFailover(t, httpx.FailoverConfig{
			Endpoints: []httpx.Endpoint{{URL: "http://a/v1"}, {URL: "http://b/v1"}},
			Strategy:  s,
			Next:      next,
		})
		req, _ := http.NewRequest(http.MethodGet, "http://svc/users", nil)
		allocs := testing.AllocsPerRun(100, func() {
			resp, err := f.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		})
		t.Logf("%v: %v allocs per request (the stub's response included)", s, allocs)
		assert.LessOrEqual(t, allocs, 6.0, "%v", s)
	}
}
