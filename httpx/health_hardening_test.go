package httpx_test

import (
	"context"
	"errors"
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

// bound is how long a test waits for something that should happen at
// once, so that a regression fails instead of hanging.
const bound = 10 * time.Second

// receive returns the next value from c, failing the test after bound.
func receive[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(bound):
		t.Fatalf("no %s within %v", what, bound)
		panic("unreachable")
	}
}

// resultsByEndpoint collects the OnCheck results of one round of n checks.
func resultsByEndpoint(t *testing.T, c <-chan httpx.HealthResult, n int) map[string]httpx.HealthResult {
	t.Helper()
	got := map[string]httpx.HealthResult{}
	for range n {
		r := receive(t, c, "health result")
		got[r.Endpoint] = r
	}
	return got
}

func TestHealthCheckOfANilBodyOrANilResponseDoesNotCrashTheProcess(t *testing.T) {
	if inParent(t) {
		return
	}
	next := rtFuncFo(func(req *http.Request) (*http.Response, error) {
		switch req.URL.Host {
		case "nil-body":
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Request: req}, nil
		case "nil-body-500":
			return &http.Response{StatusCode: http.StatusInternalServerError, Header: http.Header{}, Request: req}, nil
		}
		return nil, nil // neither a response nor an error
	})
	results := make(chan httpx.HealthResult, 3)
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: foEndpoints("http://nil-body", "http://nil-body-500", "http://nil-response"),
		Next:      next,
		HealthCheck: httpx.HealthCheck{
			Interval: time.Hour, Path: "/healthz",
			OnCheck: func(r httpx.HealthResult) { results <- r },
		},
		Clock: clock.NewMock(),
	})

	got := resultsByEndpoint(t, results, 3) // the first round runs at once, on the checker goroutine
	assert.NoError(t, got["http://nil-body"].Err, "a 200 without a body is a 200, as for requests")
	assert.EqualError(t, got["http://nil-body-500"].Err, "httpx: health check of http://nil-body-500/healthz: status 500, want 2xx")
	assert.EqualError(t, got["http://nil-response"].Err, "httpx: health check of http://nil-response/healthz: httpx: RoundTripper returned a nil *Response and a nil error")
	assert.False(t, got["http://nil-response"].Healthy)
	require.NoError(t, f.Close())
}

func TestHealthCheckOnTheCheckerRecoversAPanicOfNextAsAFailedCheck(t *testing.T) {
	if inParent(t) {
		return
	}
	bug := errors.New("checker bug")
	next := rtFuncFo(func(req *http.Request) (*http.Response, error) {
		if req.URL.Host == "a" {
			panic(bug)
		}
		return foStatus(req, http.StatusOK, "ok"), nil
	})
	results := make(chan httpx.HealthResult, 2)
	failures := make(chan resilience.Event, 2)
	f := newFailover(t, httpx.FailoverConfig{
		Name:      "svc",
		Endpoints: foEndpoints("http://a", "http://b"),
		Next:      next,
		HealthCheck: httpx.HealthCheck{
			Interval: time.Hour, Path: "/healthz", UnhealthyAfter: 2,
			OnCheck: func(r httpx.HealthResult) { results <- r },
		},
		Observer: resilience.ObserverFunc(func(ctx context.Context, e resilience.Event) {
			if e.Kind == resilience.EventFailure {
				failures <- e
			}
		}),
		Clock: clock.NewMock(),
	})

	e := receive(t, failures, "failure event")
	assert.Equal(t, "svc http://a", e.Name, "the observer hears of the panic even when health does not change")
	assert.ErrorIs(t, e.Err, bug)
	got := resultsByEndpoint(t, results, 2)
	a := got["http://a"]
	require.Error(t, a.Err, "a panicking check failed")
	var pe *httpx.PanicError
	require.ErrorAs(t, a.Err, &pe)
	assert.Equal(t, bug, pe.Value, "the panic value, unchanged")
	assert.ErrorIs(t, a.Err, bug, "an error panicked with is reachable")
	assert.NotEmpty(t, pe.Stack)
	assert.True(t, a.Healthy, "one failed check of the 2 UnhealthyAfter needs")
	assert.False(t, a.Changed)
	assert.NoError(t, got["http://b"].Err)
	assert.True(t, f.Metrics()[0].Healthy)
}

func TestHealthCheckOnTheCheckerRecoversAPanicOfOnCheckOrTheObserverAndGoesOn(t *testing.T) {
	if inParent(t) {
		return
	}
	mock := clock.NewMock()
	events := make(chan resilience.Event, 16)
	var observed atomic.Int32
	obs := resilience.ObserverFunc(func(ctx context.Context, e resilience.Event) {
		events <- e
		if e.Kind == resilience.EventStateChange && observed.Add(1) == 1 {
			panic("observer bug")
		}
	})
	stub := newHealthStub()
	stub.set("a", http.StatusServiceUnavailable)
	var calls atomic.Int32
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: foEndpoints("http://a"),
		Next:      stub,
		Observer:  obs,
		HealthCheck: httpx.HealthCheck{
			Interval: time.Minute, Path: "/healthz",
			OnCheck: func(r httpx.HealthResult) {
				calls.Add(1)
				panic("OnCheck bug")
			},
		},
		Clock: mock,
	})

	e := receive(t, events, "OnCheck panic event")
	assert.Equal(t, resilience.EventFailure, e.Kind, "a panic of OnCheck is reported")
	var pe *httpx.PanicError
	require.ErrorAs(t, e.Err, &pe)
	assert.Equal(t, "OnCheck bug", pe.Value)
	e = receive(t, events, "state change")
	assert.Equal(t, resilience.EventStateChange, e.Kind, "then the observer sees the change, and panics")

	stub.set("a", http.StatusOK)
	mock.Add(time.Minute) // the checker survived: the next round runs
	e = receive(t, events, "OnCheck panic event of round 2")
	assert.Equal(t, resilience.EventFailure, e.Kind)
	e = receive(t, events, "state change of round 2")
	assert.Equal(t, "healthy", e.To)
	assert.EqualValues(t, 2, calls.Load())
	assert.True(t, f.Metrics()[0].Healthy)
}

func TestCheckHealthCalledDirectlyPropagatesAPanicOfNextToItsCaller(t *testing.T) {
	if inParent(t) {
		return
	}
	var broken atomic.Bool
	broken.Store(true)
	stub := newHealthStub()
	next := rtFuncFo(func(req *http.Request) (*http.Response, error) {
		if broken.Load() && req.URL.Host == "b" {
			panic("checker bug")
		}
		return stub.RoundTrip(req)
	})
	var calls atomic.Int32
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: foEndpoints("http://a", "http://b"),
		Next:      next,
		HealthCheck: httpx.HealthCheck{
			Path:    "/healthz",
			OnCheck: func(httpx.HealthResult) { calls.Add(1) },
		},
	})
	stub.set("a", http.StatusServiceUnavailable)

	assert.PanicsWithValue(t, "checker bug", func() { f.CheckHealth(context.Background()) }, "the panic reaches the caller unchanged")
	assert.True(t, f.Metrics()[0].Healthy, "a round a panic cut short changes nothing")
	assert.Zero(t, calls.Load())

	broken.Store(false)
	f.CheckHealth(context.Background()) // the round's lock was released
	assert.False(t, f.Metrics()[0].Healthy)
	assert.EqualValues(t, 2, calls.Load())
}

func TestCheckHealthCalledDirectlyPropagatesAPanicOfOnCheckToItsCaller(t *testing.T) {
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: foEndpoints("http://a"),
		Next:      newHealthStub(),
		HealthCheck: httpx.HealthCheck{
			OnCheck: func(httpx.HealthResult) { panic("OnCheck bug") },
		},
	})
	assert.PanicsWithValue(t, "OnCheck bug", func() { f.CheckHealth(context.Background()) })
	assert.PanicsWithValue(t, "OnCheck bug", func() { f.CheckHealth(context.Background()) }, "and again: nothing stayed locked")
}

// closeAsync calls f.Close on a goroutine of its own and reports whether it
// returned within bound.
func closeAsync(f *httpx.Failover) bool {
	done := make(chan struct{})
	go func() {
		f.Close()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(bound):
		return false
	}
}

func TestCloseCalledFromOnCheckReturnsAndTheCheckerStopsAfterTheCallback(t *testing.T) {
	var fo atomic.Pointer[httpx.Failover]
	ready, closed := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	f := httpx.NewFailover(httpx.FailoverConfig{
		Endpoints: foEndpoints("http://a", "http://b"),
		Next:      newHealthStub(),
		HealthCheck: httpx.HealthCheck{
			Interval: time.Hour,
			OnCheck: func(httpx.HealthResult) {
				if calls.Add(1) == 1 {
					<-ready
					fo.Load().Close()
					close(closed)
				}
			},
		},
		Clock: clock.NewMock(),
	})
	fo.Store(f)
	close(ready)

	receive(t, closed, "return of Close called from OnCheck")
	require.True(t, closeAsync(f), "Close from the test returns once the checker has stopped")
	assert.EqualValues(t, 1, calls.Load(), "no callback after the one that closed")
}

func TestCloseCalledFromNextDuringABackgroundCheckReturns(t *testing.T) {
	var fo atomic.Pointer[httpx.Failover]
	ready, closed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	next := rtFuncFo(func(req *http.Request) (*http.Response, error) {
		once.Do(func() {
			<-ready
			fo.Load().Close()
			close(closed)
		})
		return foStatus(req, http.StatusOK, "ok"), nil
	})
	f := httpx.NewFailover(httpx.FailoverConfig{
		Endpoints:   foEndpoints("http://a"),
		Next:        next,
		HealthCheck: httpx.HealthCheck{Interval: time.Hour},
		Clock:       clock.NewMock(),
	})
	fo.Store(f)
	close(ready)

	receive(t, closed, "return of Close called from a health check")
	require.True(t, closeAsync(f), "Close from the test returns once the checker has stopped")
}
