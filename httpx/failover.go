package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
)

// ErrEndpointsFailed is matched (errors.Is) by the error a [Failover]
// returns when no endpoint gave it a response to return. The error joins
// one [EndpointError] per endpoint tried or skipped, so errors.Is and
// errors.As also reach every attempt's own error.
var ErrEndpointsFailed = errors.New("httpx: no endpoint answered")

// ErrUnhealthy is the reason a [Failover] skips an endpoint whose active
// health check failed.
var ErrUnhealthy = errors.New("httpx: endpoint unhealthy")

// An EndpointError is what went wrong at one endpoint of a [Failover]:
// a transport error, a failure response (StatusCode, with Err a
// *[StatusError]), an open breaker (circuitbreaker.ErrOpen) or a failed
// health check ([ErrUnhealthy]).
type EndpointError struct {
	Endpoint string // the endpoint's URL as configured
	Err      error
}

// Error reads like "httpx: endpoint http://10.0.0.1:8080: httpx: 503 Service Unavailable".
func (e *EndpointError) Error() string {
	return "httpx: endpoint " + e.Endpoint + ": " + e.Err.Error()
}

// Unwrap returns e.Err.
func (e *EndpointError) Unwrap() error { return e.Err }

// An Endpoint is one base URL of the service behind a [Failover].
type Endpoint struct {
	// URL is the base URL: scheme and host (with port), and optionally a
	// path prefix and query that every request's own path and query are
	// appended to. Required.
	URL string

	// Weight is the endpoint's share of requests under the Weighted
	// strategy, relative to the others'. 0 means 1. The weights of all
	// endpoints may sum to at most 2147483647 (math.MaxInt32), whatever the
	// strategy, so that the weighted arithmetic cannot overflow. Other
	// strategies ignore it.
	Weight int
}

// maxWeightSum is the largest sum of a Failover's endpoint weights. The
// smooth weighted round robin's counters stay within a few times the sum,
// so with int64 counters this leaves ample room, on 32-bit platforms too.
const maxWeightSum = 1<<31 - 1

// FailoverConfig configures a [Failover]. Endpoints is required; every
// other field's zero value means a default.
type FailoverConfig struct {
	// Name names the failover in events; "" leaves it unnamed.
	Name string

	// Endpoints are the base URLs of one logical service, in priority
	// order. Required: at least one, each URL once.
	Endpoints []Endpoint

	// Strategy picks the endpoint each request tries first. The zero value
	// is Ordered.
	Strategy Strategy

	// Next sends each attempt. nil means http.DefaultTransport.
	Next http.RoundTripper

	// Breaker is the template of the circuit breaker each endpoint gets
	// (one breaker per endpoint: its passive health). Its zero value means
	// the circuitbreaker package's defaults; a nil FailureIf means this
	// config's FailureIf, a nil OpenDelayFunc the Retry-After of the 429
	// or 503 that opened it (see RetryAfter), a nil Observer or Clock this
	// config's, and an empty Name the endpoint's URL (a set Name gets the
	// URL appended).
	Breaker circuitbreaker.Config[*http.Response]

	// MaxAttempts bounds how many endpoints one request is sent to.
	// 0 means every endpoint, once each. Endpoints skipped because their
	// breaker is open or their health check failed do not count.
	MaxAttempts int

	// FailureIf tells a failed attempt (one the next endpoint may fix)
	// from a result to return. nil means IsFailure.
	FailureIf func(resp *http.Response, err error) bool

	// RetryAll sends a request to the next endpoint after any failure.
	// false (the default) moves on only when that is safe, by the same
	// rule as the Transport: the request is idempotent or carries an
	// Idempotency-Key, or the failure proves the server did not take it.
	RetryAll bool

	// HealthCheck configures active health checks. Its zero value checks
	// nothing: endpoints are then judged by their breakers alone.
	HealthCheck HealthCheck

	// OnFailover, if set, is called each time a request leaves an endpoint
	// for the next one, with the endpoint's URL and its failure. nil means
	// no hook.
	OnFailover func(endpoint string, err error)

	// Observer receives a resilience.EventRetry (Attempt = the attempt
	// about to start, Err an *EndpointError) each time a request moves to
	// the next endpoint, and a resilience.EventStateChange ("healthy" /
	// "unhealthy") each time a health check changes an endpoint's health.
	// nil means the process-wide observer set by resilience.SetObserver.
	Observer resilience.Observer

	// Clock drives the health-check ticker and timeouts, and the breakers
	// built from the Breaker template. nil means the real clock.
	Clock clock.Clock
}

// Validate reports the first invalid field of c as a
// *resilience.ConfigError wrapping resilience.ErrInvalidConfig, or nil.
func (c FailoverConfig) Validate() error {
	if len(c.Endpoints) == 0 {
		return foConfigError("Endpoints", "[]", "must list at least one endpoint")
	}
	seen := make(map[string]bool, len(c.Endpoints))
	var weights int64 // the sum of the weights so far, 0 counting as 1
	for i, ep := range c.Endpoints {
		if _, err := foParseBase(ep.URL); err != nil {
			return foConfigError(fmt.Sprintf("Endpoints[%d].URL", i), fmt.Sprintf("%q", ep.URL), err.Error())
		}
		if seen[ep.URL] {
			return foConfigError(fmt.Sprintf("Endpoints[%d].URL", i), fmt.Sprintf("%q", ep.URL), "must not repeat an earlier endpoint")
		}
		seen[ep.URL] = true
		if ep.Weight < 0 {
			return foConfigError(fmt.Sprintf("Endpoints[%d].Weight", i), ep.Weight, "must be >= 0 (0 = 1)")
		}
		// Compare by subtraction: the sum itself could overflow.
		if w := int64(max(ep.Weight, 1)); w > maxWeightSum-weights {
			return foConfigError(fmt.Sprintf("Endpoints[%d].Weight", i), ep.Weight,
				fmt.Sprintf("must keep the sum of weights at most %d (the endpoints before it weigh %d)", maxWeightSum, weights))
		}
		weights += int64(max(ep.Weight, 1))
	}
	switch {
	case c.Strategy < Ordered || c.Strategy > LeastInFlight:
		return foConfigError("Strategy", int(c.Strategy), "must be Ordered, RoundRobin, Weighted or LeastInFlight")
	case c.MaxAttempts < 0:
		return foConfigError("MaxAttempts", c.MaxAttempts, "must be >= 0 (0 = every endpoint)")
	}
	if err := c.HealthCheck.validate(); err != nil {
		return err
	}
	return c.breakerConfig(c.Endpoints[0].URL).Validate()
}

// breakerConfig returns the Breaker template completed for one endpoint.
func (c FailoverConfig) breakerConfig(endpoint string) circuitbreaker.Config[*http.Response] {
	b := c.Breaker
	if b.FailureIf == nil {
		b.FailureIf = c.FailureIf
		if b.FailureIf == nil {
			b.FailureIf = IsFailure
		}
	}
	if b.OpenDelayFunc == nil {
		b.OpenDelayFunc = foOpenDelay
	}
	if b.Clock == nil {
		b.Clock = c.Clock
	}
	if b.Name == "" {
		b.Name = endpoint
	} else {
		b.Name += " " + endpoint
	}
	if b.Observer == nil {
		b.Observer = c.Observer
	}
	return b
}

// foOpenDelay keeps an endpoint's breaker open for as long as the
// endpoint asked with Retry-After, when it did.
func foOpenDelay(resp *http.Response, err error) time.Duration {
	return RetryAfter(0, resp, err)
}

func foConfigError(field string, value any, rule string) error {
	return &resilience.ConfigError{Policy: "httpx", Field: field, Value: value, Rule: rule}
}

// foParseBase parses an endpoint's base URL: absolute, with a host, no
// fragment.
func foParseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, errors.New("must be a valid URL: " + errors.Unwrap(err).Error())
	case u.Scheme == "" || u.Host == "" || u.Opaque != "":
		return nil, errors.New("must be an absolute URL with a scheme and a host")
	case u.Fragment != "" || u.RawFragment != "":
		return nil, errors.New("must not have a fragment")
	}
	return u, nil
}

// A Failover is an http.RoundTripper that serves one logical service from
// several endpoints (base URLs). Each request goes to the endpoint its
// [Strategy] picks; when that attempt fails (see FailoverConfig.FailureIf)
// and the request is safe to send again, it goes to the next endpoint,
// and so on until one answers or every endpoint was tried.
//
// Each endpoint has its own circuit breaker: an endpoint whose breaker is
// open, or whose active health check failed, is skipped, and is used
// again once its breaker lets calls through or its check passes. If every
// endpoint's health check failed, health is ignored rather than failing
// every request (breakers still apply): a broken health check must not
// take a working service down.
//
// The caller's request is never modified: each attempt sends a clone
// rewritten onto the endpoint (scheme, host, the endpoint's path prefix
// joined with the request's path, both queries kept), so a request may
// name the service by a placeholder host ("http://users/users/42") or
// carry a path alone. The Host header follows the endpoint unless the
// caller set req.Host to something other than req.URL.Host.
// Request bodies are replayed through GetBody; a body without GetBody is
// sent once, to one endpoint. The body of a failed response is drained
// (bounded) and closed before the next attempt starts.
//
// When every endpoint failed, RoundTrip returns the last failure response
// it got, with a nil error and its body readable (a response received
// before a later transport error is kept when its body was small enough
// to buffer); with no response to return, it returns an error matching
// [ErrEndpointsFailed] that joins one [EndpointError] per endpoint.
//
// Most callers set it as an http.Client's Transport, or as the Next of a
// [Transport] whose policies (retry, timeout) then wrap the whole
// failover. A Failover with active health checks runs one goroutine;
// Close stops it. Nothing a user supplies can crash the process from that
// goroutine: a panic there is recovered and reported (see [PanicError]).
// A Failover is safe for concurrent use.
type Failover struct {
	next        http.RoundTripper
	eps         []*foEndpoint
	strategy    Strategy
	maxAttempts int
	failureIf   func(*http.Response, error) bool
	retryAll    bool
	name        string
	observer    resilience.Observer
	onFailover  func(string, error)
	clock       clock.Clock // nil: real time through the standard library

	cursor atomic.Uint64 // round-robin position: RoundRobin starts, LeastInFlight ties

	mu sync.Mutex // guards foEndpoint.current, the smooth weighted round-robin state

	health  *foHealth
	healthy atomic.Int64 // endpoints whose health check passes

	stop     context.CancelFunc // stops the health-check goroutine
	done     chan struct{}      // closed when that goroutine has returned
	checkers sync.Map           // ids of the goroutines running background checks: Close there must not wait
}

// foEndpoint is one endpoint and its state.
type foEndpoint struct {
	url     string   // as configured
	base    *url.URL // parsed url
	health  *url.URL // the health-check URL
	weight  int64
	breaker *circuitbreaker.Breaker[*http.Response]

	inFlight atomic.Int64
	attempts atomic.Uint64
	failures atomic.Uint64
	healthy  atomic.Bool

	current int64 // smooth weighted round robin; guarded by Failover.mu

	// Health-check streaks; guarded by foHealth.mu.
	passes, fails int
}

// NewFailover returns a Failover configured by cfg. It panics with the
// error of cfg.Validate if cfg is invalid; call Validate first for configs
// that are not static. When cfg.HealthCheck.Interval > 0 it starts the
// health checks, which run until Close.
func NewFailover(cfg FailoverConfig) *Failover {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	f := &Failover{
		next:        cfg.Next,
		strategy:    cfg.Strategy,
		maxAttempts: cfg.MaxAttempts,
		failureIf:   cfg.FailureIf,
		retryAll:    cfg.RetryAll,
		name:        cfg.Name,
		observer:    cfg.Observer,
		onFailover:  cfg.OnFailover,
		clock:       cfg.Clock,
	}
	if f.next == nil {
		f.next = http.DefaultTransport
	}
	if f.failureIf == nil {
		f.failureIf = IsFailure
	}
	if f.maxAttempts == 0 || f.maxAttempts > len(cfg.Endpoints) {
		f.maxAttempts = len(cfg.Endpoints)
	}
	f.health = newFoHealth(cfg.HealthCheck, cfg.Clock)
	for _, ep := range cfg.Endpoints {
		base, _ := foParseBase(ep.URL) // checked by Validate
		e := &foEndpoint{
			url:     ep.URL,
			base:    base,
			health:  f.health.target(base),
			weight:  int64(max(ep.Weight, 1)),
			breaker: circuitbreaker.New(cfg.breakerConfig(ep.URL)),
		}
		e.healthy.Store(true)
		f.eps = append(f.eps, e)
	}
	f.healthy.Store(int64(len(f.eps)))
	if cfg.HealthCheck.Interval > 0 {
		f.startHealthChecks(cfg.HealthCheck.Interval)
	}
	return f
}

// Close stops the active health checks, cancelling a check in progress,
// and returns once their goroutine has ended. Requests may still be sent
// after Close; endpoints then keep the health they last had. Close is
// safe to call more than once and always returns nil.
//
// Called from the checks themselves (OnCheck, the Observer, or Next
// during a background check), Close cannot wait for the goroutine it
// runs on: it stops the checks and returns at once, and the checker ends
// when that callback returns, calling back no more.
func (f *Failover) Close() error {
	if f.stop == nil {
		return nil
	}
	f.stop()
	if !f.onChecker() {
		<-f.done
	}
	return nil
}

// CloseIdleConnections closes the idle connections of Next, if it has
// such a method.
func (f *Failover) CloseIdleConnections() {
	if c, ok := f.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// EndpointMetrics is a snapshot of one endpoint of a [Failover].
type EndpointMetrics struct {
	URL      string                 // the endpoint's URL as configured
	InFlight int                    // requests sent to it and not finished (body not closed)
	Healthy  bool                   // false while its active health check fails
	Attempts uint64                 // attempts sent to it
	Failures uint64                 // attempts that failed (FailureIf)
	Breaker  circuitbreaker.Metrics // its breaker: state, window counts
}

// Metrics returns a snapshot of every endpoint, in configuration order.
func (f *Failover) Metrics() []EndpointMetrics {
	out := make([]EndpointMetrics, len(f.eps))
	for i, e := range f.eps {
		out[i] = EndpointMetrics{
			URL:      e.url,
			InFlight: int(e.inFlight.Load()),
			Healthy:  e.healthy.Load(),
			Attempts: e.attempts.Load(),
			Failures: e.failures.Load(),
			Breaker:  e.breaker.Metrics(),
		}
	}
	return out
}
