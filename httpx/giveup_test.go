package httpx_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/retry"
)

var errLocked = errors.New("resource locked")

// lockedIsError is a response-checking policy, the way a go-retryablehttp
// ResponseHandler is used: it turns a 409 into an error of its own, not a
// *StatusError.
var lockedIsError = resilience.PolicyFunc[*http.Response](func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
	resp, err := next(ctx)
	if err == nil && resp.StatusCode == http.StatusConflict {
		return resp, errLocked
	}
	return resp, err
})

func TestRetriesRunningOutOnAPolicysOwnErrorReturnThatErrorAndCloseTheResponse(t *testing.T) {
	up := newUpstream(t, statuses(http.StatusConflict))
	next := newCounting(t)
	tr := httpx.NewTransport(next,
		retry.New(retry.Config[*http.Response]{MaxAttempts: 2, Backoff: retry.Constant(0)}),
		lockedIsError)

	resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, up.URL, nil))

	assert.Nil(t, resp, "a RoundTripper's error comes without a response")
	require.ErrorIs(t, err, errLocked, "the policy's error reaches the caller")
	assert.ErrorIs(t, err, retry.ErrExhausted)
	assert.EqualValues(t, 2, next.responses.Load(), "both attempts answered")
	assert.EqualValues(t, 2, next.closed.Load(), "every response body was closed, the last one too")
}

func TestRetriesRunningOutOnAStatusErrorReturnTheLastResponse(t *testing.T) {
	up := newUpstream(t, statuses(http.StatusConflict))
	next := newCounting(t)
	lockedIsStatus := resilience.PolicyFunc[*http.Response](func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
		resp, err := next(ctx)
		if err == nil && resp.StatusCode == http.StatusConflict {
			return resp, &httpx.StatusError{StatusCode: resp.StatusCode, Response: resp}
		}
		return resp, err
	})
	tr := httpx.NewTransport(next,
		retry.New(retry.Config[*http.Response]{MaxAttempts: 2, Backoff: retry.Constant(0)}),
		lockedIsStatus)

	resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, up.URL, nil))

	require.NoError(t, err)
	assert.Equal(t, "Conflict #2", readAll(t, resp), "the last response, body intact")
	assert.EqualValues(t, 2, next.closed.Load())
}

func TestRetriesRunningOutOnAFailureResultWithoutAnErrorReturnTheLastResponse(t *testing.T) {
	up := newUpstream(t, statuses(http.StatusConflict))
	next := newCounting(t)
	tr := httpx.NewTransport(next, retry.New(retry.Config[*http.Response]{
		MaxAttempts: 2, Backoff: retry.Constant(0),
		FailureIf: func(resp *http.Response, err error) bool { return err != nil || resp.StatusCode == http.StatusConflict },
	}))

	resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, up.URL, nil))

	require.NoError(t, err)
	assert.Equal(t, "Conflict #2", readAll(t, resp), "the last response, body intact")
	assert.EqualValues(t, 2, next.closed.Load())
}
