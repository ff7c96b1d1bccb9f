package httpx_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/retry"
)

func TestTransportRetriesPOSTOnlyWhenServerDidNotTakeIt(t *testing.T) {
	retryAfter := func(code int) func(int, http.ResponseWriter, *http.Request) {
		return func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(code)
				return
			}
			w.WriteHeader(http.StatusCreated)
		}
	}
	tests := []struct {
		name     string
		method   string
		header   string
		retryAll bool
		handle   func(int, http.ResponseWriter, *http.Request)
		hits     int32
		status   int
	}{
		{name: "POST 500: not retried", method: "POST", handle: statuses(500, 201), hits: 1, status: 500},
		{name: "POST bare 503: not retried", method: "POST", handle: statuses(503, 201), hits: 1, status: 503},
		{name: "POST 502: not retried", method: "POST", handle: statuses(502, 201), hits: 1, status: 502},
		{name: "PATCH 504: not retried", method: "PATCH", handle: statuses(504, 201), hits: 1, status: 504},
		{name: "POST 429: retried", method: "POST", handle: statuses(429, 201), hits: 2, status: 201},
		{name: "POST 503 with Retry-After: retried", method: "POST", handle: retryAfter(503), hits: 2, status: 201},
		{name: "POST 500 with Retry-After: not retried", method: "POST", handle: retryAfter(500), hits: 1, status: 500},
		{name: "POST 500 with Idempotency-Key: retried", method: "POST", header: "Idempotency-Key", handle: statuses(500, 201), hits: 2, status: 201},
		{name: "POST 500 with X-Idempotency-Key: retried", method: "POST", header: "X-Idempotency-Key", handle: statuses(500, 201), hits: 2, status: 201},
		{name: "POST 500 with RetryAll: retried", method: "POST", retryAll: true, handle: statuses(500, 201), hits: 2, status: 201},
		{name: "PUT 500: retried", method: "PUT", handle: statuses(500, 201), hits: 2, status: 201},
		{name: "DELETE 500: retried", method: "DELETE", handle: statuses(500, 201), hits: 2, status: 201},
	}
	for _, tt := range tests {
		for _, policy := range []struct {
			name string
			p    resilience.Policy[*http.Response]
		}{{"retry", retrying(3)}, {"stubborn retry", stubborn(3)}} {
			t.Run(tt.name+"/"+policy.name, func(t *testing.T) {
				up := newUpstream(t, tt.handle)
				inner := newCounting(t)
				tr := httpx.New(httpx.Config{Next: inner, Policies: []resilience.Policy[*http.Response]{policy.p}, RetryAll: tt.retryAll})

				req := mustRequest(t, tt.method, up.URL, strings.NewReader("order #1"))
				if tt.header != "" {
					req.Header.Set(tt.header, "k-1")
				}
				resp, err := tr.RoundTrip(req)
				assert.Equal(t, tt.hits, up.hits.Load(), "requests served")
				// A stubborn retry discards the answer to try again and is
				// refused; the caller still gets the server's one answer.
				require.NoError(t, err, "the caller gets the response, not an error")
				assert.Equal(t, tt.status, resp.StatusCode)
				readAll(t, resp)
				for i, b := range up.received() {
					assert.Equal(t, "order #1", b, "body of attempt %d", i+1)
				}
				assert.Equal(t, inner.responses.Load(), inner.closed.Load())
			})
		}
	}
}

func TestTransportRetriesPOSTAfterRefusedConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: every dial is refused

	for _, body := range []struct {
		name     string
		r        func() io.Reader
		attempts int32
	}{
		{"replayable body", func() io.Reader { return strings.NewReader("x") }, 3},
		{"unreplayable body", func() io.Reader { return io.MultiReader(strings.NewReader("x")) }, 1},
	} {
		t.Run(body.name, func(t *testing.T) {
			inner := newCounting(t)
			tr := httpx.NewTransport(inner, retrying(3))
			resp, err := tr.RoundTrip(mustRequest(t, http.MethodPost, "http://"+addr, body.r()))
			require.Error(t, err)
			assert.Nil(t, resp)
			var op *net.OpError
			assert.ErrorAs(t, err, &op, "the dial error stays reachable")
			assert.Equal(t, body.attempts, inner.attempts.Load(), "attempts")
		})
	}
}

func TestTransportRetriesPOSTAfterTLSHandshakeFailure(t *testing.T) {
	up := newUnstartedUpstream(t, statuses(201))
	up.TLS = &tls.Config{MaxVersion: tls.VersionTLS12}
	up.StartTLS()
	inner := newCounting(t, func(tr *http.Transport) {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS13, InsecureSkipVerify: true}
	})
	resp, err := httpx.NewTransport(inner, retrying(3)).RoundTrip(mustRequest(t, http.MethodPost, up.URL, strings.NewReader("x")))
	require.Error(t, err)
	assert.Nil(t, resp)
	assert.EqualValues(t, 3, inner.attempts.Load(), "a failed handshake proves the POST was never sent")
	assert.Zero(t, up.hits.Load())
}

func TestTransportNeverRepeatsPOSTThatMayHaveArrived(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want int
	}{
		{"connection reset", errors.New("read tcp: connection reset by peer"), 1},
		{"HTTP/2 REFUSED_STREAM", errors.New("stream error: stream ID 3; REFUSED_STREAM"), 3},
		{"dial", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, 3},
		{"TLS record header", tls.RecordHeaderError{Msg: "tls: first record does not look like a TLS handshake"}, 3},
		{"TLS alert", tls.AlertError(70), 3},
		{"TLS handshake timeout", errors.New("net/http: TLS handshake timeout"), 3},
		{"application handshake", errors.New("upgrade: bad handshake"), 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			attempts := 0
			inner := rtFunc(func(r *http.Request) (*http.Response, error) {
				attempts++
				if r.Body != nil {
					r.Body.Close()
				}
				return nil, tt.err
			})
			probe := &markProbe{}
			_, err := httpx.NewTransport(inner, stubborn(3), probe).RoundTrip(mustRequest(t, http.MethodPost, "http://example.test", strings.NewReader("x")))
			require.Error(t, err)
			assert.Equal(t, tt.want, attempts, "attempts")
			if tt.want == 1 {
				assert.Equal(t, []bool{true, true, true}, probe.marks(), "policies see permanent errors")
				assert.ErrorIs(t, err, httpx.ErrNotRepeatable, "what the stubborn policy got for trying again")
				assert.False(t, resilience.IsPermanent(err), "the caller gets the error unmarked")
			} else {
				assert.Equal(t, []bool{false, false, false}, probe.marks(), "policies may repeat it")
				assert.ErrorIs(t, err, tt.err)
			}
		})
	}
}

func TestTransportMarksNonIdempotentRequestsWithoutRepeat(t *testing.T) {
	for _, tt := range []struct {
		method, key string
		body        io.Reader
		cl          int64
		want        bool
	}{
		{method: "GET", want: true},
		{method: "", want: true},
		{method: "PUT", body: strings.NewReader("x"), want: true},
		{method: "POST", body: strings.NewReader("x"), want: false},
		{method: "POST", key: "Idempotency-Key", want: true},
		{method: "PUT", body: io.MultiReader(strings.NewReader("x")), want: false}, // unknown length: once
		{method: "PUT", body: io.MultiReader(strings.NewReader("x")), cl: 1, want: true},
	} {
		var repeatable bool
		probe := resilience.PolicyFunc[*http.Response](func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
			repeatable = resilience.Repeatable(ctx)
			return next(ctx)
		})
		inner := rtFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
		})
		req := mustRequest(t, "GET", "http://example.test", tt.body)
		req.Method = tt.method
		if tt.cl != 0 {
			req.ContentLength = tt.cl
		}
		if tt.key != "" {
			req.Header.Set(tt.key, "1")
		}
		_, err := httpx.NewTransport(inner, probe).RoundTrip(req)
		require.NoError(t, err)
		assert.Equal(t, tt.want, repeatable, "Repeatable(%q, body %T, key %q)", tt.method, tt.body, tt.key)
	}
}

func TestTransportRetriesPOSTThatNeverGotAConnection(t *testing.T) {
	// A dialer failing with an error of no known type: only the trace of
	// the attempt shows that no connection was made.
	dialErr := errors.New("service mesh: no healthy upstream")
	inner := newCounting(t, func(tr *http.Transport) {
		tr.DialContext = func(context.Context, string, string) (net.Conn, error) { return nil, dialErr }
	})
	probe := &markProbe{}
	_, err := httpx.NewTransport(inner, retrying(3), probe).RoundTrip(mustRequest(t, http.MethodPost, "http://example.test", strings.NewReader("x")))
	assert.ErrorIs(t, err, dialErr)
	assert.EqualValues(t, 3, inner.attempts.Load(), "attempts")
	assert.Equal(t, []bool{false, false, false}, probe.marks())
}

// A user's FailureIf may fail a status httpx itself accepts (a 409); the
// POST still goes out once, and the caller gets the server's answer to it.
func TestUserFailureIfCannotRepeatAPost(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusConflict)
		_, _ = io.WriteString(w, "version conflict")
	}))
	defer srv.Close()
	base := http.DefaultTransport.(*http.Transport).Clone()
	defer base.CloseIdleConnections()
	conflict := func(resp *http.Response, err error) bool {
		return err != nil || resp != nil && resp.StatusCode == http.StatusConflict
	}
	client := &http.Client{Transport: httpx.NewTransport(base, retry.New(retry.Config[*http.Response]{
		MaxAttempts: 3, Backoff: retry.Constant(0), FailureIf: conflict,
	}))}

	resp, err := client.Post(srv.URL, "text/plain", strings.NewReader("v2"))
	require.NoError(t, err, "the caller gets the server's answer, not the refused re-send")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Equal(t, "version conflict", string(body), "the held-back body is intact")
	assert.EqualValues(t, 1, hits.Load(), "the POST reached the server once")

	hits.Store(0)
	resp, err = client.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.EqualValues(t, 3, hits.Load(), "a GET is retried on the user's rule")
}
