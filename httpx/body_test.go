package httpx_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
)

func TestTransportRequestBodyErrors(t *testing.T) {
	t.Run("short body", func(t *testing.T) {
		policy := &countingPolicy{}
		req := mustRequest(t, http.MethodPut, "http://example.test", io.MultiReader(strings.NewReader("abc")))
		req.ContentLength = 10
		_, err := httpx.NewTransport(&okTransport{}, policy).RoundTrip(req)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.Zero(t, policy.calls.Load())
	})
	t.Run("GetBody fails", func(t *testing.T) {
		up := newUpstream(t, statuses(503, 200))
		req := mustRequest(t, http.MethodPut, up.URL, strings.NewReader("abc"))
		getBodyErr := errors.New("no second copy")
		req.GetBody = func() (io.ReadCloser, error) { return nil, getBodyErr }
		probe := &markProbe{}
		resp, err := httpx.NewTransport(newCounting(t), stubborn(3), probe).RoundTrip(req)
		assert.Nil(t, resp)
		assert.ErrorIs(t, err, getBodyErr)
		assert.False(t, resilience.IsPermanent(err), "the caller gets the error unmarked")
		assert.Equal(t, []bool{false, true, true}, probe.marks(), "the policies see a GetBody failure as permanent")
		assert.EqualValues(t, 1, up.hits.Load())
	})
	t.Run("unreplayable body asked again", func(t *testing.T) {
		up := newUpstream(t, statuses(503, 200))
		req := mustRequest(t, http.MethodPut, up.URL, io.MultiReader(strings.NewReader("abc")))
		resp, err := httpx.NewTransport(newCounting(t), stubborn(3)).RoundTrip(req)
		// The policy dropped the 503 to try again and was refused: the
		// caller gets the server's answer to the one attempt.
		require.NoError(t, err)
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		readAll(t, resp)
		assert.EqualValues(t, 1, up.hits.Load())
	})
	t.Run("policy rejects before any attempt: body closed", func(t *testing.T) {
		body := &closeTracker{Reader: strings.NewReader("abc")}
		req := mustRequest(t, http.MethodPut, "http://example.test", body)
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("abc")), nil }
		rejected := errors.New("rejected")
		reject := resilience.PolicyFunc[*http.Response](func(context.Context, resilience.Func[*http.Response]) (*http.Response, error) {
			return nil, rejected
		})
		_, err := httpx.NewTransport(&okTransport{}, reject).RoundTrip(req)
		assert.ErrorIs(t, err, rejected)
		assert.True(t, body.closed.Load())
	})
}

// blockingBody blocks reads until its request's context ends.
type blockingBody struct{ ctx context.Context }

func (b blockingBody) Read([]byte) (int, error) {
	<-b.ctx.Done()
	return 0, context.Cause(b.ctx)
}
func (b blockingBody) Close() error { return nil }

func TestDiscardDrainIsBoundedInTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		attempts := 0
		inner := rtFunc(func(r *http.Request) (*http.Response, error) {
			attempts++
			if attempts == 1 { // a 503 whose body never ends
				return &http.Response{StatusCode: 503, ContentLength: -1, Body: blockingBody{r.Context()}, Request: r}, nil
			}
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Request: r}, nil
		})
		start := time.Now()
		resp, err := httpx.NewTransport(inner, retrying(2)).RoundTrip(mustRequest(t, http.MethodGet, "http://example.test", nil))
		require.NoError(t, err)
		assert.Equal(t, "ok", readAll(t, resp))
		assert.Equal(t, time.Second, time.Since(start), "the drain gave up after a second")
	})
}

func TestDiscardClosesForeignAndUpgradedBodies(t *testing.T) {
	foreign := &closeTracker{Reader: strings.NewReader("never read")}
	policy := resilience.PolicyFunc[*http.Response](func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
		resilience.Discard(ctx, &http.Response{StatusCode: 200, ContentLength: -1, Body: foreign})
		resilience.Discard[*http.Response](ctx, nil)
		return next(ctx)
	})
	resp, err := httpx.NewTransport(&okTransport{}, policy).RoundTrip(mustRequest(t, http.MethodGet, "http://example.test", nil))
	require.NoError(t, err)
	resp.Body.Close()
	assert.True(t, foreign.closed.Load())
}

func TestMaxDrainOffClosesWithoutReuse(t *testing.T) {
	up := newUpstream(t, statuses(503, 200))
	var reused []bool
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, up.URL, nil)
	require.NoError(t, err)
	tr := httpx.New(httpx.Config{Next: newCounting(t), Policies: []resilience.Policy[*http.Response]{retrying(2)}, MaxDrain: -1})
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	readAll(t, resp)
	assert.Equal(t, []bool{false, false}, reused, "an undrained body's connection is not reused")
}
