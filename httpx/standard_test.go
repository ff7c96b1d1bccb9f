package httpx_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/resiliencetest"
	"github.com/go-resilience/resilience/retry"
)

type outcome struct {
	resp *http.Response
	err  error
}

func roundTripAsync(tr http.RoundTripper, req *http.Request) <-chan outcome {
	done := make(chan outcome, 1)
	go func() {
		resp, err := tr.RoundTrip(req)
		done <- outcome{resp, err}
	}()
	return done
}

func TestStandardHonoursRetryAfter(t *testing.T) {
	const date = "Sun, 06 Nov 1994 08:49:37 GMT"
	tests := []struct {
		name, retryAfter, date string
		want                   time.Duration
	}{
		{name: "delta-seconds", retryAfter: "7", want: 7 * time.Second},
		{name: "HTTP-date against Date", retryAfter: "Sun, 06 Nov 1994 08:49:49 GMT", date: date, want: 12 * time.Second},
		{name: "past HTTP-date: at once", retryAfter: "Sun, 06 Nov 1994 08:40:00 GMT", date: date, want: 0},
		{name: "malformed: backoff", retryAfter: "7s", want: 250 * time.Millisecond},
		{name: "absurd: backoff", retryAfter: "86401", want: 250 * time.Millisecond},
		{name: "negative: backoff", retryAfter: "-3", want: 250 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					w.Header().Set("Retry-After", tt.retryAfter)
					if tt.date != "" {
						w.Header()["Date"] = []string{tt.date}
					}
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				w.Write([]byte("ok"))
			})
			clk := resiliencetest.NewClock()
			inner := newCounting(t)
			tr := httpx.Standard(httpx.StandardConfig{Next: inner, Backoff: retry.Constant(250 * time.Millisecond), Clock: clk})

			done := roundTripAsync(tr, mustRequest(t, http.MethodGet, up.URL, nil))
			if tt.want > 0 {
				d := <-clk.Waits()
				assert.Equal(t, tt.want, d, "delay before the retry")
				clk.Add(d)
			}
			o := <-done
			require.NoError(t, o.err)
			assert.Equal(t, "ok", readAll(t, o.resp))
			assert.EqualValues(t, 2, up.hits.Load())
			assert.Equal(t, inner.responses.Load(), inner.closed.Load())
		})
	}
}

func TestStandardGivesUpWhenRetryAfterPassesTotalTimeout(t *testing.T) {
	up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "60") // more than the 30s total timeout
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte("slow down"))
	})
	inner := newCounting(t)
	tr := httpx.Standard(httpx.StandardConfig{Next: inner, Clock: resiliencetest.NewClock()})

	resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, up.URL, nil))
	require.NoError(t, err, "giving up returns the response")
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "60", resp.Header.Get("Retry-After"))
	assert.Equal(t, "slow down", readAll(t, resp))
	assert.EqualValues(t, 1, up.hits.Load(), "no retry: the wait would pass the deadline")
}

func TestStandardCapsRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  httpx.StandardConfig
		hits int32
	}{
		{"default cap 30s", httpx.StandardConfig{TotalTimeout: -1}, 1},
		{"cap 1m", httpx.StandardConfig{TotalTimeout: -1, MaxRetryAfter: time.Minute}, 2},
		{"no cap", httpx.StandardConfig{TotalTimeout: -1, MaxRetryAfter: -1}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					w.Header().Set("Retry-After", "45")
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				w.WriteHeader(http.StatusOK)
			})
			clk := resiliencetest.NewClock()
			tt.cfg.Next, tt.cfg.Clock = newCounting(t), clk
			done := roundTripAsync(httpx.Standard(tt.cfg), mustRequest(t, http.MethodGet, up.URL, nil))
			if tt.hits == 2 {
				assert.Equal(t, 45*time.Second, <-clk.Waits())
				clk.Add(45 * time.Second)
			}
			o := <-done
			require.NoError(t, o.err)
			readAll(t, o.resp)
			assert.Equal(t, tt.hits, up.hits.Load())
		})
	}
}

func TestStandardReturnsLast503AfterAllRetries(t *testing.T) {
	up := newUpstream(t, statuses(503))
	inner := newCounting(t)
	tr := httpx.Standard(httpx.StandardConfig{Next: inner, Backoff: retry.Constant(0)})

	resp, err := (&http.Client{Transport: tr}).Get(up.URL)
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "Service Unavailable #5", readAll(t, resp), "the last body, intact")
	assert.EqualValues(t, 5, up.hits.Load(), "5 attempts")
	assert.Equal(t, inner.responses.Load(), inner.closed.Load())
}

func TestStandardAttemptTimeoutBoundsHeadersOnly(t *testing.T) {
	arrived := make(chan int, 2)
	release := make(chan struct{})
	up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
		arrived <- n
		if n == 1 { // no headers until the attempt timed out
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Write([]byte("head,"))
		w.(http.Flusher).Flush()
		<-release // the body is slower than any timer of the stack
		w.Write([]byte("tail"))
	})
	clk := resiliencetest.NewClock()
	tr := httpx.Standard(httpx.StandardConfig{Next: newCounting(t), Backoff: retry.Constant(0), Clock: clk})

	done := roundTripAsync(tr, mustRequest(t, http.MethodGet, up.URL, nil))
	require.Equal(t, 1, <-arrived)
	clk.Add(10 * time.Second) // the attempt timeout passes
	require.Equal(t, 2, <-arrived)
	o := <-done
	require.NoError(t, o.err)
	clk.Add(time.Hour) // every timer of the stack has long passed
	close(release)
	assert.Equal(t, "head,tail", readAll(t, o.resp))
}

func TestStandardBreakerPerHost(t *testing.T) {
	broken := newUpstream(t, statuses(503))
	healthy := newUpstream(t, statuses(200))
	tr := httpx.Standard(httpx.StandardConfig{Next: newCounting(t), Backoff: retry.Constant(0), Clock: clock.NewMock()})

	var err error
	for i := 0; i < 10 && err == nil; i++ {
		var resp *http.Response
		resp, err = tr.RoundTrip(mustRequest(t, http.MethodGet, broken.URL, nil))
		if err == nil {
			readAll(t, resp)
		}
	}
	require.ErrorIs(t, err, circuitbreaker.ErrOpen)
	assert.EqualValues(t, 20, broken.hits.Load(), "the breaker opens after 20 failures of 20 calls")

	resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, healthy.URL, nil))
	require.NoError(t, err, "another host has its own breaker")
	assert.Equal(t, "OK #1", readAll(t, resp))
}

func TestUserRetryPolicyCannotRepeatPOST(t *testing.T) {
	up := newUpstream(t, statuses(500, 201))
	inner := newCounting(t)
	eager := retry.New(retry.Config[*http.Response]{
		MaxAttempts: 5,
		Backoff:     retry.Constant(0),
		FailureIf:   func(*http.Response, error) bool { return true }, // even "retry everything"
	})
	resp, err := httpx.NewTransport(inner, eager).RoundTrip(mustRequest(t, http.MethodPost, up.URL, strings.NewReader("pay 10")))
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	readAll(t, resp)
	assert.EqualValues(t, 1, up.hits.Load())
}

func TestStandardConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   httpx.StandardConfig
		field string
	}{
		{name: "zero", cfg: httpx.StandardConfig{}},
		{name: "no timeouts", cfg: httpx.StandardConfig{TotalTimeout: -1, AttemptTimeout: -1, NoBreaker: true}},
		{name: "TotalTimeout", cfg: httpx.StandardConfig{TotalTimeout: -2}, field: "TotalTimeout"},
		{name: "AttemptTimeout", cfg: httpx.StandardConfig{AttemptTimeout: -5}, field: "AttemptTimeout"},
		{name: "MaxRetryAfter", cfg: httpx.StandardConfig{MaxRetryAfter: -2}, field: "MaxRetryAfter"},
		{name: "MaxAttempts", cfg: httpx.StandardConfig{MaxAttempts: -2}, field: "MaxAttempts"},
		{name: "Breaker", cfg: httpx.StandardConfig{Breaker: &circuitbreaker.Config[*http.Response]{FailureRate: 2}}, field: "FailureRate"},
		{name: "Breaker ignored with NoBreaker", cfg: httpx.StandardConfig{Breaker: &circuitbreaker.Config[*http.Response]{FailureRate: 2}, NoBreaker: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.field == "" {
				require.NoError(t, err)
				assert.NotPanics(t, func() { httpx.Standard(tt.cfg) })
				return
			}
			var ce *resilience.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.field, ce.Field)
			assert.ErrorIs(t, err, resilience.ErrInvalidConfig)
			assert.PanicsWithError(t, err.Error(), func() { httpx.Standard(tt.cfg) })
		})
	}
}

func TestStandardNamesBreakersByHost(t *testing.T) {
	up := newUpstream(t, statuses(503))
	var names []string
	obs := resilience.ObserverFunc(func(_ context.Context, e resilience.Event) {
		if e.Policy == "circuitbreaker" && e.Kind == resilience.EventStateChange {
			names = append(names, e.Name)
		}
	})
	tr := httpx.Standard(httpx.StandardConfig{
		Next:        newCounting(t),
		Name:        "billing",
		MaxAttempts: 1,
		Breaker:     &circuitbreaker.Config[*http.Response]{ConsecutiveFailures: 1},
		Observer:    obs,
	})
	resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, up.URL, nil))
	require.NoError(t, err)
	readAll(t, resp)
	assert.Equal(t, []string{"billing " + up.URL}, names, "one breaker, named after its host, opened")
}

// closedAddr returns a loopback address nothing listens on: connecting to
// it is refused.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// The standard retry outlasts a connection-refused blip of 2s whatever the
// jitter draws: 5 attempts, delays with equal jitter that add up to at
// least 3.75s.
func TestStandardRetriesOutlastARefusedBlip(t *testing.T) {
	clk := resiliencetest.NewClock()
	inner := newCounting(t)
	tr := httpx.Standard(httpx.StandardConfig{Next: inner, Clock: clk})

	done := roundTripAsync(tr, mustRequest(t, http.MethodGet, "http://"+closedAddr(t)+"/", nil))
	var total time.Duration
	var o outcome
	for i, base := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second} {
		var d time.Duration
		select {
		case d = <-clk.Waits():
		case o = <-done:
			t.Fatalf("gave up after %d delays (%v in all): %v", i, total, o.err)
		}
		assert.True(t, d >= base/2 && d <= base, "delay %d = %v, want in [%v, %v]", i+1, d, base/2, base)
		total += d
		clk.Add(d)
	}
	o = <-done
	require.Error(t, o.err)
	assert.ErrorContains(t, o.err, "connection refused")
	assert.EqualValues(t, 5, inner.attempts.Load(), "attempts")
	assert.GreaterOrEqual(t, total, 3750*time.Millisecond, "the retries span a 2s blip with room to spare")
}

// The standard breaker judges the last 5s only, opens for 1s at first, and
// its later openings double up to 5s.
func TestStandardBreakerOpensBrieflyFirst(t *testing.T) {
	up := newUpstream(t, statuses(503))
	clk := clock.NewMock()
	tr := httpx.Standard(httpx.StandardConfig{Next: newCounting(t), MaxAttempts: 1, Clock: clk})
	send := func() error {
		resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, up.URL, nil))
		if err == nil {
			readAll(t, resp)
		}
		return err
	}
	for range 19 {
		require.NoError(t, send(), "19 failures: below MinCalls")
	}
	clk.Add(5 * time.Second) // they leave the 5s window
	for range 19 {
		require.NoError(t, send(), "19 failures of a new window: below MinCalls")
	}
	require.NoError(t, send(), "the 20th failure in the window opens the breaker")
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second} {
		err := send()
		var open *circuitbreaker.OpenError
		require.ErrorAs(t, err, &open, "opening %d", i+1)
		assert.Equal(t, want, open.RetryAfter(), "opening %d lasts", i+1)
		clk.Add(want - time.Millisecond)
		require.ErrorIs(t, send(), circuitbreaker.ErrOpen, "opening %d: still open just before its end", i+1)
		clk.Add(time.Millisecond)
		require.NoError(t, send(), "opening %d over: the trial goes through, fails and reopens", i+1)
	}
	assert.EqualValues(t, 19+19+1+5, up.hits.Load(), "calls that reached the upstream")
}
