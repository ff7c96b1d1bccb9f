package httpx

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/bulkhead"
	"github.com/go-resilience/resilience/ratelimit"
)

// ErrServerTimeout is the error behind a 503 the [Middleware] answers
// because the handler had not written its response headers when
// ServerConfig.Timeout passed. It matches context.DeadlineExceeded too.
var ErrServerTimeout = fmt.Errorf("httpx: handler timed out: %w", context.DeadlineExceeded)

// errServerRepeat is what a policy gets that calls the handler a second
// time: a handler answers once.
var errServerRepeat = resilience.Permanent(errors.New("httpx: the handler already ran for this request"))

// ServerConfig configures the server-side [Middleware]. Every field's zero
// value turns its feature off or means a default, so that the zero
// ServerConfig passes requests through untouched.
type ServerConfig struct {
	// Name names the middleware, its bulkhead and its rate limiter in
	// events; "" leaves them unnamed.
	Name string

	// RateLimit limits the rate at which requests reach the handler;
	// requests over it are answered 429 Too Many Requests with a
	// Retry-After of when the next permit comes. Its zero Rate means no
	// rate limit; an empty Name, nil Observer or nil Clock means this
	// config's.
	RateLimit ratelimit.Config

	// MaxConcurrent is the most handlers running at once; a request over
	// it waits up to MaxWait, then is answered 503 Service Unavailable.
	// 0 means no limit.
	MaxConcurrent int

	// MaxWait is how long a request may queue for one of MaxConcurrent
	// slots. 0 means it is rejected at once when all are taken. It needs
	// MaxConcurrent.
	MaxWait time.Duration

	// Timeout bounds a request from its arrival, queueing included: its
	// context's deadline. If the handler has not written its response
	// headers by then, the middleware answers 503 at once and the
	// handler's later writes fail with http.ErrHandlerTimeout; once the
	// headers are out, the deadline only cancels the context and the
	// response stays the handler's (nothing is buffered). 0 means no
	// timeout.
	Timeout time.Duration

	// Policies run around the handler, inside the rate limit and the
	// concurrency limit, outermost first: a circuit breaker, a custom
	// admission check. Their result is the status code the handler
	// answered (200 if it wrote nothing; 503 with ErrServerTimeout if it
	// had not answered by the deadline). An error they return when the
	// handler has not answered is answered 429 if it matches
	// ratelimit.ErrExceeded, else 503; a status they return with a nil
	// error in that case is written as is. The handler runs at most once
	// per request, whatever a policy asks.
	Policies []resilience.Policy[int]

	// RetryAfter is the Retry-After sent with a 429 or 503 whose error
	// does not tell when to come back (an error with a method
	// RetryAfter() time.Duration, such as a rate limiter's or an open
	// breaker's, does). It is sent in whole seconds, rounded up, at least
	// 1. 0 means one second.
	RetryAfter time.Duration

	// Reject, if set, writes the response to a request the middleware
	// turns away, with status 429 or 503 and the reason (errors.Is it with
	// ratelimit.ErrExceeded, bulkhead.ErrFull, ErrServerTimeout, ...). The
	// Retry-After header is already set when it is called. nil means a
	// plain-text body with the status text.
	Reject func(w http.ResponseWriter, r *http.Request, status int, err error)

	// Observer receives a resilience.EventTimeout for each request answered
	// 503 because of Timeout (and is the rate limiter's and bulkhead's
	// observer). nil means the process-wide observer set by
	// resilience.SetObserver.
	Observer resilience.Observer

	// Clock times Timeout, MaxWait and the rate limit. nil means the real
	// clock.
	Clock clock.Clock
}

// Validate reports the first invalid field of c as a
// *resilience.ConfigError wrapping resilience.ErrInvalidConfig, or nil.
func (c ServerConfig) Validate() error {
	switch {
	case c.MaxConcurrent < 0:
		return srvConfigError("MaxConcurrent", c.MaxConcurrent, "must be >= 0 (0 = no limit)")
	case c.MaxWait < 0:
		return srvConfigError("MaxWait", c.MaxWait, "must be >= 0 (0 = reject at once when full)")
	case c.MaxWait > 0 && c.MaxConcurrent == 0:
		return srvConfigError("MaxWait", c.MaxWait, "needs MaxConcurrent > 0")
	case c.Timeout < 0:
		return srvConfigError("Timeout", c.Timeout, "must be >= 0 (0 = no timeout)")
	case c.RetryAfter < 0:
		return srvConfigError("RetryAfter", c.RetryAfter, "must be >= 0 (0 = 1s)")
	}
	for i, p := range c.Policies {
		if p == nil {
			return srvConfigError(fmt.Sprintf("Policies[%d]", i), "nil", "must not be nil")
		}
	}
	rl := c.RateLimit
	if rl.Rate == 0 {
		if rl.Period != 0 || rl.Burst != 0 || rl.MaxWait != 0 {
			return srvConfigError("RateLimit.Rate", 0, "must be > 0 when Period, Burst or MaxWait is set")
		}
		return nil
	}
	return rl.Validate()
}

func srvConfigError(field string, value any, rule string) error {
	return &resilience.ConfigError{Policy: "httpx", Field: field, Value: value, Rule: rule}
}

// Middleware returns an http.Handler middleware that applies cfg to every
// request: the rate limit (429), then the concurrency limit (503), then
// cfg.Policies, around the handler, all within cfg.Timeout (503), each
// rejection carrying Retry-After. It panics with the error of cfg.Validate
// if cfg is invalid; call Validate first for configs that are not static.
//
// The limits are shared by every handler the returned func wraps: wrap
// the whole mux for service-wide limits, or call Middleware once per route
// for separate ones.
//
// A request is answered once: by the handler, or by the middleware when
// the handler did not run or had not written its headers by the
// deadline, never both. A panic in the handler, a policy, Reject or the
// Observer propagates unchanged on the request's goroutine (net/http
// recovers it) after the middleware released the request's slot and
// permit; a timeout answer is written from a timer's goroutine, and a
// panic of Reject or the Observer there is carried over to the request's
// goroutine, raised when the handler returns. The handlers it returns are
// safe for concurrent use.
func Middleware(cfg ServerConfig) func(http.Handler) http.Handler {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	s := &srvShared{
		timeout:    cfg.Timeout,
		retryAfter: cfg.RetryAfter,
		reject:     cfg.Reject,
		name:       cfg.Name,
		observer:   cfg.Observer,
		clock:      cfg.Clock,
	}
	if s.retryAfter == 0 {
		s.retryAfter = time.Second
	}
	var policies []resilience.Policy[int]
	if rl := cfg.RateLimit; rl.Rate > 0 {
		if rl.Name == "" {
			rl.Name = cfg.Name
		}
		if rl.Observer == nil {
			rl.Observer = cfg.Observer
		}
		if rl.Clock == nil {
			rl.Clock = cfg.Clock
		}
		policies = append(policies, ratelimit.New[int](rl))
	}
	if cfg.MaxConcurrent > 0 {
		policies = append(policies, bulkhead.New[int](bulkhead.Config{
			Name:          cfg.Name,
			MaxConcurrent: cfg.MaxConcurrent,
			MaxWait:       cfg.MaxWait,
			Observer:      cfg.Observer,
			Clock:         cfg.Clock,
		}))
	}
	s.custom = len(cfg.Policies) > 0
	policies = append(policies, cfg.Policies...)
	if len(policies) > 0 {
		s.exec = resilience.Compose(policies...)
	}
	return func(h http.Handler) http.Handler {
		if h == nil {
			panic(fmt.Errorf("%w: httpx: Middleware: nil handler", resilience.ErrInvalidArgument))
		}
		return &srvHandler{s: s, h: h}
	}
}

// srvShared is what every handler of one Middleware shares.
type srvShared struct {
	exec       *resilience.Executor[int] // nil: no policy
	custom     bool                      // exec has policies of the user's
	timeout    time.Duration
	retryAfter time.Duration
	reject     func(http.ResponseWriter, *http.Request, int, error)
	name       string
	observer   resilience.Observer
	clock      clock.Clock // nil: the standard library's timers
}

type srvHandler struct {
	s *srvShared
	h http.Handler
}

func (h *srvHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := h.s
	sw := &srvWriter{w: w, req: r, s: s, h: h.h}
	ctx := r.Context()
	if s.timeout > 0 {
		var cancel context.CancelFunc
		sw.parent = ctx
		ctx, cancel = srvWithTimeout(ctx, s.clock, s.timeout)
		defer cancel() // even when finish panics
		sw.deadline = ctx
		sw.header = w.Header().Clone()
		stop := context.AfterFunc(ctx, sw.expire)
		defer func() {
			stop()
			sw.finish()
		}()
	} else {
		defer sw.finish()
	}
	if s.exec == nil {
		status, err := sw.run(ctx)
		sw.respond(status, err)
		return
	}
	if s.custom {
		ctx = resilience.WithoutRepeat(ctx)
	}
	status, err := s.exec.Execute(ctx, sw.run)
	sw.respond(status, err)
}

// run runs the handler for the request, once: the Func the policies call.
func (sw *srvWriter) run(ctx context.Context) (int, error) {
	if sw.ran.Swap(true) {
		return 0, errServerRepeat
	}
	r := sw.req
	if ctx != r.Context() {
		r = r.WithContext(ctx)
	}
	sw.h.ServeHTTP(sw, r)
	return sw.outcome()
}

// answer writes the response to a request the middleware turns away.
func (s *srvShared) answer(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusServiceUnavailable
	if errors.Is(err, ratelimit.ErrExceeded) {
		status = http.StatusTooManyRequests
	}
	wait := s.retryAfter
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		wait = ra.RetryAfter()
	}
	w.Header().Set("Retry-After", srvSeconds(wait))
	if s.reject != nil {
		s.reject(w, r, status, err)
		return
	}
	http.Error(w, http.StatusText(status), status)
}

// answerNow writes the answer to a request whose handler is still running,
// so that the client can read all of it at once: buffered, with a
// Content-Length, and over HTTP/1 closing the connection, which the
// running handler keeps busy.
func (s *srvShared) answerNow(w http.ResponseWriter, r *http.Request, err error) {
	buf := &srvBuffer{header: w.Header()}
	s.answer(buf, r, err)
	h := w.Header()
	h.Set("Content-Length", strconv.Itoa(buf.body.Len()))
	if r.ProtoMajor == 1 {
		h.Set("Connection", "close")
	}
	w.WriteHeader(cmp.Or(buf.status, http.StatusOK))
	w.Write(buf.body.Bytes())
	_ = http.NewResponseController(w).Flush()
}

// srvBuffer is a ResponseWriter that keeps the status and body written to
// it.
type srvBuffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *srvBuffer) Header() http.Header { return b.header }

func (b *srvBuffer) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *srvBuffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// srvSeconds formats d as Retry-After delta-seconds: whole seconds,
// rounded up, at least 1.
func srvSeconds(d time.Duration) string {
	secs := int64(d / time.Second)
	if d%time.Second > 0 {
		secs++
	}
	return strconv.FormatInt(max(secs, 1), 10)
}

// srvWithTimeout returns a copy of ctx with a deadline d from now on clk,
// or with the standard library's timers when clk is nil.
func srvWithTimeout(ctx context.Context, clk clock.Clock, d time.Duration) (context.Context, context.CancelFunc) {
	if clk == nil {
		return context.WithTimeout(ctx, d)
	}
	return clk.WithTimeout(ctx, d)
}
