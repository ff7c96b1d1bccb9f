package httpx_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
)

// healthStub answers health checks (path /healthz) of each host with the
// status in codes[host] and any other request with 200 and the host.
type healthStub struct {
	mu     sync.Mutex // guards codes and checks
	codes  map[string]int
	checks []string // method and URL of each check
}

func newHealthStub() *healthStub { return &healthStub{codes: map[string]int{}} }

func (h *healthStub) set(host string, code int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.codes[host] = code
}

func (h *healthStub) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path != "/healthz" && req.URL.Path != "/base/healthz" {
		return foOK(req)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks = append(h.checks, req.Method+" "+req.URL.String())
	code, ok := h.codes[req.URL.Host]
	if !ok {
		code = http.StatusOK
	}
	return foStatus(req, code, "health"), nil
}

func TestHealthCheckSkipsUnhealthyAndRecovers(t *testing.T) {
	stub := newHealthStub()
	var results []httpx.HealthResult
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: foEndpoints("http://a", "http://b"),
		Next:      stub,
		HealthCheck: httpx.HealthCheck{
			Path:    "/healthz",
			OnCheck: func(r httpx.HealthResult) { results = append(results, r) },
		},
	})
	ctx := context.Background()

	stub.set("a", http.StatusInternalServerError)
	f.CheckHealth(ctx)
	require.Len(t, results, 2)
	assert.Equal(t, "http://a", results[0].Endpoint)
	assert.False(t, results[0].Healthy)
	assert.True(t, results[0].Changed)
	assert.EqualError(t, results[0].Err, "httpx: health check of http://a/healthz: status 500, want 2xx")
	assert.True(t, results[1].Healthy)
	assert.False(t, results[1].Changed)
	assert.NoError(t, results[1].Err)
	assert.False(t, f.Metrics()[0].Healthy)

	_, body := foGet(t, f, "/")
	assert.Equal(t, "b", body, "the unhealthy primary is skipped")

	stub.set("a", http.StatusOK)
	f.CheckHealth(ctx)
	assert.True(t, f.Metrics()[0].Healthy)
	_, body = foGet(t, f, "/")
	assert.Equal(t, "a", body, "the primary is used again once its check passes")
}

func TestHealthCheckStreaks(t *testing.T) {
	stub := newHealthStub()
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints:   foEndpoints("http://a", "http://b"),
		Next:        stub,
		HealthCheck: httpx.HealthCheck{Path: "/healthz", UnhealthyAfter: 2, HealthyAfter: 3},
	})
	ctx := context.Background()
	healthy := func() bool { return f.Metrics()[0].Healthy }

	stub.set("a", http.StatusServiceUnavailable)
	f.CheckHealth(ctx)
	assert.True(t, healthy(), "one failed check of 2 needed")
	stub.set("a", http.StatusOK)
	f.CheckHealth(ctx)
	stub.set("a", http.StatusServiceUnavailable)
	f.CheckHealth(ctx)
	assert.True(t, healthy(), "a pass resets the failure streak")
	f.CheckHealth(ctx)
	assert.False(t, healthy(), "two failed checks in a row")

	stub.set("a", http.StatusOK)
	for i := range 2 {
		f.CheckHealth(ctx)
		assert.False(t, healthy(), "pass %d of 3 needed", i+1)
	}
	f.CheckHealth(ctx)
	assert.True(t, healthy(), "three passes in a row")
}

func TestHealthCheckAllUnhealthyIgnoresHealth(t *testing.T) {
	stub := newHealthStub()
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints:   foEndpoints("http://a", "http://b"),
		Next:        stub,
		HealthCheck: httpx.HealthCheck{Path: "/healthz"},
	})
	stub.set("a", 500)
	stub.set("b", 500)
	f.CheckHealth(context.Background())
	_, body := foGet(t, f, "/")
	assert.Equal(t, "a", body, "with no healthy endpoint, health is ignored rather than failing every request")

	stub.set("b", 200)
	f.CheckHealth(context.Background())
	_, body = foGet(t, f, "/")
	assert.Equal(t, "b", body)
}

func TestHealthCheckRequest(t *testing.T) {
	stub := newHealthStub()
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: foEndpoints("http://a/base?tenant=1", "http://b"),
		Next:      stub,
		HealthCheck: httpx.HealthCheck{
			Path: "healthz?full=1", Method: http.MethodHead, ExpectStatus: http.StatusNoContent,
		},
	})
	stub.set("a", http.StatusNoContent)
	f.CheckHealth(context.Background())
	assert.ElementsMatch(t, []string{"HEAD http://a/base/healthz?tenant=1&full=1", "HEAD http://b/healthz?full=1"}, stub.checks)
	m := f.Metrics()
	assert.True(t, m[0].Healthy)
	assert.False(t, m[1].Healthy, "200 is not the expected 204")
}

func TestHealthCheckTimeoutOnClock(t *testing.T) {
	mock := clock.NewMock()
	parked := make(chan struct{})
	hang := rtFuncFo(func(req *http.Request) (*http.Response, error) {
		parked <- struct{}{}
		<-req.Context().Done()
		return nil, req.Context().Err()
	})
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints:   foEndpoints("http://a"),
		Next:        hang,
		HealthCheck: httpx.HealthCheck{Timeout: 2 * time.Second},
		Clock:       mock,
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.CheckHealth(context.Background())
	}()
	<-parked
	mock.Add(time.Second)
	select {
	case <-done:
		t.Fatal("the check ended before its timeout")
	default:
	}
	mock.Add(time.Second)
	<-done
	assert.False(t, f.Metrics()[0].Healthy, "a check that times out fails")
}

func TestHealthCheckCancelledRoundChangesNothing(t *testing.T) {
	parked := make(chan struct{})
	hang := rtFuncFo(func(req *http.Request) (*http.Response, error) {
		close(parked)
		<-req.Context().Done()
		return nil, req.Context().Err()
	})
	var checked atomic.Int32
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints:   foEndpoints("http://a"),
		Next:        hang,
		HealthCheck: httpx.HealthCheck{OnCheck: func(httpx.HealthResult) { checked.Add(1) }},
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-parked
		cancel()
	}()
	f.CheckHealth(ctx)
	assert.True(t, f.Metrics()[0].Healthy)
	assert.EqualValues(t, 0, checked.Load())
}

func TestHealthChecksRunOnTheClockUntilClose(t *testing.T) {
	mock := clock.NewMock()
	stub := newHealthStub()
	results := make(chan httpx.HealthResult, 8)
	f := httpx.NewFailover(httpx.FailoverConfig{
		Endpoints: foEndpoints("http://a"),
		Next:      stub,
		HealthCheck: httpx.HealthCheck{
			Interval: 5 * time.Second, Path: "/healthz",
			OnCheck: func(r httpx.HealthResult) { results <- r },
		},
		Clock: mock,
	})

	r := <-results // the first round runs at once
	assert.True(t, r.Healthy)
	stub.set("a", http.StatusBadGateway)
	mock.Add(5 * time.Second)
	r = <-results
	assert.False(t, r.Healthy, "the round after one Interval")
	assert.True(t, r.Changed)

	require.NoError(t, f.Close())
	require.NoError(t, f.Close(), "Close twice")
	mock.Add(time.Minute)
	select {
	case r := <-results:
		t.Fatalf("a check ran after Close: %+v", r)
	default:
	}
	// goleak (TestMain) proves the goroutine is gone.
}

func TestHealthCloseStopsCheckInProgress(t *testing.T) {
	parked := make(chan struct{})
	var once sync.Once
	hang := rtFuncFo(func(req *http.Request) (*http.Response, error) {
		once.Do(func() { close(parked) })
		<-req.Context().Done()
		return nil, req.Context().Err()
	})
	f := httpx.NewFailover(httpx.FailoverConfig{
		Endpoints:   foEndpoints("http://a", "http://b"),
		Next:        hang,
		HealthCheck: httpx.HealthCheck{Interval: time.Hour},
	})
	<-parked
	require.NoError(t, f.Close())
	assert.True(t, f.Metrics()[0].Healthy, "a check cut short by Close says nothing about the endpoint")
}

func TestHealthEvents(t *testing.T) {
	var events []resilience.Event
	obs := resilience.ObserverFunc(func(ctx context.Context, e resilience.Event) { events = append(events, e) })
	stub := newHealthStub()
	f := newFailover(t, httpx.FailoverConfig{
		Name: "users", Endpoints: foEndpoints("http://a"), Next: stub, Observer: obs,
		HealthCheck: httpx.HealthCheck{Path: "/healthz"},
	})
	stub.set("a", 500)
	f.CheckHealth(context.Background())
	stub.set("a", 200)
	f.CheckHealth(context.Background())
	f.CheckHealth(context.Background())
	require.Len(t, events, 2, "one event per change")
	assert.Equal(t, resilience.EventStateChange, events[0].Kind)
	assert.Equal(t, "users http://a", events[0].Name)
	assert.Equal(t, [2]string{"healthy", "unhealthy"}, [2]string{events[0].From, events[0].To})
	assert.Error(t, events[0].Err)
	assert.Equal(t, [2]string{"unhealthy", "healthy"}, [2]string{events[1].From, events[1].To})
}

func TestHealthCheckTransportError(t *testing.T) {
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: foEndpoints(foRefusing(t)),
		Next:      newFoTransport(t),
	})
	f.CheckHealth(context.Background())
	assert.False(t, f.Metrics()[0].Healthy)
}

type rtFuncFo func(*http.Request) (*http.Response, error)

func (f rtFuncFo) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
