package httpx_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/budget"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/retry"
)

// slowFirst answers its first request only when the client gives up on it
// (reporting that on cancelled) and every later one at once.
func slowFirst(t *testing.T) (srv *httptest.Server, hits *atomic.Int32, cancelled chan struct{}) {
	hits = new(atomic.Int32)
	cancelled = make(chan struct{}, 1)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if hits.Add(1) == 1 {
			select {
			case <-r.Context().Done():
				cancelled <- struct{}{}
			case <-time.After(10 * time.Second):
			}
			return
		}
		_, _ = io.WriteString(w, "fast")
	}))
	t.Cleanup(srv.Close)
	return srv, hits, cancelled
}

func TestHedgingSendsASecondCopyAndCancelsTheLoser(t *testing.T) {
	srv, hits, cancelled := slowFirst(t)
	base := http.DefaultTransport.(*http.Transport).Clone()
	defer base.CloseIdleConnections()
	client := &http.Client{Transport: httpx.Hedging(httpx.HedgingConfig{StandardConfig: httpx.StandardConfig{Next: base}, Delay: 20 * time.Millisecond})}

	resp, err := client.Get(srv.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "fast", string(body), "the hedge's answer wins")
	assert.EqualValues(t, 2, hits.Load(), "one hedge was sent")
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the losing attempt was not cancelled")
	}
}

func TestHedgingSendsNonIdempotentRequestsOnce(t *testing.T) {
	srv, hits, cancelled := slowFirst(t)
	base := http.DefaultTransport.(*http.Transport).Clone()
	defer base.CloseIdleConnections()
	client := &http.Client{Transport: httpx.Hedging(httpx.HedgingConfig{
		StandardConfig: httpx.StandardConfig{Next: base, AttemptTimeout: 300 * time.Millisecond},
		Delay:          10 * time.Millisecond,
	})}
	_, err := client.Post(srv.URL, "text/plain", strings.NewReader("pay 10€"))
	require.Error(t, err, "the only attempt timed out")
	assert.EqualValues(t, 1, hits.Load(), "a POST is never hedged")
	<-cancelled
}

func TestHedgingConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg   httpx.HedgingConfig
		field string
	}{
		{httpx.HedgingConfig{MaxHedges: -1}, "MaxHedges"},
		{httpx.HedgingConfig{Delay: -time.Second}, "Delay"},
		{httpx.HedgingConfig{StandardConfig: httpx.StandardConfig{AttemptTimeout: -2}}, "AttemptTimeout"},
		{httpx.HedgingConfig{StandardConfig: httpx.StandardConfig{TotalTimeout: -2}}, "TotalTimeout"},
		// The embedded retry fields would do nothing: refused, not ignored.
		{httpx.HedgingConfig{StandardConfig: httpx.StandardConfig{MaxAttempts: 3}}, "MaxAttempts"},
		{httpx.HedgingConfig{StandardConfig: httpx.StandardConfig{Backoff: retry.Constant(time.Second)}}, "Backoff"},
		{httpx.HedgingConfig{StandardConfig: httpx.StandardConfig{MaxRetryAfter: time.Second}}, "MaxRetryAfter"},
	} {
		err := tc.cfg.Validate()
		require.ErrorIs(t, err, resilience.ErrInvalidConfig, "%+v", tc.cfg)
		assert.Contains(t, err.Error(), tc.field)
		assert.PanicsWithError(t, err.Error(), func() { httpx.Hedging(tc.cfg) })
	}
	assert.NoError(t, httpx.HedgingConfig{}.Validate())
}

// A spent retry budget ends the standard stack's retries: the last
// response comes back with no error.
func TestStandardRetryBudget(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	base := http.DefaultTransport.(*http.Transport).Clone()
	defer base.CloseIdleConnections()
	cfg := httpx.StandardConfig{Next: base, MaxAttempts: 4, Backoff: retry.Constant(0), NoBreaker: true}

	// 10% of one request, no floor: not a single retry is allowed.
	cfg.Budget = budget.New(budget.Config{Percent: 0.1, MinPerSecond: budget.NoFloor})
	resp, err := (&http.Client{Transport: httpx.Standard(cfg)}).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.EqualValues(t, 1, hits.Load(), "the budget refused every retry")

	hits.Store(0)
	cfg.Budget, cfg.NoBudget = nil, true
	resp, err = (&http.Client{Transport: httpx.Standard(cfg)}).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.EqualValues(t, 4, hits.Load(), "without a budget all attempts are made")

	hits.Store(0)
	cfg.NoBudget = false // the default budget's floor allows these few retries
	resp, err = (&http.Client{Transport: httpx.Standard(cfg)}).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.EqualValues(t, 4, hits.Load())
}
