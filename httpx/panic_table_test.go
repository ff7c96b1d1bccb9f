package httpx_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/ratelimit"
	"github.com/go-resilience/resilience/retry"
)

// memNext is an in-memory inner transport: it answers the n-th attempt
// (from 1) with codes[n-1] (the last code after that) and counts the
// response bodies it made and those closed.
type memNext struct {
	codes     []int
	attempts  atomic.Int32
	responses atomic.Int32
	closed    atomic.Int32
}

func (m *memNext) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	n := int(m.attempts.Add(1))
	code := m.codes[min(n, len(m.codes))-1]
	m.responses.Add(1)
	resp := foStatus(req, code, http.StatusText(code))
	resp.Body = &foCountedBody{ReadCloser: resp.Body, closed: &m.closed}
	return resp, nil
}

// openBodies is how many response bodies m made that are not closed.
func (m *memNext) openBodies() int32 { return m.responses.Load() - m.closed.Load() }

// panicky is a policy that calls next and panics with v after it returned.
func panicky(v any) resilience.Policy[*http.Response] {
	return resilience.PolicyFunc[*http.Response](func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
		next(ctx)
		panic(v)
	})
}

// A panic in any function of the user's that a Transport runs, on the
// caller's goroutine, reaches the caller unchanged; by then every response
// produced is closed, the request body too, and (goleak, TestMain) no
// attempt's goroutine or timer is left.
func TestTransportPanicsPropagateUnchangedAndReleaseEverything(t *testing.T) {
	noRetryDelay := retry.Constant(0)
	tests := []struct {
		name  string
		codes []int
		cfg   func() httpx.Config
	}{
		{"policy panics before calling next", []int{200}, func() httpx.Config {
			return httpx.Config{Policies: []resilience.Policy[*http.Response]{
				resilience.PolicyFunc[*http.Response](func(context.Context, resilience.Func[*http.Response]) (*http.Response, error) { panic("bug") }),
			}}
		}},
		{"policy panics holding a response", []int{200}, func() httpx.Config {
			return httpx.Config{Policies: []resilience.Policy[*http.Response]{panicky("bug")}}
		}},
		{"policy inside a retry panics holding the second response", []int{503, 200}, func() httpx.Config {
			var n atomic.Int32
			return httpx.Config{Policies: []resilience.Policy[*http.Response]{
				retry.New(retry.Config[*http.Response]{Backoff: noRetryDelay}),
				resilience.PolicyFunc[*http.Response](func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
					resp, err := next(ctx)
					if n.Add(1) == 2 {
						panic("bug")
					}
					return resp, err
				}),
			}}
		}},
		{"retry OnRetry panics holding the failed response", []int{503}, func() httpx.Config {
			return httpx.Config{Policies: []resilience.Policy[*http.Response]{retry.New(retry.Config[*http.Response]{
				Backoff: noRetryDelay, OnRetry: func(retry.Event[*http.Response]) { panic("bug") },
			})}}
		}},
		{"retry FailureIf panics on the response", []int{200}, func() httpx.Config {
			return httpx.Config{Policies: []resilience.Policy[*http.Response]{retry.New(retry.Config[*http.Response]{
				FailureIf: func(*http.Response, error) bool { panic("bug") },
			})}}
		}},
		{"retry DelayFunc panics holding the failed response", []int{503}, func() httpx.Config {
			return httpx.Config{Policies: []resilience.Policy[*http.Response]{retry.New(retry.Config[*http.Response]{
				DelayFunc: func(int, *http.Response, error) time.Duration { panic("bug") },
			})}}
		}},
		{"PerHost panics", []int{200}, func() httpx.Config {
			return httpx.Config{PerHost: func(string) []resilience.Policy[*http.Response] { panic("bug") }}
		}},
		{"per-host breaker FailureIf panics on the response", []int{200}, func() httpx.Config {
			return httpx.Config{PerHost: func(string) []resilience.Policy[*http.Response] {
				return []resilience.Policy[*http.Response]{circuitbreaker.New(circuitbreaker.Config[*http.Response]{
					FailureIf: func(*http.Response, error) bool { panic("bug") },
				})}
			}}
		}},
		{"per-host breaker OnStateChange panics on the response that opens it", []int{503}, func() httpx.Config {
			return httpx.Config{PerHost: func(string) []resilience.Policy[*http.Response] {
				return []resilience.Policy[*http.Response]{circuitbreaker.New(circuitbreaker.Config[*http.Response]{
					ConsecutiveFailures: 1, OnStateChange: func(from, to circuitbreaker.State) { panic("bug") },
					Clock: clock.NewMock(),
				})}
			}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := &memNext{codes: tt.codes}
			cfg := tt.cfg()
			cfg.Next = next
			tr := httpx.New(cfg)
			body := &closeTracker{Reader: strings.NewReader("payload")}
			req := mustRequest(t, http.MethodGet, "http://example.test/", body)
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("payload")), nil }

			assert.PanicsWithValue(t, "bug", func() { tr.RoundTrip(req) }, "the panic, unchanged")
			assert.Zero(t, next.openBodies(), "every response produced is closed (%d made)", next.responses.Load())
			assert.True(t, body.closed.Load(), "the request body is closed")
		})
	}
}

// The same for a Failover, whose per-endpoint state (requests in flight)
// must come back too.
func TestFailoverPanicsPropagateUnchangedAndReleaseEverything(t *testing.T) {
	tests := []struct {
		name  string
		codes []int
		cfg   httpx.FailoverConfig
	}{
		{"FailureIf panics", []int{200}, httpx.FailoverConfig{
			FailureIf: func(*http.Response, error) bool { panic("bug") },
		}},
		{"OnFailover panics", []int{503}, httpx.FailoverConfig{
			OnFailover: func(string, error) { panic("bug") },
		}},
		{"Observer panics on the move to the next endpoint", []int{503}, httpx.FailoverConfig{
			Observer: resilience.ObserverFunc(func(ctx context.Context, e resilience.Event) {
				if e.Kind == resilience.EventRetry {
					panic("bug")
				}
			}),
		}},
		{"breaker FailureIf panics", []int{200}, httpx.FailoverConfig{
			Breaker: circuitbreaker.Config[*http.Response]{FailureIf: func(*http.Response, error) bool { panic("bug") }},
		}},
		{"breaker OnStateChange panics on the response that opens it", []int{503}, httpx.FailoverConfig{
			Breaker: circuitbreaker.Config[*http.Response]{ConsecutiveFailures: 1, OnStateChange: func(from, to circuitbreaker.State) { panic("bug") }},
		}},
		{"FailureIf panics on the second endpoint's response", []int{503, 200}, httpx.FailoverConfig{
			FailureIf: func(resp *http.Response, err error) bool {
				if resp != nil && resp.StatusCode == 200 {
					panic("bug")
				}
				return httpx.IsFailure(resp, err)
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := &memNext{codes: tt.codes}
			cfg := tt.cfg
			cfg.Endpoints, cfg.Next, cfg.Clock = foEndpoints("http://a", "http://b"), next, clock.NewMock()
			f := newFailover(t, cfg)
			body := &closeTracker{Reader: strings.NewReader("payload")}
			req := mustRequest(t, http.MethodPut, "http://svc/", body)
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("payload")), nil }

			assert.PanicsWithValue(t, "bug", func() { f.RoundTrip(req) }, "the panic, unchanged")
			assert.Zero(t, next.openBodies(), "every response produced is closed (%d made)", next.responses.Load())
			assert.Equal(t, []int{0, 0}, foInFlight(f), "no request is left in flight")
			assert.True(t, body.closed.Load(), "the request body is closed")
		})
	}
}

// A panic of the Middleware's callbacks on the request's goroutine
// propagates unchanged (net/http recovers it) after the middleware gave
// back the request's slot.
func TestMiddlewarePanicsPropagateUnchangedAndReleaseThePermit(t *testing.T) {
	reject := func(w http.ResponseWriter, r *http.Request, status int, err error) { panic("bug") }
	tests := []struct {
		name    string
		cfg     httpx.ServerConfig
		handler http.HandlerFunc
	}{
		{"handler panics", httpx.ServerConfig{}, func(http.ResponseWriter, *http.Request) { panic("bug") }},
		{"policy panics", httpx.ServerConfig{Policies: []resilience.Policy[int]{
			resilience.PolicyFunc[int](func(context.Context, resilience.Func[int]) (int, error) { panic("bug") }),
		}}, nil},
		{"policy panics after the handler", httpx.ServerConfig{Policies: []resilience.Policy[int]{
			resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
				next(ctx)
				panic("bug")
			}),
		}}, nil},
		{"Reject panics on a rejection by a policy", httpx.ServerConfig{Reject: reject, Policies: []resilience.Policy[int]{
			resilience.PolicyFunc[int](func(context.Context, resilience.Func[int]) (int, error) { return 0, circuitbreaker.ErrOpen }),
		}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			cfg := tt.cfg
			cfg.MaxConcurrent = 1
			h := newMiddleware(t, cfg, func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 && tt.handler != nil {
					tt.handler(w, r)
				}
				io.WriteString(w, "ok")
			})
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			assert.PanicsWithValue(t, "bug", func() { h.ServeHTTP(httptest.NewRecorder(), req) }, "the panic, unchanged")
			// With the one slot given back a request that reaches no panic is admitted.
			assert.NotPanics(t, func() {
				defer func() { recover() }() // the policies above panic on every request
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				assert.NotEqual(t, http.StatusServiceUnavailable, rec.Code, "the slot came back")
			})
		})
	}
}

// A timeout answer is written from a timer's goroutine: a panic of Reject
// or of the Observer there must not crash the process. It propagates on
// the request's own goroutine instead, unchanged, when the handler
// returns.
func TestMiddlewareTimeoutAnswerPanicsPropagateOnTheRequestsGoroutine(t *testing.T) {
	if inParent(t) {
		return
	}
	tests := []struct {
		name string
		cfg  func(panicking chan<- struct{}) httpx.ServerConfig
	}{
		{"Reject panics", func(panicking chan<- struct{}) httpx.ServerConfig {
			return httpx.ServerConfig{Reject: func(http.ResponseWriter, *http.Request, int, error) {
				close(panicking)
				panic("bug")
			}}
		}},
		{"Observer panics", func(panicking chan<- struct{}) httpx.ServerConfig {
			return httpx.ServerConfig{Observer: resilience.ObserverFunc(func(context.Context, resilience.Event) {
				close(panicking)
				panic("bug")
			})}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mock := clock.NewMock()
			panicking := make(chan struct{})
			cfg := tt.cfg(panicking)
			cfg.Timeout, cfg.Clock, cfg.MaxConcurrent = time.Second, mock, 1
			started := make(chan struct{})
			h := newMiddleware(t, cfg, func(w http.ResponseWriter, r *http.Request) {
				close(started)
				<-r.Context().Done()
				receive(t, panicking, "timeout answer") // written from the timer's goroutine while the handler runs
			})
			go func() {
				<-started
				mock.Add(time.Second)
			}()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			assert.PanicsWithValue(t, "bug", func() { h.ServeHTTP(httptest.NewRecorder(), req) }, "the panic, unchanged, on the request's goroutine")
		})
	}
}

func TestMiddlewareRateLimitOnRejectedPanicPropagatesAndTheSlotStaysFree(t *testing.T) {
	mock := clock.NewMock()
	h := newMiddleware(t, httpx.ServerConfig{
		MaxConcurrent: 1,
		RateLimit: ratelimit.Config{
			Rate: 1, Period: time.Minute, Burst: 1,
			OnRejected: func(context.Context, error) { panic("bug") },
		},
		Clock: mock,
	}, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	ctx := context.Background()

	assert.Equal(t, http.StatusOK, srvServe(h, ctx).Code)
	assert.PanicsWithValue(t, "bug", func() { srvServe(h, ctx) }, "the panic, unchanged")
	mock.Add(time.Minute)
	assert.Equal(t, http.StatusOK, srvServe(h, ctx).Code, "the next permit is served: nothing stayed taken")
}
