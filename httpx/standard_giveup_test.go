package httpx_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/resiliencetest"
)

// advance moves clk by each delay the code under test waits on it, until
// the test ends; it returns a pointer to the delays seen so far, to read
// between requests.
func advance(t *testing.T, clk *resiliencetest.Clock) func() []time.Duration {
	got := make(chan []time.Duration)
	ask := make(chan struct{})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var delays []time.Duration
		for {
			select {
			case d := <-clk.Waits():
				delays = append(delays, d)
				clk.Add(d)
			case <-ask:
				got <- delays
				delays = nil
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	return func() []time.Duration { ask <- struct{}{}; return <-got }
}

// exhausted returns the retry's exhausted events among events.
func exhausted(events []resilience.Event) []resilience.Event {
	var out []resilience.Event
	for _, e := range events {
		if e.Policy == "retry" && e.Kind == resilience.EventExhausted {
			out = append(out, e)
		}
	}
	return out
}

func TestStandardGivesUpOnARetryAfterAboveTheCapWithAnEventThatSaysSo(t *testing.T) {
	up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "45") // above the default MaxRetryAfter of 30s
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("later"))
	})
	rec := &resiliencetest.Events{}
	tr := httpx.Standard(httpx.StandardConfig{Next: newCounting(t), TotalTimeout: -1, Observer: rec, Clock: resiliencetest.NewClock()})

	resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, up.URL, nil))
	require.NoError(t, err, "giving up returns the response")
	assert.Equal(t, "later", readAll(t, resp))
	assert.EqualValues(t, 1, up.hits.Load(), "hits")
	events := exhausted(rec.All())
	require.Len(t, events, 1, "exhausted events")
	assert.Equal(t, resilience.ReasonDelayTooLong, events[0].Reason, "reason")
}

func TestStandardAroundAnOpenBreakerReturnsTheLast500WithoutWaiting(t *testing.T) {
	up := newUpstream(t, statuses(http.StatusInternalServerError))
	inner := newCounting(t)
	clk := resiliencetest.NewClock()
	rec := &resiliencetest.Events{}
	// Three attempts a request and a count window, so that the arithmetic
	// below does not depend on the preset's numbers: the breaker opens on
	// the 20th failed call, the second attempt of the 7th request, after
	// six requests of three.
	tr := httpx.Standard(httpx.StandardConfig{
		Next: inner, NoBudget: true, Observer: rec, Clock: clk, MaxAttempts: 3,
		Breaker: &circuitbreaker.Config[*http.Response]{MinCalls: 20, OpenDelay: 5 * time.Second},
	})
	delays := advance(t, clk)

	for i := 1; i <= 6; i++ {
		resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, up.URL, nil))
		require.NoError(t, err, "request %d", i)
		readAll(t, resp)
		assert.Len(t, delays(), 2, "request %d: delays", i)
	}
	resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, up.URL, nil))
	require.NoError(t, err, "the request whose attempt opened the breaker gets that attempt's response")
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Equal(t, "Internal Server Error #20", readAll(t, resp), "the last real response, body intact")
	assert.Len(t, delays(), 1, "delays: none after the attempt that opened the breaker")
	assert.EqualValues(t, 20, up.hits.Load(), "hits")
	events := exhausted(rec.All())
	require.NotEmpty(t, events)
	last := events[len(events)-1]
	assert.Equal(t, resilience.ReasonRejected, last.Reason, "the give-up says the breaker is open")
	assert.Equal(t, 2, last.Attempt, "attempts")

	// A request that the open breaker rejects at once has no response to
	// return: its error says why, without a wait.
	_, err = tr.RoundTrip(mustRequest(t, http.MethodGet, up.URL, nil))
	assert.ErrorIs(t, err, circuitbreaker.ErrOpen)
	assert.Empty(t, delays(), "delays")
	assert.EqualValues(t, 20, up.hits.Load(), "hits")
	assert.Equal(t, inner.responses.Load(), inner.closed.Load(), "every response body closed")
}
