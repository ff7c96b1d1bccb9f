package httpx_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/bulkhead"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/ratelimit"
)

func newMiddleware(t *testing.T, cfg httpx.ServerConfig, h http.HandlerFunc) http.Handler {
	t.Helper()
	return httpx.Middleware(cfg)(h)
}

// srvServe runs one request through h in memory and returns the recorder.
func srvServe(h http.Handler, ctx context.Context) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx)
	h.ServeHTTP(rec, req)
	return rec
}

// srvClient is an HTTP client whose connections close when the test ends.
func srvClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func TestServerOverloadRejectsAndBoundsInFlight(t *testing.T) {
	const limit, requests = 3, 12
	var inFlight, most atomic.Int32
	entered := make(chan struct{}, requests)
	release := make(chan struct{})
	h := newMiddleware(t, httpx.ServerConfig{MaxConcurrent: limit}, func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		entered <- struct{}{}
		<-release
		inFlight.Add(-1)
		io.WriteString(w, "done")
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := srvClient(t)

	type result struct {
		code       int
		retryAfter string
	}
	results := make(chan result, requests)
	for range requests {
		go func() {
			resp, err := client.Get(srv.URL)
			if err != nil {
				results <- result{code: -1}
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			results <- result{resp.StatusCode, resp.Header.Get("Retry-After")}
		}()
	}
	// limit requests run and block; every other one is turned away at once.
	for range requests - limit {
		r := <-results
		assert.Equal(t, http.StatusServiceUnavailable, r.code)
		assert.Equal(t, "1", r.retryAfter, "the default Retry-After")
	}
	for range limit {
		<-entered
	}
	close(release)
	for range limit {
		assert.Equal(t, http.StatusOK, (<-results).code)
	}
	assert.EqualValues(t, limit, most.Load(), "in flight never above MaxConcurrent")
}

func TestServerQueuesUpToMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		h := newMiddleware(t, httpx.ServerConfig{MaxConcurrent: 1, MaxWait: time.Second},
			func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/slow" {
					<-release
				}
				io.WriteString(w, "ok")
			})
		serve := func(path string) (*httptest.ResponseRecorder, chan struct{}) {
			rec, done := httptest.NewRecorder(), make(chan struct{})
			go func() {
				defer close(done)
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			}()
			synctest.Wait()
			return rec, done
		}
		slow, slowDone := serve("/slow")
		late, lateDone := serve("/")
		time.Sleep(time.Second) // MaxWait passes
		<-lateDone
		assert.Equal(t, http.StatusServiceUnavailable, late.Code, "queued past MaxWait")

		queued, queuedDone := serve("/")
		close(release)
		<-slowDone
		<-queuedDone
		assert.Equal(t, http.StatusOK, slow.Code)
		assert.Equal(t, http.StatusOK, queued.Code, "admitted when a slot frees within MaxWait")
	})
}

func TestServerTimeoutAnswersWhileHandlerRuns(t *testing.T) {
	mock := clock.NewMock()
	started, release := make(chan struct{}), make(chan struct{})
	handlerDone := make(chan error, 1)
	var deadline time.Time
	h := newMiddleware(t, httpx.ServerConfig{Timeout: 5 * time.Second, RetryAfter: 1500 * time.Millisecond, Clock: mock},
		func(w http.ResponseWriter, r *http.Request) {
			deadline, _ = r.Context().Deadline()
			close(started)
			<-release
			_, err := w.Write([]byte("too late"))
			handlerDone <- errors.Join(err, r.Context().Err())
		})
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := srvClient(t)

	responses := make(chan *http.Response, 1)
	go func() {
		resp, err := client.Get(srv.URL)
		if err != nil {
			close(responses)
			return
		}
		responses <- resp
	}()
	<-started
	assert.Equal(t, mock.Now().Add(5*time.Second), deadline, "the request's deadline is on the clock")
	mock.Add(5 * time.Second)
	resp, ok := <-responses // the handler is still blocked: the answer came at the deadline
	require.True(t, ok)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"), "1.5s rounded up")
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "Service Unavailable\n", string(body))

	close(release)
	err = <-handlerDone
	assert.ErrorIs(t, err, http.ErrHandlerTimeout, "the handler's late write fails")
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the handler's ctx ended at the deadline")
}

func TestServerTimeoutAfterHeadersKeepsHandlersResponse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ctxErr error
		h := newMiddleware(t, httpx.ServerConfig{Timeout: time.Second}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "part one;")
			w.(http.Flusher).Flush()
			time.Sleep(2 * time.Second)
			ctxErr = r.Context().Err()
			io.WriteString(w, "part two")
		})
		rec := srvServe(h, context.Background())
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, "part one;part two", rec.Body.String(), "nothing buffered, nothing cut")
		assert.ErrorIs(t, ctxErr, context.DeadlineExceeded)
		assert.True(t, rec.Flushed)
	})
}

func TestServerTimeoutHandlerGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var events []resilience.Event
		obs := resilience.ObserverFunc(func(_ context.Context, e resilience.Event) { events = append(events, e) })
		h := newMiddleware(t, httpx.ServerConfig{Name: "api", Timeout: time.Second, Observer: obs},
			func(w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done() // a handler that honours its ctx and returns without a word
			})
		rec := srvServe(h, context.Background())
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.Equal(t, "1", rec.Header().Get("Retry-After"))
		require.Len(t, events, 1)
		assert.Equal(t, resilience.EventTimeout, events[0].Kind)
		assert.Equal(t, "api", events[0].Name)
		assert.Equal(t, time.Second, events[0].Duration)
	})
}

func TestServerTimeoutIgnoredWhenClientLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		h := newMiddleware(t, httpx.ServerConfig{Timeout: time.Second}, func(w http.ResponseWriter, r *http.Request) {
			cancel()
			<-r.Context().Done()
			time.Sleep(2 * time.Second) // past the deadline too
		})
		rec := srvServe(h, ctx)
		assert.Empty(t, rec.Header().Get("Retry-After"), "no 503 for a client that is gone")
	})
}

func TestServerRateLimitAnswers429(t *testing.T) {
	mock := clock.NewMock()
	h := newMiddleware(t, httpx.ServerConfig{
		RateLimit: ratelimit.Config{Rate: 1, Period: 10 * time.Second},
		Clock:     mock,
	}, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	ctx := context.Background()

	assert.Equal(t, http.StatusOK, srvServe(h, ctx).Code)
	rec := srvServe(h, ctx)
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "10", rec.Header().Get("Retry-After"), "when the bucket has a token again")
	mock.Add(7*time.Second + 500*time.Millisecond)
	rec = srvServe(h, ctx)
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "3", rec.Header().Get("Retry-After"), "2.5s rounded up")
	mock.Add(3 * time.Second)
	assert.Equal(t, http.StatusOK, srvServe(h, ctx).Code)
}

func TestServerPanicReleasesPermit(t *testing.T) {
	for _, timeout := range []time.Duration{0, time.Hour} {
		h := newMiddleware(t, httpx.ServerConfig{MaxConcurrent: 1, Timeout: timeout}, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Has("panic") {
				panic("handler bug")
			}
			io.WriteString(w, "ok")
		})
		req := httptest.NewRequest(http.MethodGet, "/?panic", nil)
		require.PanicsWithValue(t, "handler bug", func() { h.ServeHTTP(httptest.NewRecorder(), req) }, "timeout %v", timeout)
		rec := srvServe(h, context.Background())
		assert.Equal(t, http.StatusOK, rec.Code, "the permit came back (timeout %v)", timeout)
	}
}

func TestServerPanicOverTheNetwork(t *testing.T) {
	h := newMiddleware(t, httpx.ServerConfig{MaxConcurrent: 1}, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic(http.ErrAbortHandler) // net/http recovers it quietly
		}
		io.WriteString(w, "ok")
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := srvClient(t)
	_, err := client.Get(srv.URL + "/panic")
	require.Error(t, err, "the connection is aborted")
	resp, err := client.Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestServerBreakerPolicy(t *testing.T) {
	mock := clock.NewMock()
	breaker := circuitbreaker.New(circuitbreaker.Config[int]{
		ConsecutiveFailures: 1,
		OpenDelay:           90 * time.Second,
		FailureIf:           func(status int, err error) bool { return err != nil || status >= 500 },
		Clock:               mock,
	})
	var calls atomic.Int32
	h := newMiddleware(t, httpx.ServerConfig{Policies: []resilience.Policy[int]{breaker}}, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	})
	ctx := context.Background()
	assert.Equal(t, http.StatusInternalServerError, srvServe(h, ctx).Code)
	mock.Add(30 * time.Second)
	rec := srvServe(h, ctx)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "60", rec.Header().Get("Retry-After"), "the breaker's time until its next trial")
	assert.EqualValues(t, 1, calls.Load())
}

// srvWait is an error that tells when to come back.
type srvWait time.Duration

func (w srvWait) Error() string             { return "come back later" }
func (w srvWait) RetryAfter() time.Duration { return time.Duration(w) }

func TestServerRetryAfterHeader(t *testing.T) {
	tests := []struct {
		err  error
		def  time.Duration
		want string
	}{
		{errors.New("no hint"), 0, "1"},
		{errors.New("no hint"), 2500 * time.Millisecond, "3"},
		{srvWait(0), time.Minute, "1"},
		{srvWait(time.Nanosecond), 0, "1"},
		{srvWait(time.Second), 0, "1"},
		{srvWait(time.Second + time.Millisecond), 0, "2"},
		{srvWait(time.Duration(1<<63 - 1)), 0, "9223372037"},
		{&bulkhead.FullError{MaxConcurrent: 1}, 4 * time.Second, "4"},
	}
	for _, tt := range tests {
		refuse := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
			return 0, tt.err
		})
		h := newMiddleware(t, httpx.ServerConfig{RetryAfter: tt.def, Policies: []resilience.Policy[int]{refuse}},
			func(w http.ResponseWriter, r *http.Request) { t.Error("the handler ran") })
		rec := srvServe(h, context.Background())
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.Equal(t, tt.want, rec.Header().Get("Retry-After"), "Retry-After for %v with default %v", tt.err, tt.def)
	}
}

func TestServerRejectHook(t *testing.T) {
	var gotStatus int
	var gotErr error
	h := newMiddleware(t, httpx.ServerConfig{
		RateLimit: ratelimit.Config{Rate: 1, Period: time.Hour},
		Reject: func(w http.ResponseWriter, r *http.Request, status int, err error) {
			gotStatus, gotErr = status, err
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, `{"error":"slow down"}`)
		},
	}, func(w http.ResponseWriter, r *http.Request) {})
	srvServe(h, context.Background())
	rec := srvServe(h, context.Background())
	assert.Equal(t, http.StatusTooManyRequests, gotStatus)
	assert.ErrorIs(t, gotErr, ratelimit.ErrExceeded)
	assert.Equal(t, `{"error":"slow down"}`, rec.Body.String())
	assert.Equal(t, "3600", rec.Header().Get("Retry-After"), "set before the hook runs")
}

func TestServerHandlerRunsOnce(t *testing.T) {
	var calls atomic.Int32
	var second error
	twice := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
		status, err := next(ctx)
		_, second = next(ctx)
		return status, err
	})
	h := newMiddleware(t, httpx.ServerConfig{Policies: []resilience.Policy[int]{twice}}, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		assert.False(t, resilience.Repeatable(r.Context()), "hedging policies must not repeat a request")
		w.WriteHeader(http.StatusAccepted)
	})
	rec := srvServe(h, context.Background())
	assert.Equal(t, http.StatusAccepted, rec.Code)
	assert.EqualValues(t, 1, calls.Load())
	assert.True(t, resilience.IsPermanent(second))
}

func TestServerPolicyOutcomeStatus(t *testing.T) {
	var seen []int
	observe := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
		status, err := next(ctx)
		seen = append(seen, status)
		return status, err
	})
	teapot := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
		if strings.Contains(resilienceTestPath(ctx), "tea") {
			return http.StatusTeapot, nil // answered without the handler
		}
		return next(ctx)
	})
	h := newMiddleware(t, httpx.ServerConfig{Policies: []resilience.Policy[int]{observe, teapot}}, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/silent":
			w.Header().Set("X-Silent", "1")
		case "/created":
			w.WriteHeader(http.StatusCreated)
		}
	})
	for _, tt := range []struct {
		path string
		code int
	}{{"/silent", 200}, {"/created", 201}, {"/tea", 418}} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, tt.path, nil)
		h.ServeHTTP(rec, req.WithContext(context.WithValue(req.Context(), srvPathKey{}, tt.path)))
		assert.Equal(t, tt.code, rec.Code, tt.path)
	}
	assert.Equal(t, []int{200, 201, 418}, seen, "the policies see the status the handler answered")
}

type srvPathKey struct{}

func resilienceTestPath(ctx context.Context) string {
	p, _ := ctx.Value(srvPathKey{}).(string)
	return p
}

func TestServerHeadersAndTrailersWithTimeout(t *testing.T) {
	outer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", "r1")
			next.ServeHTTP(w, r)
		})
	}
	h := outer(newMiddleware(t, httpx.ServerConfig{Timeout: time.Hour}, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "r1", w.Header().Get("X-Request-Id"), "the handler sees headers set outside")
		w.Header().Set("Trailer", "X-Sum")
		w.Header().Set("X-Handler", "h")
		io.WriteString(w, "body")
		w.Header().Set("X-Sum", "42")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srvClient(t).Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "r1", resp.Header.Get("X-Request-Id"))
	assert.Equal(t, "h", resp.Header.Get("X-Handler"))
	assert.Equal(t, "42", resp.Trailer.Get("X-Sum"), "a trailer set after the body still goes out")
}

func TestServerTimeoutAnswerKeepsOuterHeadersOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := httptest.NewRecorder()
		rec.Header().Set("X-Request-Id", "r1")
		h := newMiddleware(t, httpx.ServerConfig{Timeout: time.Second}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Handler", "h")
			time.Sleep(2 * time.Second)
		})
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.Equal(t, "r1", rec.Header().Get("X-Request-Id"))
		assert.Empty(t, rec.Header().Get("X-Handler"), "the handler's headers belong to its own answer")
	})
}

func TestServerWriterAfterTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var flushErr, hijackErr error
		var superfluous int
		h := newMiddleware(t, httpx.ServerConfig{Timeout: time.Second}, func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(2 * time.Second)
			synctest.Wait()
			rc := http.NewResponseController(w)
			flushErr = rc.Flush()
			_, _, hijackErr = rc.Hijack()
			w.WriteHeader(http.StatusOK) // dropped
			w.(http.Flusher).Flush()     // dropped
			superfluous = 1
		})
		rec := srvServe(h, context.Background())
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.ErrorIs(t, flushErr, http.ErrHandlerTimeout)
		assert.ErrorIs(t, hijackErr, http.ErrHandlerTimeout)
		assert.Equal(t, 1, superfluous)
	})
}

func TestServerWriteAfterReturn(t *testing.T) {
	for _, timeout := range []time.Duration{0, time.Hour} {
		var leaked http.ResponseWriter
		h := newMiddleware(t, httpx.ServerConfig{Timeout: timeout}, func(w http.ResponseWriter, r *http.Request) { leaked = w })
		rec := srvServe(h, context.Background())
		_, err := leaked.Write([]byte("x"))
		assert.Error(t, err, "timeout %v", timeout)
		assert.Error(t, http.NewResponseController(leaked).Flush())
		_, _, err = http.NewResponseController(leaked).Hijack()
		assert.Error(t, err)
		leaked.WriteHeader(http.StatusTeapot)
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Empty(t, rec.Body.String())
	}
}

func TestServerHijack(t *testing.T) {
	mock := clock.NewMock()
	hijacked := make(chan struct{})
	h := newMiddleware(t, httpx.ServerConfig{Timeout: time.Second, Clock: mock}, func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotImplemented)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
		buf.Flush()
		close(hijacked)
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srvClient(t).Get(srv.URL)
	require.NoError(t, err)
	<-hijacked
	mock.Add(time.Second) // the deadline passes: a hijacked connection is the handler's
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "hi", string(body))

	// A ResponseWriter that cannot be hijacked says so, and the handler
	// still answers.
	rec := srvServe(h, context.Background())
	assert.Equal(t, http.StatusNotImplemented, rec.Code)
	assert.Equal(t, "feature not supported\n", rec.Body.String())
}

func TestServerInformationalAndUnwrap(t *testing.T) {
	h := newMiddleware(t, httpx.ServerConfig{Timeout: time.Hour}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusCreated)
		w.WriteHeader(http.StatusOK) // superfluous: the 201 stands
		require.NoError(t, http.NewResponseController(w).SetWriteDeadline(time.Time{}))
	})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // "superfluous response.WriteHeader call"
	srv.Start()
	defer srv.Close()
	resp, err := srvClient(t).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
}

func TestServerZeroConfigPassesThrough(t *testing.T) {
	h := newMiddleware(t, httpx.ServerConfig{}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-A", "1")
		io.WriteString(w, "plain")
	})
	rec := srvServe(h, context.Background())
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "plain", rec.Body.String())
	assert.Equal(t, "1", rec.Header().Get("X-A"))
}

func TestServerNilHandler(t *testing.T) {
	mw := httpx.Middleware(httpx.ServerConfig{})
	assert.Panics(t, func() { mw(nil) })
}

func TestServerConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  httpx.ServerConfig
		want string
	}{
		{"max concurrent", httpx.ServerConfig{MaxConcurrent: -1}, "httpx: MaxConcurrent = -1: must be >= 0 (0 = no limit)"},
		{"max wait", httpx.ServerConfig{MaxConcurrent: 1, MaxWait: -1}, "httpx: MaxWait = -1ns: must be >= 0 (0 = reject at once when full)"},
		{"max wait alone", httpx.ServerConfig{MaxWait: time.Second}, "httpx: MaxWait = 1s: needs MaxConcurrent > 0"},
		{"timeout", httpx.ServerConfig{Timeout: -time.Second}, "httpx: Timeout = -1s: must be >= 0 (0 = no timeout)"},
		{"retry after", httpx.ServerConfig{RetryAfter: -time.Second}, "httpx: RetryAfter = -1s: must be >= 0 (0 = 1s)"},
		{"nil policy", httpx.ServerConfig{Policies: []resilience.Policy[int]{nil}}, "httpx: Policies[0] = nil: must not be nil"},
		{"burst without rate", httpx.ServerConfig{RateLimit: ratelimit.Config{Burst: 5}}, "httpx: RateLimit.Rate = 0: must be > 0 when Period, Burst or MaxWait is set"},
		{"bad rate", httpx.ServerConfig{RateLimit: ratelimit.Config{Rate: -1}}, "ratelimit: Rate = -1: must be > 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			require.ErrorIs(t, err, resilience.ErrInvalidConfig)
			assert.EqualError(t, err, tt.want)
			assert.PanicsWithError(t, tt.want, func() { httpx.Middleware(tt.cfg) }, "Middleware must panic with Validate's error")
		})
	}
}

func TestServerConcurrentWritesAndTimeout(t *testing.T) {
	// Handler goroutines writing while the deadline passes: the race
	// detector checks the writer's locking.
	synctest.Test(t, func(t *testing.T) {
		h := newMiddleware(t, httpx.ServerConfig{Timeout: time.Second}, func(w http.ResponseWriter, r *http.Request) {
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					time.Sleep(time.Second)
					w.Write([]byte("x"))
				})
			}
			wg.Wait()
		})
		rec := srvServe(h, context.Background())
		assert.Contains(t, []int{http.StatusOK, http.StatusServiceUnavailable}, rec.Code)
	})
}

func TestServerTimeoutWhileReadingRequestBody(t *testing.T) {
	mock := clock.NewMock()
	reading := make(chan struct{})
	readErr := make(chan error, 1)
	h := newMiddleware(t, httpx.ServerConfig{Timeout: time.Second, Clock: mock}, func(w http.ResponseWriter, r *http.Request) {
		close(reading)
		_, err := io.ReadAll(r.Body) // the client never finishes its upload
		readErr <- err
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	pr, pw := io.Pipe()
	go pw.Write([]byte("first chunk"))
	req, err := http.NewRequest(http.MethodPost, srv.URL, pr)
	require.NoError(t, err)
	client := srvClient(t)
	responses := make(chan *http.Response, 1)
	go func() {
		resp, err := client.Do(req)
		if err == nil {
			responses <- resp
		}
		close(responses)
	}()
	<-reading
	mock.Add(time.Second)
	resp, ok := <-responses
	require.True(t, ok, "the client got an answer while its upload was unfinished")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	resp.Body.Close()
	pw.CloseWithError(errors.New("client gave up"))
	<-readErr
}
