package httpx_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/timeout"
)

// okTransport answers every request with 200 and body "ok", recording the
// requests it got.
type okTransport struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (o *okTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	o.mu.Lock()
	o.reqs = append(o.reqs, r)
	o.mu.Unlock()
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Request: r}, nil
}

func TestTransportSettlesPolicyOutcomes(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name       string
		policy     func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error)
		wantErr    error
		wantStatus int
	}{
		{
			name: "response and a foreign error: the response is closed",
			policy: func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
				resp, _ := next(ctx)
				return resp, boom
			},
			wantErr: boom,
		},
		{
			name: "neither response nor error",
			policy: func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
				resp, _ := next(ctx)
				resilience.Discard(ctx, resp)
				return nil, nil
			},
			wantErr: errors.New("httpx: the policies returned neither a response nor an error"),
		},
		{
			name: "response with a wrapped status error: the response",
			policy: func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
				resp, err := next(ctx)
				return resp, errors.Join(errors.New("gave up"), err)
			},
			wantStatus: 503,
		},
		{
			name: "status error without response: the error",
			policy: func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
				resp, err := next(ctx)
				resilience.Discard(ctx, resp)
				return nil, err
			},
			wantErr: &httpx.StatusError{StatusCode: 503},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, statuses(503))
			inner := newCounting(t)
			resp, err := httpx.NewTransport(inner, resilience.PolicyFunc[*http.Response](tt.policy)).RoundTrip(mustRequest(t, http.MethodGet, up.URL, nil))
			if tt.wantErr != nil {
				assert.Nil(t, resp, "never a response with an error")
				assert.EqualError(t, err, tt.wantErr.Error())
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.wantStatus, resp.StatusCode)
				readAll(t, resp)
			}
			assert.Equal(t, inner.responses.Load(), inner.closed.Load())
		})
	}
}

func TestTransportGuardsAgainstBrokenInnerTransports(t *testing.T) {
	boom := errors.New("boom")
	body := &closeTracker{Reader: strings.NewReader("")}
	both := rtFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: body}, boom
	})
	resp, err := httpx.NewTransport(both, retrying(1)).RoundTrip(mustRequest(t, http.MethodGet, "http://example.test", nil))
	assert.Nil(t, resp)
	assert.ErrorIs(t, err, boom)
	assert.True(t, body.closed.Load(), "a response that came with an error is closed")

	neither := rtFunc(func(r *http.Request) (*http.Response, error) { return nil, nil })
	resp, err = httpx.NewTransport(neither, retrying(2)).RoundTrip(mustRequest(t, http.MethodGet, "http://example.test", nil))
	assert.Nil(t, resp)
	assert.EqualError(t, err, "httpx: RoundTrip returned neither a response nor an error")
}

func TestTransportPanicInInnerTransportPropagatesAndReleases(t *testing.T) {
	var attemptCtx context.Context
	panicking := rtFunc(func(r *http.Request) (*http.Response, error) {
		attemptCtx = r.Context()
		panic("inner transport bug")
	})
	assert.PanicsWithValue(t, "inner transport bug", func() {
		httpx.NewTransport(panicking, retrying(2)).RoundTrip(mustRequest(t, http.MethodGet, "http://example.test", nil))
	})
	require.NotNil(t, attemptCtx)
	assert.ErrorIs(t, attemptCtx.Err(), context.Canceled, "the attempt's context is released")
}

type ctxKey struct{}

func TestTransportAttemptContextLifetime(t *testing.T) {
	var contexts []context.Context
	var bodies []io.ReadCloser
	inner := rtFunc(func(r *http.Request) (*http.Response, error) {
		contexts = append(contexts, r.Context())
		b := io.NopCloser(strings.NewReader("body"))
		if r.URL.Path == "/empty" {
			b = http.NoBody
		}
		bodies = append(bodies, b)
		return &http.Response{StatusCode: 200, Body: b, Request: r}, nil
	})
	tr := httpx.NewTransport(inner, retrying(2))

	ctx := context.WithValue(context.Background(), ctxKey{}, "caller value")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://example.test/full", nil)
	require.NoError(t, err)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, "caller value", contexts[0].Value(ctxKey{}), "ctx values reach the inner transport")
	assert.NoError(t, contexts[0].Err(), "the attempt lives on while the body is open")
	resp.Body.Close()
	assert.ErrorIs(t, contexts[0].Err(), context.Canceled, "closing the body releases the attempt")

	req, err = http.NewRequestWithContext(ctx, http.MethodGet, "http://example.test/empty", nil)
	require.NoError(t, err)
	resp, err = tr.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, http.NoBody, resp.Body, "no body to wrap")
	assert.ErrorIs(t, contexts[1].Err(), context.Canceled, "with no body the attempt is released at once")
}

func TestTransportDoesNotRetryWhenCallerCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	attempts := 0
	inner := rtFunc(func(r *http.Request) (*http.Response, error) {
		attempts++
		cancel()
		<-r.Context().Done()
		return nil, context.Cause(r.Context())
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://example.test", nil)
	require.NoError(t, err)
	probe := &markProbe{}
	_, err = httpx.NewTransport(inner, retrying(3), probe).RoundTrip(req)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []bool{true}, probe.marks(), "a cancelled call reaches the policies as permanent")
	assert.Equal(t, 1, attempts, "and is not retried")
}

func TestTransportConcurrentAttempts(t *testing.T) {
	up := newUpstream(t, statuses(200))
	inner := newCounting(t)
	// A hedge in miniature: two concurrent attempts when the request may
	// be repeated, the first answer wins and the other is discarded.
	hedge := resilience.PolicyFunc[*http.Response](func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
		if !resilience.Repeatable(ctx) {
			return next(ctx)
		}
		type result struct {
			resp *http.Response
			err  error
		}
		results := make(chan result, 2)
		for range 2 {
			go func() {
				resp, err := next(ctx)
				results <- result{resp, err}
			}()
		}
		first, second := <-results, <-results
		resilience.Discard(ctx, second.resp)
		return first.resp, first.err
	})
	tr := httpx.NewTransport(inner, hedge)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			req := mustRequest(t, http.MethodPut, up.URL, strings.NewReader("same body"))
			resp, err := tr.RoundTrip(req)
			if assert.NoError(t, err) {
				readAll(t, resp)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 16, up.hits.Load())
	for _, b := range up.received() {
		assert.Equal(t, "same body", b)
	}
	assert.Equal(t, inner.responses.Load(), inner.closed.Load())
}

func TestTransportAttemptCutByPolicyDeadlineIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		attempts := 0
		// Like some RoundTrippers, this one reports its ended ctx by
		// ctx.Err(), which for a held attempt is context.Canceled.
		inner := rtFunc(func(r *http.Request) (*http.Response, error) {
			attempts++
			if attempts == 1 {
				<-r.Context().Done()
				return nil, r.Context().Err()
			}
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Request: r}, nil
		})
		probe := &markProbe{}
		tr := httpx.NewTransport(inner, retrying(2), timeout.New[*http.Response](timeout.Config{Timeout: time.Second}), probe)
		resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, "http://example.test", nil))
		require.NoError(t, err)
		assert.Equal(t, "ok", readAll(t, resp))
		assert.Equal(t, 2, attempts)
		assert.Equal(t, []bool{false, false}, probe.marks(), "a deadline is a failure to retry, not a cancellation")
	})
}
