package httpx_test

import (
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/httpx"
)

func noPolicies(string) []resilience.Policy[*http.Response] { return nil }

func get(t *testing.T, rt http.RoundTripper, url string) {
	t.Helper()
	resp, err := rt.RoundTrip(mustRequest(t, http.MethodGet, url, nil))
	require.NoError(t, err)
	resp.Body.Close()
}

func TestPerHostIdleDropsIdleKeys(t *testing.T) {
	mock := clock.NewMock()
	var b builds
	tr := httpx.New(httpx.Config{Next: staticTransport{}, PerHost: b.perHost, PerHostIdle: time.Minute, Clock: mock})
	const a, c, d = "http://a.test:80", "http://c.test:80", "http://d.test:80"

	get(t, tr, "http://a.test/")
	mock.Add(50 * time.Second)
	get(t, tr, "http://a.test/") // used again: its idle time starts over
	get(t, tr, "http://c.test/")
	mock.Add(50 * time.Second) // a: 50s idle, c: 50s idle
	get(t, tr, "http://d.test/")
	get(t, tr, "http://a.test/")
	assert.Equal(t, 1, b.count(a), "a key used within PerHostIdle keeps its policies")

	mock.Add(61 * time.Second)   // everything idle for over a minute
	get(t, tr, "http://a.test/") // a known key: no sweep, same policies
	assert.Equal(t, 1, b.count(a))
	mock.Add(61 * time.Second)
	get(t, tr, "http://e.test/") // a new key sweeps: a, c and d go
	get(t, tr, "http://a.test/")
	assert.Equal(t, 2, b.count(a), "a key idle for PerHostIdle is built anew")
	get(t, tr, "http://c.test/")
	assert.Equal(t, 2, b.count(c))
	assert.Equal(t, 1, b.count(d))
}

func TestPerHostKeysKeptWithoutIdle(t *testing.T) {
	mock := clock.NewMock()
	var b builds
	tr := httpx.New(httpx.Config{Next: staticTransport{}, PerHost: b.perHost, Clock: mock})
	get(t, tr, "http://a.test/")
	mock.Add(24 * time.Hour)
	get(t, tr, "http://b.test/")
	get(t, tr, "http://a.test/")
	assert.Equal(t, 1, b.count("http://a.test:80"), "PerHostIdle 0: keys are kept for ever")
}

// The sweep runs at most once per PerHostIdle/2, however many new keys
// arrive: a key that turns idle just after a sweep stays until the next.
func TestPerHostIdleSweepsAtMostTwicePerIdle(t *testing.T) {
	mock := clock.NewMock()
	var b builds
	tr := httpx.New(httpx.Config{Next: staticTransport{}, PerHost: b.perHost, PerHostIdle: time.Minute, Clock: mock})
	get(t, tr, "http://a.test/")
	mock.Add(40 * time.Second)
	get(t, tr, "http://b.test/") // sweeps: a is 40s idle, kept
	mock.Add(25 * time.Second)   // a: 65s idle; the last sweep was 25s ago
	get(t, tr, "http://c.test/") // no sweep yet
	get(t, tr, "http://a.test/")
	assert.Equal(t, 1, b.count("http://a.test:80"), "a swept at most every 30s")
}

// In the standard stack a host's breaker goes with its key: once dropped,
// an open breaker no longer turns the host's requests away.
func TestStandardPerHostIdle(t *testing.T) {
	mock := clock.NewMock()
	var failing atomic.Bool
	failing.Store(true)
	next := rtFunc(func(r *http.Request) (*http.Response, error) {
		if failing.Load() {
			return nil, errors.New("connection refused")
		}
		return staticTransport{}.RoundTrip(r)
	})
	tr := httpx.Standard(httpx.StandardConfig{
		Next: next, MaxAttempts: 1, NoBudget: true, PerHostIdle: time.Minute, Clock: mock,
		Breaker: &circuitbreaker.Config[*http.Response]{ConsecutiveFailures: 1, OpenDelay: time.Hour},
	})
	req := func(url string) error {
		resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, url, nil))
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	require.Error(t, req("http://a.test/")) // opens a's breaker for an hour
	failing.Store(false)
	require.ErrorIs(t, req("http://a.test/"), circuitbreaker.ErrOpen)

	mock.Add(2 * time.Minute)
	require.NoError(t, req("http://b.test/")) // a new key: the sweep drops a
	assert.NoError(t, req("http://a.test/"), "a's breaker went with its key")

	err := httpx.StandardConfig{PerHostIdle: -1}.Validate()
	var ce *resilience.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "PerHostIdle", ce.Field)
}
