package reliability_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/retry"
)

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// trackedBody is a response body that records its Close.
type trackedBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *trackedBody) Close() error { b.closed.Store(true); return nil }

func answer(code int, retryAfter string) (*http.Response, *trackedBody) {
	b := &trackedBody{Reader: strings.NewReader(http.StatusText(code))}
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return &http.Response{StatusCode: code, Header: h, Body: b}, b
}

// quickStandard is the standard stack with retries that do not wait
// unless Retry-After says so.
func quickStandard(next http.RoundTripper) *http.Client {
	// 3 attempts, whatever the preset's default: the tests count them.
	return &http.Client{Transport: httpx.Standard(httpx.StandardConfig{Next: next, MaxAttempts: 3, Backoff: retry.Constant(0), NoBreaker: true})}
}

// TestBadInputAbsurdRetryAfter: a Retry-After that is malformed, negative
// or absurdly far is ignored (the backoff decides), never obeyed; a valid
// one that would outlast the total timeout ends the retries at once with
// the response itself.
func TestBadInputAbsurdRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		retryAfter string
		attempts   int
	}{
		{"99999999999", 3},
		{"18446744073709551616", 3}, // 2^64
		{"-1", 3},
		{"1e9", 3},
		{"0x10", 3},
		{"５", 3}, // a full-width digit
		{"Fri, 31 Dec 9999 23:59:59 GMT", 3},
		{"Thu, 01 Jan 1970 00:00:00 GMT", 3}, // past: at once
		{"86400", 1},                         // a day: more than the 30s total timeout allows
	} {
		t.Run(tc.retryAfter, func(t *testing.T) {
			assert.LessOrEqual(t, httpx.RetryAfter(1, answerOnly(503, tc.retryAfter), nil), 24*time.Hour)
			var attempts atomic.Int32
			var bodies []*trackedBody
			client := quickStandard(rtFunc(func(*http.Request) (*http.Response, error) {
				attempts.Add(1)
				resp, b := answer(503, tc.retryAfter)
				bodies = append(bodies, b)
				return resp, nil
			}))
			resp, err := client.Get("http://upstream.test/")
			require.NoError(t, err, "giving up on a 503 returns the 503")
			assert.Equal(t, 503, resp.StatusCode)
			assert.Equal(t, int32(tc.attempts), attempts.Load())
			require.NoError(t, resp.Body.Close())
			for i, b := range bodies {
				assert.True(t, b.closed.Load(), "body %d of %d closed", i+1, len(bodies))
			}
		})
	}
}

func answerOnly(code int, retryAfter string) *http.Response {
	resp, _ := answer(code, retryAfter)
	return resp
}

// TestBadInputBrokenRoundTrippers: an inner RoundTripper that breaks its
// contract cannot make the Transport break its own.
func TestBadInputBrokenRoundTrippers(t *testing.T) {
	boom := errors.New("boom")
	t.Run("response and error", func(t *testing.T) {
		var bodies []*trackedBody
		client := quickStandard(rtFunc(func(*http.Request) (*http.Response, error) {
			resp, b := answer(200, "")
			bodies = append(bodies, b)
			return resp, boom
		}))
		resp, err := client.Get("http://upstream.test/")
		require.ErrorIs(t, err, boom, "the error wins; the response is dropped")
		assert.Nil(t, resp)
		assert.Len(t, bodies, 3, "a transport error is retried")
		for _, b := range bodies {
			assert.True(t, b.closed.Load(), "the dropped response is closed")
		}
	})
	t.Run("neither", func(t *testing.T) {
		client := quickStandard(rtFunc(func(*http.Request) (*http.Response, error) { return nil, nil }))
		resp, err := client.Get("http://upstream.test/")
		require.Error(t, err)
		assert.Nil(t, resp)
	})
	t.Run("response without body", func(t *testing.T) {
		client := quickStandard(rtFunc(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 204, Header: http.Header{}}, nil
		}))
		resp, err := client.Get("http://upstream.test/")
		require.NoError(t, err)
		assert.Equal(t, 204, resp.StatusCode)
		require.NoError(t, resp.Body.Close())
	})
	t.Run("panic", func(t *testing.T) {
		val := &panicValue{"inner transport"}
		var attemptCtx context.Context
		tr := httpx.Standard(httpx.StandardConfig{Next: rtFunc(func(r *http.Request) (*http.Response, error) {
			attemptCtx = r.Context()
			panic(val)
		}), NoBreaker: true})
		req, err := http.NewRequest(http.MethodGet, "http://upstream.test/", nil)
		require.NoError(t, err)
		got := recoverFrom(func() { _, _ = tr.RoundTrip(req) })
		require.Same(t, val, got, "the panic reaches the caller unchanged")
		assert.ErrorIs(t, attemptCtx.Err(), context.Canceled, "the attempt's context is released")
	})
	t.Run("ignores its context", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			release := make(chan struct{})
			var attempts atomic.Int32
			tr := httpx.Standard(httpx.StandardConfig{AttemptTimeout: time.Millisecond, MaxAttempts: 2, Backoff: retry.Constant(0), NoBreaker: true,
				Next: rtFunc(func(*http.Request) (*http.Response, error) {
					if attempts.Add(1) == 1 {
						<-release // deaf to ctx until the test lets it go
					}
					return answerOnly(200, ""), nil
				})})
			req, err := http.NewRequest(http.MethodGet, "http://upstream.test/", nil)
			require.NoError(t, err)
			done := make(chan struct{})
			go func() {
				defer close(done)
				resp, err := tr.RoundTrip(req)
				if assert.NoError(t, err) {
					resp.Body.Close()
				}
			}()
			time.Sleep(time.Second) // a thousand attempt timeouts, on the bubble's clock
			select {
			case <-done:
				t.Fatal("RoundTrip returned while its attempt was still running")
			default:
			}
			close(release)
			<-done
			assert.Equal(t, int32(2), attempts.Load(), "the late answer counted as a timeout; the retry answered")
		})
	})
}

func TestBadInputRequests(t *testing.T) {
	var sent atomic.Int32
	tr := httpx.Standard(httpx.StandardConfig{Next: rtFunc(func(*http.Request) (*http.Response, error) {
		sent.Add(1)
		return answerOnly(200, ""), nil
	})})
	resp, err := tr.RoundTrip(nil)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "nil request")
	assert.Nil(t, resp)

	for _, mutate := range []func(*http.Request){
		func(r *http.Request) { r.URL.Scheme = "ftp" },
		func(r *http.Request) { r.URL.Host = "" },
		func(r *http.Request) { r.URL = nil },
		func(r *http.Request) { r.Header = nil },
		func(r *http.Request) { r.Method = "GET /" },
		func(r *http.Request) { r.Header.Set("X-Bad", "line\nbreak") },
	} {
		body := &trackedBody{Reader: strings.NewReader("payload")}
		req, err := http.NewRequest(http.MethodPost, "http://upstream.test/", body)
		require.NoError(t, err)
		mutate(req)
		resp, err := tr.RoundTrip(req)
		assert.ErrorIs(t, err, httpx.ErrInvalidRequest)
		assert.Nil(t, resp)
		assert.False(t, httpx.IsFailure(nil, err), "an invalid request is not worth a retry or a breaker count")
		assert.True(t, body.closed.Load(), "the request body is closed on every path")
	}
	assert.Zero(t, sent.Load(), "nothing invalid was sent")
}
