package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/internal/monoclock"
	"github.com/go-resilience/resilience/internal/typednil"
	"github.com/go-resilience/resilience/retry"
)

const (
	defaultMaxBodyBuffer = 1 << 20  // 1 MiB
	defaultMaxDrain      = 64 << 10 // 64 KiB
)

// Config configures a [Transport] built by [New]. The zero Config is valid:
// no policies over http.DefaultTransport.
type Config struct {
	// Next sends each attempt. nil = http.DefaultTransport.
	Next http.RoundTripper

	// Policies guard every request, outermost first, whatever its host:
	// a total timeout, a retry, a client-wide bulkhead. nil = none. A nil
	// entry is invalid.
	Policies []resilience.Policy[*http.Response]

	// PerHost, when set, gives the policies of one downstream, applied
	// inside Policies: a breaker per host, a per-attempt timeout. It is
	// called once per key, when the first request for the key arrives, with
	// the key "scheme://host:port" (lower case, default port filled in:
	// "https://api.example.com:443"); the policies it returns then serve
	// every request to that key. (A PerHost that panics is called again by
	// the next request for the key.) Calls for different keys may run
	// concurrently, outside the Transport's locks. nil = no per-host
	// policies.
	//
	// Keys are kept until they have been idle for PerHostIdle; without
	// it, for ever, which suits clients of a bounded set of services.
	PerHost func(host string) []resilience.Policy[*http.Response]

	// PerHostIdle, when > 0, drops a host key no request has used for this
	// long, with its policies (a breaker that comes back starts closed),
	// so that a client of ever new hosts (a webhook sender, a crawler)
	// keeps only those it talks to. Idle keys are swept when a new key
	// arrives, at most once per PerHostIdle/2; a request still running
	// for a dropped key finishes under its old policies. 0 = never drop.
	// It needs PerHost.
	PerHostIdle time.Duration

	// Clock times PerHostIdle. nil = real time.
	Clock clock.Clock

	// MaxBodyBuffer is the largest request body, in bytes, that is read
	// into memory to be replayed on another attempt when the request has no
	// GetBody (http.NewRequest sets GetBody for bytes, strings and their
	// readers, so most requests never need this). Only a body of known
	// length up to this size is buffered; any other body without GetBody
	// is attempted once. 0 = 1 MiB; -1 = never buffer.
	MaxBodyBuffer int64

	// MaxDrain is how many bytes of a discarded response's body (a retried
	// 503, a hedge loser) are read before it is closed, so that the
	// connection goes back to the pool; a body known to be longer, or still
	// going after that many bytes or one second, is closed unread and its
	// connection dropped. 0 = 64 KiB; -1 = close without draining.
	MaxDrain int64

	// RetryAll lets the policies repeat any request whose body can be
	// replayed. false = only idempotent requests (GET HEAD OPTIONS TRACE
	// PUT DELETE, or an Idempotency-Key or X-Idempotency-Key header) are
	// repeated on any failure; others only on one that proves the server
	// did not take them (see [Transport]).
	RetryAll bool
}

// Validate reports the first invalid field of c as a
// *resilience.ConfigError, or nil.
func (c Config) Validate() error {
	for i, p := range c.Policies {
		if typednil.Is(p) {
			return &resilience.ConfigError{Policy: "httpx", Field: fmt.Sprintf("Policies[%d]", i), Value: nil, Rule: "must not be nil"}
		}
	}
	switch {
	case c.PerHostIdle < 0:
		return &resilience.ConfigError{Policy: "httpx", Field: "PerHostIdle", Value: c.PerHostIdle, Rule: "must be >= 0 (0 = never drop)"}
	case c.PerHostIdle > 0 && c.PerHost == nil:
		return &resilience.ConfigError{Policy: "httpx", Field: "PerHostIdle", Value: c.PerHostIdle, Rule: "must be 0 without PerHost"}
	}
	if c.MaxBodyBuffer < -1 {
		return &resilience.ConfigError{Policy: "httpx", Field: "MaxBodyBuffer", Value: c.MaxBodyBuffer, Rule: "must be -1 (never buffer) or >= 0"}
	}
	if c.MaxDrain < -1 {
		return &resilience.ConfigError{Policy: "httpx", Field: "MaxDrain", Value: c.MaxDrain, Rule: "must be -1 (never drain) or >= 0"}
	}
	return nil
}

// A Transport is an http.RoundTripper that sends each request through a
// stack of resilience policies: put it in an http.Client and every request
// of that client is retried, timed out, broken or shed as the policies say.
// Build one with [NewTransport] (the same policies for every request), [New]
// (per-host policies and options) or [Standard] (a production default).
//
// It keeps the RoundTripper contract: the caller's request is never
// modified (each attempt sends a clone), the request body is closed on
// every path, and a response always comes with a nil error.
//
// Each attempt's outcome reaches the policies as follows. A response with a
// failure status ([IsFailure]: 408, 429, 500, 502, 503, 504) comes with a
// [*StatusError], so policies with the default FailureIf treat it as a
// failure; when they give up on it (say, a 503 after the last retry) the
// caller gets that response, body intact, with a nil error. So does a
// response that a retry's FailureIf failed without an error. Any other
// error the policies return with a response (one a policy of the user's
// made of it) reaches the caller, and that response's body is drained and
// closed. An outcome that must not be repeated comes as a
// resilience.Permanent error, so no retry policy repeats it: a request
// that is not idempotent (unless Config.RetryAll) failing in a way that
// does not prove the server never took it, a request whose body cannot be
// replayed, and errors that repeating cannot fix. Requests that are not idempotent are also marked
// with resilience.WithoutRepeat, so hedging sends them once.
//
// Policies bound the time to the response headers. Reading the returned
// body is bounded by the caller's context (and http.Client.Timeout) only,
// never by a policy's timer; the attempt's resources are released when the
// body is closed. Responses the policies discard are drained (bounded) and
// closed before the next attempt starts, so their connections are reused.
//
// The zero Transport applies no policies to http.DefaultTransport. A
// Transport is safe for concurrent use and must not be copied after first
// use.
type Transport struct {
	next          http.RoundTripper
	policies      []resilience.Policy[*http.Response]
	shared        *resilience.Executor[*http.Response] // Policies; nil when there are none, or with perHost
	perHost       func(host string) []resilience.Policy[*http.Response]
	maxBodyBuffer int64
	maxDrain      int64
	retryAll      bool
	discardFn     func(*http.Response) // t.discard, bound once

	mu    sync.RWMutex              // guards hosts and swept
	hosts map[string]*hostEntry     // per-host executors, by key
	last  atomic.Pointer[hostEntry] // the newest entry (so never swept), looked up by its URL fields first
	idle  time.Duration             // PerHostIdle
	clock monoclock.Clock           // times idle
	swept time.Duration             // when idle keys were last swept, on clock

	calls sync.Pool // of *call
}

// NewTransport returns a Transport applying policies, outermost first, to
// every request it sends through next (nil = http.DefaultTransport). It
// panics with a *resilience.ConfigError if a policy is nil.
func NewTransport(next http.RoundTripper, policies ...resilience.Policy[*http.Response]) *Transport {
	return New(Config{Next: next, Policies: policies})
}

// New returns a Transport configured by cfg. It panics with the error of
// cfg.Validate if cfg is invalid; call Validate first for configs that are
// not static.
func New(cfg Config) *Transport {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	t := &Transport{
		next:          cfg.Next,
		policies:      slices.Clip(slices.Clone(cfg.Policies)),
		perHost:       cfg.PerHost,
		maxBodyBuffer: cfg.MaxBodyBuffer,
		maxDrain:      cfg.MaxDrain,
		retryAll:      cfg.RetryAll,
		idle:          cfg.PerHostIdle,
	}
	if t.idle > 0 {
		t.clock = monoclock.New(cfg.Clock)
	}
	if t.perHost == nil && len(t.policies) > 0 {
		t.shared = resilience.Compose(t.policies...)
	}
	t.discardFn = t.discard
	return t
}

// RoundTrip sends req through the policies and returns the outcome they
// settle on: a response with a nil error, or a nil response with the error.
// A panic in PerHost, a policy or the inner transport propagates
// unchanged, after the request body and every response the attempts
// produced have been closed.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req == nil {
		return nil, fmt.Errorf("%w: httpx: nil request", resilience.ErrInvalidArgument)
	}
	if err := checkRequest(req); err != nil {
		closeBody(req)
		return nil, err
	}
	// A panic in anything of the user's (PerHost, a policy, the inner
	// transport) propagates unchanged; on its way out, the request body
	// and every response the attempts produced are closed.
	var c *call
	returned := false
	defer func() {
		if !returned {
			t.abandon(req, c)
		}
	}()
	exec := t.executor(req.URL)
	c = t.call(req, exec != nil)
	if err := c.prepare(); err != nil {
		t.done(c)
		returned = true
		return nil, err
	}
	var (
		resp *http.Response
		err  error
	)
	if exec == nil {
		resp, err = c.attempt(req.Context())
	} else {
		var ctx context.Context
		if c.repeat {
			ctx = resilience.WithDiscard(req.Context(), t.discardFn) // set by New: the zero Transport has no policies
		} else {
			ctx = resilience.WithoutRepeat(resilience.WithDiscard(req.Context(), c.discard))
		}
		resp, err = exec.Execute(ctx, c.fn)
		resp, err = c.outcome(resp, err)
	}
	t.done(c)
	returned = true
	return t.settle(resp, err)
}

var errNoOutcome = errors.New("httpx: the policies returned neither a response nor an error")

// settle turns the policies' outcome into a RoundTrip outcome: never a
// response together with an error, and never neither.
func (t *Transport) settle(resp *http.Response, err error) (*http.Response, error) {
	switch {
	case err == nil && resp == nil:
		return nil, errNoOutcome
	case err == nil:
		return resp, nil
	case resp == nil:
		return nil, unmark(err)
	}
	// The policies gave up on a response they judged a failure (a 503
	// after every retry, a status the user's FailureIf rejects): it is the
	// server's answer, and a RoundTripper returns it without an error.
	// Any other error (one a response-checking policy made of a response)
	// is the policy's verdict and wins over the response it came with,
	// which the caller, getting an error, will never close.
	if serverAnswer(err) {
		return resp, nil
	}
	t.discard(resp)
	return nil, unmark(err)
}

// serverAnswer reports whether err, which came with a response, only
// says the policies judged that response a failure: it is a *StatusError,
// or a retry gave up on a result its FailureIf failed without an error.
func serverAnswer(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return true
	}
	var ee *retry.ExhaustedError
	return errors.As(err, &ee) && ee.Last == nil
}

// unmark removes the permanent mark that an attempt put on err for the
// policies, so that the caller gets the inner transport's error as it
// was (url.Error.Timeout, for one, asserts its type directly). Marks
// deeper in err, under the policies' own wrapping, stay.
func unmark(err error) error {
	if inner := errors.Unwrap(err); inner != nil && resilience.IsPermanent(err) && !resilience.IsPermanent(inner) {
		return inner
	}
	return err
}

// CloseIdleConnections closes the idle connections of the next
// RoundTripper, if it has such a method.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.nextRT().(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (t *Transport) nextRT() http.RoundTripper {
	if t.next == nil {
		return http.DefaultTransport
	}
	return t.next
}

func (t *Transport) discard(resp *http.Response) {
	max := t.maxDrain
	if max == 0 {
		max = defaultMaxDrain
	}
	discard(resp, max)
}

func (t *Transport) bodyBufferLimit() int64 {
	if t.maxBodyBuffer == 0 {
		return defaultMaxBodyBuffer
	}
	return t.maxBodyBuffer
}

// executor returns the executor for a request to u, or nil when there
// are no policies.
func (t *Transport) executor(u *url.URL) *resilience.Executor[*http.Response] {
	if t.perHost == nil {
		return t.shared
	}
	// A client of one host (the usual use of a Transport) finds its entry
	// by comparing two strings, without building the key or locking.
	e := t.last.Load()
	if e == nil || e.host != u.Host || e.scheme != u.Scheme {
		e = t.lookup(u)
	}
	if t.idle > 0 {
		e.used.Store(int64(t.clock.Elapsed()))
	}
	if exec := e.exec.Load(); exec != nil {
		return exec
	}
	return e.build(t)
}

// lookup returns the entry of u's host key, making it if there is none.
func (t *Transport) lookup(u *url.URL) *hostEntry {
	var buf [128]byte
	key := appendHostKey(buf[:0], u)
	t.mu.RLock()
	e := t.hosts[string(key)]
	t.mu.RUnlock()
	if e == nil {
		e = t.newHost(string(key), u)
	}
	return e
}

// A hostEntry holds the executor of one host key, built on first use.
type hostEntry struct {
	key          string
	scheme, host string // the URL fields of the request that made it
	exec         atomic.Pointer[resilience.Executor[*http.Response]]
	mu           sync.Mutex   // serialises build, so that PerHost runs once per key
	used         atomic.Int64 // the last request's time on Transport.clock, with PerHostIdle
}

func (t *Transport) newHost(key string, u *url.URL) *hostEntry {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.hosts[key]
	if e == nil {
		if t.hosts == nil {
			t.hosts = make(map[string]*hostEntry)
		}
		e = &hostEntry{key: key, scheme: u.Scheme, host: u.Host}
		t.last.Store(e)
		if t.idle > 0 {
			now := t.clock.Elapsed()
			t.sweepLocked(now)
			e.used.Store(int64(now))
		}
		t.hosts[key] = e
	}
	return e
}

// sweepLocked drops the host keys idle for t.idle at now, at most once
// per t.idle/2. It requires t.mu held for writing.
func (t *Transport) sweepLocked(now time.Duration) {
	if now-t.swept < t.idle/2 {
		return
	}
	t.swept = now
	for key, e := range t.hosts {
		if now-time.Duration(e.used.Load()) >= t.idle {
			delete(t.hosts, key) // never t.last: newHost replaces it next
		}
	}
}

// build calls PerHost outside t.mu, which it may therefore use freely; a
// PerHost that panics leaves the entry to be built by the next request.
func (e *hostEntry) build(t *Transport) *resilience.Executor[*http.Response] {
	e.mu.Lock()
	defer e.mu.Unlock()
	if exec := e.exec.Load(); exec != nil {
		return exec
	}
	exec := resilience.Compose(append(t.policies, t.perHost(e.key)...)...)
	e.exec.Store(exec)
	return exec
}

// appendHostKey appends "scheme://host:port" of u, lower case, with the
// scheme's default port when u has none.
func appendHostKey(b []byte, u *url.URL) []byte {
	b = appendLower(b, u.Scheme)
	b = append(b, "://"...)
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	if strings.IndexByte(host, ':') >= 0 { // IPv6 literal
		b = append(b, '[')
		b = appendLower(b, host)
		b = append(b, ']')
	} else {
		b = appendLower(b, host)
	}
	b = append(b, ':')
	return append(b, port...)
}

func appendLower(b []byte, s string) []byte {
	n := len(b)
	b = append(b, s...)
	for i := n; i < len(b); i++ {
		if c := b[i]; 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}

// closeBody closes the body of a request that will not be sent, as the
// RoundTripper contract requires.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
