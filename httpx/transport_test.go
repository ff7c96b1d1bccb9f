package httpx_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
)

func TestTransportRetriesFailureStatusAndClosesEveryDiscardedBody(t *testing.T) {
	up := newUpstream(t, statuses(503, 502, 200))
	inner := newCounting(t)
	client := &http.Client{Transport: httpx.NewTransport(inner, retrying(3))}

	resp, err := client.Get(up.URL)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "OK #3", readAll(t, resp))
	assert.EqualValues(t, 3, up.hits.Load(), "requests served")
	assert.EqualValues(t, 3, inner.responses.Load(), "responses produced")
	assert.Equal(t, inner.responses.Load(), inner.closed.Load(), "bodies closed = responses produced")
}

func TestTransportReturnsLastFailureResponseWithNilError(t *testing.T) {
	up := newUpstream(t, statuses(503))
	inner := newCounting(t)
	client := &http.Client{Transport: httpx.NewTransport(inner, retrying(3))}

	resp, err := client.Get(up.URL)
	require.NoError(t, err, "giving up on a 503 still returns it as the answer")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.EqualValues(t, 2, inner.closed.Load(), "the two retried 503s are closed before the caller reads")
	assert.Equal(t, "Service Unavailable #3", readAll(t, resp), "the last response's body is intact")
	assert.Equal(t, inner.responses.Load(), inner.closed.Load())
}

func TestTransportReplaysIdenticalBodies(t *testing.T) {
	const payload = `{"name":"gopher"}`
	tests := []struct {
		name  string
		body  func() io.Reader
		cl    int64
		hits  int32
		limit int64
	}{
		{name: "GetBody", body: func() io.Reader { return strings.NewReader(payload) }, hits: 3},
		{name: "buffered, known length", body: func() io.Reader { return iotest.HalfReader(strings.NewReader(payload)) }, cl: int64(len(payload)), hits: 3},
		{name: "unknown length: once", body: func() io.Reader { return iotest.HalfReader(strings.NewReader(payload)) }, cl: -1, hits: 1},
		{name: "over the buffer limit: once", body: func() io.Reader { return iotest.HalfReader(strings.NewReader(payload)) }, cl: int64(len(payload)), limit: 4, hits: 1},
		{name: "buffering off: once", body: func() io.Reader { return iotest.HalfReader(strings.NewReader(payload)) }, cl: int64(len(payload)), limit: -1, hits: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, statuses(500, 500, 201))
			inner := newCounting(t)
			tr := httpx.New(httpx.Config{Next: inner, Policies: []resilience.Policy[*http.Response]{retrying(3)}, MaxBodyBuffer: tt.limit})

			req, err := http.NewRequest(http.MethodPut, up.URL, tt.body())
			require.NoError(t, err)
			if tt.cl != 0 {
				req.ContentLength = tt.cl
			}
			resp, err := tr.RoundTrip(req)
			require.NoError(t, err)
			readAll(t, resp)

			assert.Equal(t, tt.hits, up.hits.Load(), "requests served")
			for i, got := range up.received() {
				assert.Equal(t, payload, got, "body of attempt %d", i+1)
			}
			assert.Equal(t, inner.responses.Load(), inner.closed.Load())
		})
	}
}

func TestTransportLeavesCallerRequestUnchanged(t *testing.T) {
	up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Server-Touched", "yes") // the server's copy, not the caller's
		statuses(503, 200)(n, w, r)
	})
	inner := newCounting(t)
	var stale atomic.Int32 // attempts that saw an earlier attempt's changes
	mutating := rtFunc(func(r *http.Request) (*http.Response, error) {
		if r.Header.Get("X-Inner") != "" || r.URL.Path != "/path" {
			stale.Add(1)
		}
		r.Header.Set("X-Inner", "mutated") // a badly behaved inner middleware
		r.URL.Path = "/elsewhere"
		return inner.RoundTrip(r)
	})
	tr := httpx.NewTransport(mutating, retrying(3))

	body := &closeTracker{Reader: strings.NewReader("payload")}
	req, err := http.NewRequest(http.MethodPut, up.URL+"/path?q=1", body)
	require.NoError(t, err)
	req.ContentLength = 7
	req.Header.Set("X-Caller", "a")
	req.Header.Add("X-Caller", "b")
	before := *req
	beforeHeader := req.Header.Clone()
	beforeURL := *req.URL

	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	readAll(t, resp)

	after := *req
	assert.Equal(t, beforeHeader, req.Header, "header")
	assert.Equal(t, beforeURL, *req.URL, "URL")
	assert.Same(t, before.Body, after.Body, "Body")
	assert.Nil(t, after.GetBody, "GetBody")
	assert.Equal(t, before.ContentLength, after.ContentLength, "ContentLength")
	assert.Equal(t, before.Method, after.Method, "Method")
	assert.Same(t, before.URL, after.URL, "URL pointer")
	assert.True(t, body.closed.Load(), "the caller's body is closed")
	assert.Same(t, req, resp.Request, "the response names the caller's request")
	assert.EqualValues(t, 2, up.hits.Load())
	assert.Zero(t, stale.Load(), "each attempt sends a fresh copy")
}

func TestTransportReusesConnectionAcrossRetries(t *testing.T) {
	up := newUpstream(t, statuses(503, 500, 200))
	tr := httpx.NewTransport(newCounting(t), retrying(3))

	var (
		mu     sync.Mutex
		reused []bool
	)
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		mu.Lock()
		reused = append(reused, info.Reused)
		mu.Unlock()
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, up.URL, nil)
	require.NoError(t, err)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	readAll(t, resp)

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []bool{false, true, true}, reused, "GotConn Reused per attempt: the caller's trace sees every attempt")
}

func TestTransportMaxConnsPerHostOneDoesNotDeadlock(t *testing.T) {
	up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write(bytes.Repeat([]byte("x"), 256<<10)) // more than MaxDrain: closed, not drained
			return
		}
		w.Write([]byte("ok"))
	})
	inner := newCounting(t, func(tr *http.Transport) { tr.MaxConnsPerHost = 1 })
	tr := httpx.NewTransport(inner, retrying(3))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // fails the test rather than hanging it
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, up.URL, nil)
	require.NoError(t, err)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, "ok", readAll(t, resp))
	assert.Equal(t, inner.responses.Load(), inner.closed.Load())
}

func TestTransportPolicyTimerDoesNotCutBodyRead(t *testing.T) {
	release := make(chan struct{})
	up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("head,"))
		w.(http.Flusher).Flush()
		<-release
		w.Write([]byte("tail"))
	})
	// Like a timeout policy, this one cancels the ctx it gave next as soon
	// as it returns: the headers have arrived, the body has not.
	cancelling := resilience.PolicyFunc[*http.Response](func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
		ctx, cancel := context.WithTimeoutCause(ctx, time.Hour, errors.New("policy timer"))
		defer cancel()
		return next(ctx)
	})
	tr := httpx.NewTransport(newCounting(t), cancelling)

	req, err := http.NewRequest(http.MethodGet, up.URL, nil)
	require.NoError(t, err)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	close(release)
	assert.Equal(t, "head,tail", readAll(t, resp))
}

func TestTransportCallerContextStillBoundsBodyRead(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("head,"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	tr := httpx.NewTransport(newCounting(t), retrying(2))

	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, up.URL, nil)
	require.NoError(t, err)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	cancel()
	_, err = io.ReadAll(resp.Body)
	assert.ErrorIs(t, err, context.Canceled, "the caller's cancellation ends the body read")
	resp.Body.Close()
}

func TestTransportNilNextUsesDefaultTransport(t *testing.T) {
	t.Cleanup(http.DefaultTransport.(*http.Transport).CloseIdleConnections)
	up := newUpstream(t, statuses(500, 200))
	tr := httpx.NewTransport(nil, retrying(2))
	resp, err := (&http.Client{Transport: tr}).Get(up.URL)
	require.NoError(t, err)
	assert.Equal(t, "OK #2", readAll(t, resp))

	var zero httpx.Transport // the zero Transport: no policies, DefaultTransport
	resp, err = (&http.Client{Transport: &zero}).Get(up.URL)
	require.NoError(t, err)
	assert.Equal(t, "OK #3", readAll(t, resp))
	zero.CloseIdleConnections()
}

func TestTransportSwitchingProtocolsBodyKeepsWriter(t *testing.T) {
	srv := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		rw.Flush()
		line, _ := rw.ReadString('\n')
		rw.WriteString("echo:" + line)
		rw.Flush()
	})
	inner := newCounting(t)
	tr := httpx.NewTransport(inner, retrying(2))

	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "echo")
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	rw, ok := resp.Body.(io.ReadWriteCloser)
	require.True(t, ok, "the 101 body %T must implement io.Writer", resp.Body)
	_, err = rw.Write([]byte("ping\n"))
	require.NoError(t, err)
	got, err := io.ReadAll(io.LimitReader(rw, int64(len("echo:ping\n"))))
	require.NoError(t, err)
	assert.Equal(t, "echo:ping\n", string(got))
	require.NoError(t, rw.Close())
	assert.EqualValues(t, 1, inner.closed.Load())
}

func TestTransportTLS(t *testing.T) {
	up := newTLSUpstream(t, statuses(503, 200))
	inner := newCounting(t, func(tr *http.Transport) {
		tr.TLSClientConfig = &tls.Config{RootCAs: up.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	})
	resp, err := httpx.NewTransport(inner, retrying(2)).RoundTrip(mustRequest(t, http.MethodGet, up.URL, nil))
	require.NoError(t, err)
	assert.Equal(t, "OK #2", readAll(t, resp))
	up.Client().CloseIdleConnections()
}

// Every field an inner RoundTripper might change in place, the URL's user
// included, is the attempt's own: the caller's request and the next
// attempt's copy keep their values. With and without policies.
func TestTransportAttemptCopiesAreDeep(t *testing.T) {
	for _, tt := range []struct {
		name     string
		policies []resilience.Policy[*http.Response]
	}{
		{"no policies", nil},
		{"retry", []resilience.Policy[*http.Response]{retrying(3)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var attempts, stale atomic.Int32
			ctxKey := struct{ name string }{"caller"}
			mutating := rtFunc(func(r *http.Request) (*http.Response, error) {
				n := attempts.Add(1)
				if r.Header.Get("X-Inner") != "" || r.Trailer.Get("X-Inner") != "" ||
					r.URL.User.Username() != "user" || r.TransferEncoding[0] != "chunked" {
					stale.Add(1)
				}
				assert.Equal(t, "value", r.Context().Value(ctxKey), "the caller's values reach the attempt")
				r.Header.Set("X-Inner", "mutated")
				r.Trailer.Set("X-Inner", "mutated")
				r.URL.User = url.User("mutated")
				r.URL.Host = "elsewhere.test"
				r.TransferEncoding[0] = "mutated"
				status := http.StatusServiceUnavailable
				if n == 2 || tt.policies == nil {
					status = http.StatusOK
				}
				return &http.Response{StatusCode: status, Body: http.NoBody, Request: r}, nil
			})
			tr := httpx.NewTransport(mutating, tt.policies...)

			ctx := context.WithValue(context.Background(), ctxKey, "value")
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://user:pw@example.test/p", nil)
			require.NoError(t, err)
			req.Header.Set("X-Caller", "a")
			req.Trailer = http.Header{"X-Trailer": nil}
			req.TransferEncoding = []string{"chunked"}
			userBefore := req.URL.User

			resp, err := tr.RoundTrip(req)
			require.NoError(t, err)
			resp.Body.Close()

			assert.Same(t, req, resp.Request, "the response names the caller's request")
			assert.Equal(t, http.Header{"X-Caller": {"a"}}, req.Header)
			assert.Equal(t, http.Header{"X-Trailer": nil}, req.Trailer)
			assert.Equal(t, []string{"chunked"}, req.TransferEncoding)
			assert.Equal(t, "example.test", req.URL.Host)
			assert.Same(t, userBefore, req.URL.User)
			pw, _ := req.URL.User.Password()
			assert.Equal(t, "user:pw", req.URL.User.Username()+":"+pw)
			assert.Zero(t, stale.Load(), "each attempt sends a fresh copy")
			if tt.policies != nil {
				assert.EqualValues(t, 2, attempts.Load())
			}
		})
	}
}
