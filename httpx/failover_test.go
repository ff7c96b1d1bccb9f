package httpx_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/httpx"
)

func TestFailoverRewritesOntoEndpoint(t *testing.T) {
	var got atomic.Pointer[http.Request]
	srv := newFoServer(t, func(w http.ResponseWriter, r *http.Request) {
		got.Store(r)
		io.WriteString(w, "ok")
	})
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: []httpx.Endpoint{{URL: srv.URL + "/api/v1/?key=k"}},
		Next:      newFoTransport(t),
	})

	req, err := http.NewRequest(http.MethodGet, "http://users/users/42?x=1&y=2", nil)
	require.NoError(t, err)
	req.Header.Set("X-Trace", "abc")
	before := req.URL.String()
	resp, err := f.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, "ok", foReadClose(t, resp))

	r := got.Load()
	require.NotNil(t, r)
	assert.Equal(t, "/api/v1/users/42", r.URL.Path, "path prefix joined with the request's path")
	assert.Equal(t, "key=k&x=1&y=2", r.URL.RawQuery, "both queries kept")
	assert.Equal(t, strings.TrimPrefix(srv.URL, "http://"), r.Host, "Host follows the endpoint")
	assert.Equal(t, "abc", r.Header.Get("X-Trace"))
	assert.Equal(t, before, req.URL.String(), "the caller's request is not modified")
	assert.Equal(t, "users", req.Host)
}

func TestFailoverKeepsExplicitHostAndEscapedPath(t *testing.T) {
	stub := &foStub{answer: func(req *http.Request) (*http.Response, error) {
		return foStatus(req, http.StatusOK, req.Host+" "+req.URL.EscapedPath()), nil
	}}
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: foEndpoints("http://10.0.0.1:8080/a%2Fb"),
		Next:      stub,
	})
	req, err := http.NewRequest(http.MethodGet, "http://svc/files/x%2Fy", nil)
	require.NoError(t, err)
	req.Host = "virtual.example"
	resp, err := f.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, "virtual.example /a%2Fb/files/x%2Fy", foReadClose(t, resp))

	// A relative request URL works too: the endpoint gives scheme and host.
	rel := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "status"}, Header: http.Header{}}
	resp, err = f.RoundTrip(rel)
	require.NoError(t, err)
	assert.Equal(t, " /a%2Fb/status", foReadClose(t, resp))
}

func TestFailoverMovesOnFromRefusedPrimary(t *testing.T) {
	backup := newFoServer(t, foText(http.StatusOK, "backup"))
	var moved []string
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints:  foEndpoints(foRefusing(t), backup.URL),
		Next:       newFoTransport(t),
		OnFailover: func(endpoint string, err error) { moved = append(moved, endpoint) },
	})
	// Even a POST moves on: a refused connection proves it was never sent.
	req, err := http.NewRequest(http.MethodPost, "http://svc/orders", strings.NewReader("order"))
	require.NoError(t, err)
	resp, err := f.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, "backup", foReadClose(t, resp))
	assert.Len(t, moved, 1)
}

// The failover moves to the backup while the primary is down and back to
// the primary once its breaker lets a trial through and the trial passes.
func TestFailoverBackupWhilePrimaryDownAndBackOnRecovery(t *testing.T) {
	mock := clock.NewMock()
	var down atomic.Bool
	down.Store(true)
	primary := newFoServer(t, func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "primary")
	})
	backup := newFoServer(t, foText(http.StatusOK, "backup"))
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: foEndpoints(primary.URL, backup.URL),
		Next:      newFoTransport(t),
		Breaker:   circuitbreaker.Config[*http.Response]{ConsecutiveFailures: 2, OpenDelay: 10 * time.Second},
		Clock:     mock,
	})

	for i := range 2 {
		_, body := foGet(t, f, "/")
		require.Equal(t, "backup", body, "request %d while the primary fails", i+1)
	}
	require.Equal(t, circuitbreaker.Open, f.Metrics()[0].Breaker.State)
	_, body := foGet(t, f, "/")
	require.Equal(t, "backup", body)
	require.EqualValues(t, 2, primary.hits.Load(), "an open primary is skipped without a request")

	down.Store(false)
	mock.Add(10 * time.Second)
	require.Equal(t, circuitbreaker.HalfOpen, f.Metrics()[0].Breaker.State)
	_, body = foGet(t, f, "/")
	require.Equal(t, "primary", body, "the half-open trial goes to the primary")
	require.Equal(t, circuitbreaker.Closed, f.Metrics()[0].Breaker.State)
	_, body = foGet(t, f, "/")
	require.Equal(t, "primary", body)
	assert.EqualValues(t, 3, backup.hits.Load())
}

func TestFailoverIdempotencyRule(t *testing.T) {
	tests := []struct {
		name   string
		method string
		header string // Idempotency-Key when set
		answer func(w http.ResponseWriter, r *http.Request)
		all    bool // RetryAll
		moved  bool
	}{
		{"GET after 500", http.MethodGet, "", foText(500, "x"), false, true},
		{"POST after 500", http.MethodPost, "", foText(500, "x"), false, false},
		{"POST after bare 503", http.MethodPost, "", foText(503, "x"), false, false},
		{"POST after 429", http.MethodPost, "", foText(429, "x"), false, true},
		{"POST after 503 with Retry-After", http.MethodPost, "", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(503)
		}, false, true},
		{"POST with Idempotency-Key after 500", http.MethodPost, "k1", foText(500, "x"), false, true},
		{"POST with RetryAll after 500", http.MethodPost, "", foText(500, "x"), true, true},
		{"PUT after 502", http.MethodPut, "", foText(502, "x"), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := newFoServer(t, tt.answer)
			second := newFoServer(t, foText(http.StatusOK, "second"))
			f := newFailover(t, httpx.FailoverConfig{
				Endpoints: foEndpoints(first.URL, second.URL),
				Next:      newFoTransport(t),
				RetryAll:  tt.all,
			})
			req, err := http.NewRequest(tt.method, "http://svc/", strings.NewReader("payload"))
			require.NoError(t, err)
			if tt.header != "" {
				req.Header.Set("Idempotency-Key", tt.header)
			}
			resp, err := f.RoundTrip(req)
			require.NoError(t, err)
			foReadClose(t, resp)
			assert.Equal(t, tt.moved, second.hits.Load() == 1, "moved to the second endpoint")
			if !tt.moved {
				assert.NotEqual(t, http.StatusOK, resp.StatusCode, "the failure response is returned as is")
			}
		})
	}
}

func TestFailoverReplaysBodyAndClosesEveryResponse(t *testing.T) {
	var bodies []string
	record := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			bodies = append(bodies, string(b))
			w.WriteHeader(code)
			io.WriteString(w, strings.Repeat("e", 1000))
		}
	}
	a := newFoServer(t, record(500))
	b := newFoServer(t, record(502))
	c := newFoServer(t, record(200))
	tr := newFoTransport(t)
	f := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints(a.URL, b.URL, c.URL), Next: tr})

	req, err := http.NewRequest(http.MethodPut, "http://svc/doc", bytes.NewReader([]byte("document")))
	require.NoError(t, err)
	resp, err := f.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	foReadClose(t, resp)
	assert.Equal(t, []string{"document", "document", "document"}, bodies)
	assert.EqualValues(t, 3, tr.responses.Load())
	assert.EqualValues(t, 3, tr.closed.Load(), "every response body closed, the failed ones before the next attempt")
}

func TestFailoverBodyWithoutGetBodyIsSentOnce(t *testing.T) {
	a := newFoServer(t, foText(500, "a failed"))
	b := newFoServer(t, foText(200, "b"))
	f := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints(a.URL, b.URL), Next: newFoTransport(t)})
	body := &foTrackedBody{Reader: strings.NewReader("stream")}
	req, err := http.NewRequest(http.MethodPut, "http://svc/", body)
	require.NoError(t, err)
	require.Nil(t, req.GetBody)
	resp, err := f.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, 500, resp.StatusCode)
	assert.Equal(t, "a failed", foReadClose(t, resp), "the failure response returned with its body")
	assert.EqualValues(t, 0, b.hits.Load())
	assert.True(t, body.closed.Load())
}

func TestFailoverAllFailReturnsLastResponse(t *testing.T) {
	a := newFoServer(t, foText(503, "a down"))
	b := newFoServer(t, foText(502, "b down"))
	tr := newFoTransport(t)
	f := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints(a.URL, b.URL), Next: tr})
	code, body := foGet(t, f, "/")
	assert.Equal(t, 502, code)
	assert.Equal(t, "b down", body, "the last failure response, body intact")
	assert.Equal(t, tr.responses.Load(), tr.closed.Load())
}

func TestFailoverKeepsEarlierResponseWhenLaterEndpointErrs(t *testing.T) {
	a := newFoServer(t, foText(503, "busy"))
	f := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints(a.URL, foRefusing(t)), Next: newFoTransport(t)})
	code, body := foGet(t, f, "/")
	assert.Equal(t, 503, code)
	assert.Equal(t, "busy", body, "buffered before the next attempt, still readable")
}

func TestFailoverAllErrorsJoined(t *testing.T) {
	first, second := foRefusing(t), foRefusing(t)
	f := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints(first, second), Next: newFoTransport(t)})
	req, err := http.NewRequest(http.MethodGet, "http://svc/", nil)
	require.NoError(t, err)
	resp, err := f.RoundTrip(req)
	require.Nil(t, resp)
	require.ErrorIs(t, err, httpx.ErrEndpointsFailed)
	require.ErrorIs(t, err, syscall.ECONNREFUSED, "each attempt's own error is reachable")
	var epErr *httpx.EndpointError
	require.ErrorAs(t, err, &epErr)
	assert.Equal(t, first, epErr.Endpoint)
	assert.Contains(t, err.Error(), first)
	assert.Contains(t, err.Error(), second)
}

func TestFailoverNonRepeatableTransportErrorStops(t *testing.T) {
	// A POST whose attempt timed out may have reached the server: neither
	// the next endpoint nor an earlier 429 (kept in memory) may hide that.
	stub := &foStub{}
	stub.answer = func(req *http.Request) (*http.Response, error) {
		switch len(stub.seen()) {
		case 1:
			return foStatus(req, 429, "slow down"), nil
		case 2:
			return nil, context.DeadlineExceeded
		}
		return foOK(req)
	}
	f := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints("http://a", "http://b", "http://c"), Next: stub})
	req, err := http.NewRequest(http.MethodPost, "http://svc/", nil)
	require.NoError(t, err)
	resp, err := f.RoundTrip(req)
	require.Nil(t, resp)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, []string{"a", "b"}, stub.seen())
}

func TestFailoverSkipsOpenBreakers(t *testing.T) {
	stub := &foStub{answer: func(req *http.Request) (*http.Response, error) {
		if req.URL.Host == "a" {
			return foStatus(req, 500, "a"), nil
		}
		return foOK(req)
	}}
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: foEndpoints("http://a", "http://b"),
		Next:      stub,
		Breaker:   circuitbreaker.Config[*http.Response]{ConsecutiveFailures: 1},
		Clock:     clock.NewMock(),
	})
	for range 3 {
		_, body := foGet(t, f, "/")
		require.Equal(t, "b", body)
	}
	assert.Equal(t, []string{"a", "b", "b", "b"}, stub.seen())
	m := f.Metrics()
	assert.EqualValues(t, 1, m[0].Attempts)
	assert.EqualValues(t, 1, m[0].Failures)
	assert.EqualValues(t, 3, m[1].Attempts)
}

func TestFailoverEveryBreakerOpen(t *testing.T) {
	stub := &foStub{answer: func(req *http.Request) (*http.Response, error) { return nil, errors.New("boom") }}
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: foEndpoints("http://a"),
		Next:      stub,
		Breaker:   circuitbreaker.Config[*http.Response]{ConsecutiveFailures: 1},
		Clock:     clock.NewMock(),
	})
	body := &foTrackedBody{Reader: strings.NewReader("x")}
	for i := range 2 {
		req, err := http.NewRequest(http.MethodPost, "http://svc/", body)
		require.NoError(t, err)
		_, err = f.RoundTrip(req)
		require.ErrorIs(t, err, httpx.ErrEndpointsFailed)
		if i == 1 {
			require.ErrorIs(t, err, circuitbreaker.ErrOpen)
			assert.True(t, body.closed.Load(), "the request body is closed though no attempt was sent")
		}
	}
	assert.Len(t, stub.seen(), 1)
}

func TestFailoverMaxAttempts(t *testing.T) {
	stub := &foStub{answer: func(req *http.Request) (*http.Response, error) { return foStatus(req, 503, req.URL.Host), nil }}
	f := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints("http://a", "http://b", "http://c"), Next: stub, MaxAttempts: 2})
	code, body := foGet(t, f, "/")
	assert.Equal(t, 503, code)
	assert.Equal(t, "b", body)
	assert.Equal(t, []string{"a", "b"}, stub.seen())
}

func TestFailoverCallerCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stub := &foStub{answer: func(req *http.Request) (*http.Response, error) {
		cancel()
		return nil, req.Context().Err()
	}}
	f := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints("http://a", "http://b"), Next: stub})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://svc/", nil)
	require.NoError(t, err)
	resp, err := f.RoundTrip(req)
	require.Nil(t, resp)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []string{"a"}, stub.seen(), "a cancelled request goes nowhere else")
	assert.Equal(t, circuitbreaker.Closed, f.Metrics()[0].Breaker.State)
}

func TestFailoverDeadlineStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stub := &foStub{answer: func(req *http.Request) (*http.Response, error) {
		cancel() // the caller gives up while the endpoint answers 503
		return foStatus(req, 503, "late"), nil
	}}
	f := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints("http://a", "http://b"), Next: stub})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://svc/", nil)
	require.NoError(t, err)
	resp, err := f.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, "late", foReadClose(t, resp))
	assert.Equal(t, []string{"a"}, stub.seen())
}

func TestFailoverStrategies(t *testing.T) {
	tests := []struct {
		name     string
		strategy httpx.Strategy
		weights  []int
		want     string
	}{
		{"ordered", httpx.Ordered, nil, "aaaaaaa"},
		{"round robin", httpx.RoundRobin, nil, "abcabca"},
		{"weighted 5 1 1 (smooth, as nginx)", httpx.Weighted, []int{5, 1, 1}, "aabacaa"},
		{"weighted 0 means 1", httpx.Weighted, []int{0, 1, 2}, "cabccab"},
		{"least in flight, all idle: round robin", httpx.LeastInFlight, nil, "abcabca"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &foStub{answer: foOK}
			eps := foEndpoints("http://a", "http://b", "http://c")
			for i, w := range tt.weights {
				eps[i].Weight = w
			}
			f := newFailover(t, httpx.FailoverConfig{Endpoints: eps, Strategy: tt.strategy, Next: stub})
			var got strings.Builder
			for range len(tt.want) {
				_, body := foGet(t, f, "/")
				got.WriteString(body)
			}
			assert.Equal(t, tt.want, got.String(), "%v picks", tt.strategy)
		})
	}
}

func TestFailoverWeightedAvoidsOpenEndpoints(t *testing.T) {
	stub := &foStub{answer: func(req *http.Request) (*http.Response, error) {
		if req.URL.Host == "a" {
			return nil, errors.New("a is broken")
		}
		return foOK(req)
	}}
	eps := []httpx.Endpoint{{URL: "http://a", Weight: 3}, {URL: "http://b", Weight: 1}, {URL: "http://c", Weight: 1}}
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: eps, Strategy: httpx.Weighted, Next: stub,
		Breaker: circuitbreaker.Config[*http.Response]{ConsecutiveFailures: 1},
		Clock:   clock.NewMock(),
	})
	var got strings.Builder
	for range 6 {
		_, body := foGet(t, f, "/")
		got.WriteString(body)
	}
	// The first request opens a's breaker and moves to b; from then on b and
	// c share the load evenly instead of b taking a's share too.
	assert.Equal(t, "bbcbcb", got.String())
}

func TestFailoverLeastInFlight(t *testing.T) {
	stub := &foStub{answer: foOK}
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: foEndpoints("http://a", "http://b", "http://c"),
		Strategy:  httpx.LeastInFlight,
		Next:      stub,
	})
	send := func() *http.Response {
		req, err := http.NewRequest(http.MethodGet, "http://svc/", nil)
		require.NoError(t, err)
		resp, err := f.RoundTrip(req)
		require.NoError(t, err)
		return resp
	}
	held := []*http.Response{send(), send(), send(), send()} // a b c, then a tie broken round robin: a
	var hosts []string
	for _, r := range held {
		hosts = append(hosts, r.Request.URL.Host)
	}
	assert.Equal(t, []string{"a", "b", "c", "a"}, hosts)
	assert.Equal(t, []int{2, 1, 1}, foInFlight(f))

	require.NoError(t, held[1].Body.Close()) // b is free
	assert.Equal(t, "b", send().Request.URL.Host, "the endpoint with the fewest in flight")
	_, err := io.ReadAll(held[2].Body) // reading to the end finishes it too
	require.NoError(t, err)
	assert.Equal(t, []int{2, 1, 0}, foInFlight(f))
	assert.Equal(t, "c", send().Request.URL.Host)
}

func foInFlight(f *httpx.Failover) []int {
	var n []int
	for _, m := range f.Metrics() {
		n = append(n, m.InFlight)
	}
	return n
}

func TestFailoverUpgradeKeepsWrite(t *testing.T) {
	conn := &foConn{}
	stub := &foStub{answer: func(req *http.Request) (*http.Response, error) {
		resp := foStatus(req, http.StatusSwitchingProtocols, "")
		resp.Body = conn
		return resp, nil
	}}
	f := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints("http://a"), Next: stub})
	req, err := http.NewRequest(http.MethodGet, "http://svc/ws", nil)
	require.NoError(t, err)
	resp, err := f.RoundTrip(req)
	require.NoError(t, err)
	w, ok := resp.Body.(io.Writer)
	require.True(t, ok, "a 101 body keeps io.Writer")
	_, err = w.Write([]byte("hi"))
	require.NoError(t, err)
	assert.Equal(t, "hi", conn.String())
	assert.Equal(t, []int{0}, foInFlight(f), "an upgraded connection is not in flight")
	require.NoError(t, resp.Body.Close())
}

type foConn struct {
	bytes.Buffer
}

func (*foConn) Close() error { return nil }

func TestFailoverNextMisbehaves(t *testing.T) {
	stub := &foStub{answer: func(req *http.Request) (*http.Response, error) {
		if req.URL.Host == "a" {
			return nil, nil
		}
		resp := foStatus(req, http.StatusNoContent, "")
		resp.Body = nil
		return resp, nil
	}}
	f := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints("http://a", "http://b"), Next: stub})
	req, err := http.NewRequest(http.MethodGet, "http://svc/", nil)
	require.NoError(t, err)
	resp, err := f.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, http.NoBody, resp.Body)
	assert.Equal(t, []int{0, 0}, foInFlight(f))
	assert.EqualValues(t, 1, f.Metrics()[0].Failures, "a nil response with a nil error is a failure")
}

func TestFailoverPanicInNext(t *testing.T) {
	stub := &foStub{answer: func(req *http.Request) (*http.Response, error) { panic("inner transport bug") }}
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: foEndpoints("http://a"), Next: stub,
		Breaker: circuitbreaker.Config[*http.Response]{ConsecutiveFailures: 1},
		Clock:   clock.NewMock(),
	})
	req, err := http.NewRequest(http.MethodGet, "http://svc/", nil)
	require.NoError(t, err)
	require.PanicsWithValue(t, "inner transport bug", func() { f.RoundTrip(req) })
	m := f.Metrics()[0]
	assert.Equal(t, 0, m.InFlight)
	assert.Equal(t, circuitbreaker.Open, m.Breaker.State, "a panic counts as a failure")
}

func TestFailoverInvalidRequest(t *testing.T) {
	f := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints("http://a"), Next: &foStub{answer: foOK}})
	_, err := f.RoundTrip(nil)
	require.ErrorIs(t, err, httpx.ErrInvalidRequest)
	body := &foTrackedBody{Reader: strings.NewReader("x")}
	_, err = f.RoundTrip(&http.Request{Body: body})
	require.ErrorIs(t, err, httpx.ErrInvalidRequest)
	assert.True(t, body.closed.Load())
}

func TestFailoverGetBodyFails(t *testing.T) {
	stub := &foStub{answer: func(req *http.Request) (*http.Response, error) { return foStatus(req, 500, req.URL.Host), nil }}
	f := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints("http://a", "http://b"), Next: stub})
	req, err := http.NewRequest(http.MethodPut, "http://svc/", strings.NewReader("x"))
	require.NoError(t, err)
	req.GetBody = func() (io.ReadCloser, error) { return nil, errors.New("no rewind") }
	resp, err := f.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, "a", foReadClose(t, resp), "the last failure response")
	assert.Equal(t, []string{"a"}, stub.seen())
}

func TestFailoverEvents(t *testing.T) {
	var events []resilience.Event
	obs := resilience.ObserverFunc(func(ctx context.Context, e resilience.Event) { events = append(events, e) })
	stub := &foStub{answer: func(req *http.Request) (*http.Response, error) {
		if req.URL.Host == "a" {
			return foStatus(req, 502, ""), nil
		}
		return foOK(req)
	}}
	f := newFailover(t, httpx.FailoverConfig{
		Name: "users", Endpoints: foEndpoints("http://a", "http://b"), Next: stub, Observer: obs,
	})
	foGet(t, f, "/")
	require.Len(t, events, 1)
	e := events[0]
	assert.Equal(t, resilience.EventRetry, e.Kind)
	assert.Equal(t, "users", e.Name)
	assert.Equal(t, 2, e.Attempt)
	var se *httpx.StatusError
	require.ErrorAs(t, e.Err, &se)
	assert.Equal(t, 502, se.StatusCode)
	assert.Equal(t, "httpx: endpoint http://a: httpx: 502 Bad Gateway", e.Err.Error())
}

func TestFailoverOpenDelayFollowsRetryAfter(t *testing.T) {
	mock := clock.NewMock()
	stub := &foStub{answer: func(req *http.Request) (*http.Response, error) {
		resp := foStatus(req, 503, "")
		resp.Header.Set("Retry-After", "120")
		return resp, nil
	}}
	f := newFailover(t, httpx.FailoverConfig{
		Endpoints: foEndpoints("http://a"), Next: stub,
		Breaker: circuitbreaker.Config[*http.Response]{ConsecutiveFailures: 1},
		Clock:   mock,
	})
	foGet(t, f, "/")
	mock.Add(30 * time.Second) // the default OpenDelay
	assert.Equal(t, circuitbreaker.Open, f.Metrics()[0].Breaker.State)
	mock.Add(90 * time.Second)
	assert.Equal(t, circuitbreaker.HalfOpen, f.Metrics()[0].Breaker.State)
}

func TestFailoverCloseIdleConnections(t *testing.T) {
	var closed atomic.Bool
	next := &foIdleCloser{RoundTripper: &foStub{answer: foOK}, closed: &closed}
	f := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints("http://a"), Next: next})
	f.CloseIdleConnections()
	assert.True(t, closed.Load())
	g := newFailover(t, httpx.FailoverConfig{Endpoints: foEndpoints("http://a"), Next: &foStub{answer: foOK}})
	g.CloseIdleConnections() // Next without the method: nothing to do
	assert.NoError(t, g.Close())
}

type foIdleCloser struct {
	http.RoundTripper
	closed *atomic.Bool
}

func (c *foIdleCloser) CloseIdleConnections() { c.closed.Store(true) }

func TestStrategyString(t *testing.T) {
	for s, want := range map[httpx.Strategy]string{
		httpx.Ordered: "ordered", httpx.RoundRobin: "round-robin", httpx.Weighted: "weighted",
		httpx.LeastInFlight: "least-in-flight", httpx.Strategy(9): "Strategy(9)",
	} {
		assert.Equal(t, want, s.String())
	}
}

func TestFailoverConfigValidate(t *testing.T) {
	ok := foEndpoints("http://a")
	tests := []struct {
		name string
		cfg  httpx.FailoverConfig
		want string
	}{
		{"no endpoints", httpx.FailoverConfig{}, "httpx: Endpoints = []: must list at least one endpoint"},
		{"relative URL", httpx.FailoverConfig{Endpoints: foEndpoints("/api")}, `httpx: Endpoints[0].URL = "/api": must be an absolute URL with a scheme and a host`},
		{"bad URL", httpx.FailoverConfig{Endpoints: foEndpoints("http://a", "http://[::1")}, `httpx: Endpoints[1].URL = "http://[::1": must be a valid URL: missing ']' in host`},
		{"fragment", httpx.FailoverConfig{Endpoints: foEndpoints("http://a/#x")}, `httpx: Endpoints[0].URL = "http://a/#x": must not have a fragment`},
		{"duplicate", httpx.FailoverConfig{Endpoints: foEndpoints("http://a", "http://a")}, `httpx: Endpoints[1].URL = "http://a": must not repeat an earlier endpoint`},
		{"negative weight", httpx.FailoverConfig{Endpoints: []httpx.Endpoint{{URL: "http://a", Weight: -1}}}, "httpx: Endpoints[0].Weight = -1: must be >= 0 (0 = 1)"},
		{"strategy", httpx.FailoverConfig{Endpoints: ok, Strategy: 7}, "httpx: Strategy = 7: must be Ordered, RoundRobin, Weighted or LeastInFlight"},
		{"max attempts", httpx.FailoverConfig{Endpoints: ok, MaxAttempts: -1}, "httpx: MaxAttempts = -1: must be >= 0 (0 = every endpoint)"},
		{"health interval", httpx.FailoverConfig{Endpoints: ok, HealthCheck: httpx.HealthCheck{Interval: -1}}, "httpx: HealthCheck.Interval = -1ns: must be >= 0 (0 = no active checks)"},
		{"health timeout", httpx.FailoverConfig{Endpoints: ok, HealthCheck: httpx.HealthCheck{Timeout: -time.Second}}, "httpx: HealthCheck.Timeout = -1s: must be >= 0 (0 = min(Interval, 5s))"},
		{"health method", httpx.FailoverConfig{Endpoints: ok, HealthCheck: httpx.HealthCheck{Method: "GE T"}}, `httpx: HealthCheck.Method = "GE T": must be an HTTP method token`},
		{"health status", httpx.FailoverConfig{Endpoints: ok, HealthCheck: httpx.HealthCheck{ExpectStatus: 42}}, "httpx: HealthCheck.ExpectStatus = 42: must be a status code (100-999) or 0 (any 2xx)"},
		{"unhealthy after", httpx.FailoverConfig{Endpoints: ok, HealthCheck: httpx.HealthCheck{UnhealthyAfter: -1}}, "httpx: HealthCheck.UnhealthyAfter = -1: must be >= 0 (0 = 1)"},
		{"healthy after", httpx.FailoverConfig{Endpoints: ok, HealthCheck: httpx.HealthCheck{HealthyAfter: -2}}, "httpx: HealthCheck.HealthyAfter = -2: must be >= 0 (0 = 1)"},
		{"health path URL", httpx.FailoverConfig{Endpoints: ok, HealthCheck: httpx.HealthCheck{Path: "http://x/health"}}, `httpx: HealthCheck.Path = "http://x/health": must be a path with an optional query, not a URL`},
		{"health path invalid", httpx.FailoverConfig{Endpoints: ok, HealthCheck: httpx.HealthCheck{Path: "%zz"}}, `httpx: HealthCheck.Path = "%zz": must be a valid path: parse "%zz": invalid URL escape "%zz"`},
		{"breaker template", httpx.FailoverConfig{Endpoints: ok, Breaker: circuitbreaker.Config[*http.Response]{FailureRate: 2}}, "circuitbreaker: FailureRate = 2: must be 0 (default 0.5) or in (0, 1] with at most 19 decimal places"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			require.ErrorIs(t, err, resilience.ErrInvalidConfig)
			assert.EqualError(t, err, tt.want)
			assert.PanicsWithError(t, tt.want, func() { httpx.NewFailover(tt.cfg) }, "NewFailover must panic with Validate's error")
		})
	}
}

// foTrackedBody is a request body without GetBody that records its Close.
type foTrackedBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *foTrackedBody) Close() error {
	b.closed.Store(true)
	return nil
}

func foReadClose(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return string(b)
}

func TestFailoverConcurrentInvariants(t *testing.T) {
	for _, s := range []httpx.Strategy{httpx.RoundRobin, httpx.Weighted, httpx.LeastInFlight} {
		t.Run(s.String(), func(t *testing.T) {
			var n atomic.Int64
			stub := rtFuncFo(func(req *http.Request) (*http.Response, error) {
				switch k := n.Add(1); {
				case k%5 == 0:
					return nil, errors.New("flaky")
				case k%7 == 0:
					return foStatus(req, 503, "busy"), nil
				}
				return foOK(req)
			})
			eps := []httpx.Endpoint{{URL: "http://a", Weight: 2}, {URL: "http://b"}, {URL: "http://c", Weight: 3}}
			f := newFailover(t, httpx.FailoverConfig{Endpoints: eps, Strategy: s, Next: stub})
			const workers, each = 8, 200
			var done atomic.Int64
			errs := make(chan error, workers)
			for range workers {
				go func() {
					for range each {
						req, _ := http.NewRequest(http.MethodGet, "http://svc/", nil)
						resp, err := f.RoundTrip(req)
						done.Add(1)
						if errors.Is(err, httpx.ErrEndpointsFailed) { // every endpoint failed this time
							continue
						}
						if err != nil {
							errs <- err
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					errs <- nil
				}()
			}
			for range workers {
				require.NoError(t, <-errs)
			}
			var attempts uint64
			for _, m := range f.Metrics() {
				assert.Zero(t, m.InFlight, "%s: nothing in flight once every body is closed", m.URL)
				attempts += m.Attempts
			}
			assert.EqualValues(t, n.Load(), attempts, "every attempt counted once")
			assert.EqualValues(t, workers*each, done.Load())
		})
	}
}

func TestFailoverBalancesWhenNothingIsUsable(t *testing.T) {
	for _, s := range []httpx.Strategy{httpx.Weighted, httpx.LeastInFlight} {
		t.Run(s.String(), func(t *testing.T) {
			// 20 endpoints (more than are ordered on the stack), all unhealthy:
			// the pick still spreads requests instead of failing them.
			urls := make([]string, 20)
			for i := range urls {
				urls[i] = "http://e" + string(rune('a'+i))
			}
			stub := newHealthStub()
			for _, u := range urls {
				stub.set(strings.TrimPrefix(u, "http://"), 500)
			}
			f := newFailover(t, httpx.FailoverConfig{
				Endpoints: foEndpoints(urls...), Strategy: s, Next: stub,
				HealthCheck: httpx.HealthCheck{Path: "/healthz"},
			})
			f.CheckHealth(context.Background())
			seen := map[string]bool{}
			for range 20 {
				_, body := foGet(t, f, "/")
				seen[body] = true
			}
			assert.Len(t, seen, 20, "every endpoint served once")
		})
	}
}
