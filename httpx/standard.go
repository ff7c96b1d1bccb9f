package httpx

import (
	"net/http"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/budget"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/retry"
	"github.com/go-resilience/resilience/timeout"
)

// The numbers of the standard stack, documented on [Standard].
const (
	stdTotalTimeout   = 30 * time.Second
	stdAttemptTimeout = 10 * time.Second
	stdMaxAttempts    = 5
	stdBackoffInitial = 500 * time.Millisecond
	stdBackoffMax     = 5 * time.Second
	stdMaxRetryAfter  = 30 * time.Second
	stdBreakerWindow  = 5 * time.Second
	stdBreakerMin     = 20
	stdBreakerRate    = 0.5
	stdBreakerOpen    = time.Second     // the first opening since the breaker was closed
	stdBreakerOpenMax = 5 * time.Second // later ones double up to this
)

// StandardConfig tunes the standard stack of [Standard]. The zero value is
// the stack as documented there; each field changes one part of it.
type StandardConfig struct {
	// Next sends each attempt. nil = http.DefaultTransport.
	Next http.RoundTripper

	// TotalTimeout bounds the whole request up to its response headers:
	// every attempt and every delay between them. 0 = 30s; -1 = none.
	TotalTimeout time.Duration

	// MaxAttempts is the number of attempts in all, the first included.
	// 0 = 5; 1 = never retry; -1 = no limit but TotalTimeout.
	MaxAttempts int

	// Backoff gives the delay before each retry when the response asks
	// for none (Retry-After). nil = retry.Exponential{Initial: 500ms,
	// Max: 5s, Jitter: retry.EqualJitter}: 250-500ms, then 0.5-1s, 1-2s,
	// 2-4s, so that the 5 attempts span at least 3.75s.
	Backoff retry.Backoff

	// MaxRetryAfter is the longest Retry-After the retry waits; a response
	// asking for more ends the retry at once and is returned. (A wait past
	// the total timeout ends it too.) It is the retry's
	// retry.Config.MaxDelay, so it caps a Backoff's delays the same way.
	// 0 = 30s; -1 = up to [MaxRetryAfter].
	MaxRetryAfter time.Duration

	// Budget caps the extra attempts of all requests through the
	// transport together (the retries here, the hedges in
	// [HedgingConfig]), so that a failing host is not hit by a storm of
	// them: a retry it refuses ends the retry at once, returning the last
	// response; a hedge it refuses is not sent. nil = a budget of the
	// transport's own, budget.New(budget.Config{}): extra attempts up to
	// 20% of the requests of the last 10s, and at least 10 a second
	// whatever the traffic. Share one budget between transports to cap
	// them together.
	Budget resilience.Budget

	// NoBudget leaves the budget out.
	NoBudget bool

	// Breaker configures the circuit breaker each host gets. nil = a 5s
	// time window that opens at a failure rate of 50% once it holds 20
	// calls, stays open 1s, then lets one trial call through; each
	// failed trial reopens it for twice as long, up to 5s (1s, 2s, 4s,
	// 5s, 5s...), until a trial succeeds and closes it. A non-nil
	// Breaker is used as given (its zero fields mean the circuitbreaker
	// package's defaults); its Name, if empty, becomes the host key.
	Breaker *circuitbreaker.Config[*http.Response]

	// NoBreaker leaves the per-host breaker out.
	NoBreaker bool

	// PerHostIdle, when > 0, drops the breaker (and attempt timeout) of a
	// host no request has used for this long; see Config.PerHostIdle.
	// 0 = keep every host's for ever.
	PerHostIdle time.Duration

	// AttemptTimeout bounds each attempt up to its response headers.
	// 0 = 10s; -1 = none.
	AttemptTimeout time.Duration

	// Name names the stack's policies in events ("" = unnamed); breakers
	// are named Name + " " + host key.
	Name string

	// Observer receives the events of every policy of the stack. nil = the
	// process-wide observer set by resilience.SetObserver.
	Observer resilience.Observer

	// Clock is the time source of every policy of the stack. nil = real
	// time.
	Clock clock.Clock
}

// Validate reports the first invalid field of c as a
// *resilience.ConfigError, or nil.
func (c StandardConfig) Validate() error {
	if c.TotalTimeout < -1 {
		return &resilience.ConfigError{Policy: "httpx", Field: "TotalTimeout", Value: c.TotalTimeout, Rule: "must be -1 (none) or >= 0"}
	}
	if c.MaxRetryAfter < -1 {
		return &resilience.ConfigError{Policy: "httpx", Field: "MaxRetryAfter", Value: c.MaxRetryAfter, Rule: "must be -1 (no cap) or >= 0"}
	}
	if c.PerHostIdle < 0 {
		return &resilience.ConfigError{Policy: "httpx", Field: "PerHostIdle", Value: c.PerHostIdle, Rule: "must be >= 0 (0 = never drop)"}
	}
	if c.AttemptTimeout < -1 {
		return &resilience.ConfigError{Policy: "httpx", Field: "AttemptTimeout", Value: c.AttemptTimeout, Rule: "must be -1 (none) or >= 0"}
	}
	if err := c.retryConfig().Validate(); err != nil {
		return err
	}
	if c.Breaker != nil && !c.NoBreaker {
		return c.breakerConfig().Validate()
	}
	return nil
}

// Standard returns a Transport tuned like a production default, in the
// spirit of Polly's standard resilience handler. Outermost first:
//
//  1. a total timeout of 30s (StandardConfig.TotalTimeout) up to the
//     response headers;
//  2. a retry: 5 attempts in all (MaxAttempts), waiting what a 429 or 503
//     asks in Retry-After ([RetryAfter]) up to 30s (MaxRetryAfter), else
//     exponential backoff with equal jitter from 500ms, doubling, capped
//     at 5s (Backoff): 250-500ms, 0.5-1s, 1-2s, 2-4s, at least 3.75s in
//     all. A longer Retry-After, or a delay that would pass the
//     total timeout, ends the retry at once, returning the last response;
//     so does a failure that opens the breaker (the retry learns from it
//     that the next attempt would be rejected: no point waiting), and so
//     does a retry budget shared by all requests of the transport that is
//     spent: at most 20% of the last 10s's requests are retries, beyond a
//     floor of 10 retries a second (Budget, NoBudget). Each give-up emits
//     a resilience.EventExhausted whose Reason says why. A request whose
//     last attempt the open breaker rejected has no response to return
//     (any earlier one was discarded before the delay): it gets an error
//     matching circuitbreaker.ErrOpen and retry.ErrExhausted;
//  3. a circuit breaker per host (scheme://host:port): over a 5s window,
//     open at a failure rate of 50% once it holds 20 calls (attempts, as
//     it sits inside the retry), for 1s, then one trial call; each failed
//     trial doubles the next opening, up to 5s (Breaker, NoBreaker);
//  4. a timeout of 10s per attempt (AttemptTimeout) up to the response
//     headers.
//
// The numbers are chosen so that an upstream that refuses connections for
// up to 2s costs no idempotent request: the retries outlast it whatever
// the jitter draws, and the breaker, whose window holds the successes of
// the seconds before, does not open (with 16 callers each sending a
// request every 10ms; a caller sending less than about one request a
// second per concurrent caller may see it open). A real outage is a
// different matter: within about 5s the window holds more failures than
// successes, the breaker opens and requests fail at once, the upstream
// sees one trial per opening, and the callers see it back at most 5s after
// it is. The retry budget caps the retries a failing host gets when the
// requests keep coming whatever their outcome. docs/reliability.md has the
// figures.
//
// Failures are those of [IsFailure]: transport errors and statuses 408,
// 429, 500, 502, 503 and 504. Only idempotent requests are retried on any
// failure (see [Transport]). Reading the body is bounded by the caller's
// context only.
//
// Standard panics with the error of cfg.Validate if cfg is invalid. For
// further options (RetryAll, body limits, policies of your own around the
// stack) start from cfg.Config() and call [New].
func Standard(cfg StandardConfig) *Transport {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	return New(cfg.Config())
}

// Config returns the Config of the stack [Standard] builds from c: its
// Policies are the total timeout and the retry, its PerHost gives each host
// a breaker and the attempt timeout. It panics if c is invalid.
func (c StandardConfig) Config() Config {
	rc := c.retryConfig()
	rc.Budget = c.budget()
	return c.build(retry.New(rc))
}

// build returns the stack of c around middle (the retry of [Standard], the
// hedge of [Hedging]): the total timeout outside it, the per-host breaker
// and attempt timeout inside.
func (c StandardConfig) build(middle resilience.Policy[*http.Response]) Config {
	var policies []resilience.Policy[*http.Response]
	if d := orDefault(c.TotalTimeout, stdTotalTimeout); d > 0 {
		policies = append(policies, timeout.New[*http.Response](timeout.Config{
			Name: c.Name, Timeout: d, Observer: c.Observer, Clock: c.Clock,
		}))
	}
	policies = append(policies, middle)

	var attemptTimeout resilience.Policy[*http.Response]
	if d := orDefault(c.AttemptTimeout, stdAttemptTimeout); d > 0 {
		attemptTimeout = timeout.New[*http.Response](timeout.Config{
			Name: c.Name, Timeout: d, Observer: c.Observer, Clock: c.Clock,
		})
	}
	var breaker *circuitbreaker.Config[*http.Response] // a copy: later changes to *c.Breaker do not leak in
	if !c.NoBreaker {
		b := c.breakerConfig()
		if err := b.Validate(); err != nil {
			panic(err)
		}
		breaker = &b
	}
	return Config{
		Next:        c.Next,
		Policies:    policies,
		PerHostIdle: c.PerHostIdle,
		Clock:       c.Clock,
		PerHost: func(host string) []resilience.Policy[*http.Response] {
			var ps []resilience.Policy[*http.Response]
			if breaker != nil {
				b := *breaker
				if b.Name == "" {
					b.Name = host
					if c.Name != "" {
						b.Name = c.Name + " " + host
					}
				}
				ps = append(ps, circuitbreaker.New(b))
			}
			if attemptTimeout != nil {
				ps = append(ps, attemptTimeout)
			}
			return ps
		},
	}
}

// budget returns the retry budget of one transport built from c: its own
// unless c names one to share.
func (c StandardConfig) budget() resilience.Budget {
	switch {
	case c.NoBudget:
		return nil
	case c.Budget != nil:
		return c.Budget
	}
	return budget.New(budget.Config{Name: c.Name, Observer: c.Observer, Clock: c.Clock})
}

func (c StandardConfig) retryConfig() retry.Config[*http.Response] {
	backoff := c.Backoff
	if backoff == nil {
		backoff = retry.Exponential{Initial: stdBackoffInitial, Max: stdBackoffMax, Jitter: retry.EqualJitter}
	}
	attempts := c.MaxAttempts
	if attempts == 0 {
		attempts = stdMaxAttempts
	}
	// A Retry-After above the cap ends the retry through MaxDelay, and an
	// open breaker through the retry's own reading of the rejection
	// (MaxRejectionWait 0: no wait for it), so that both give-ups return
	// the last response and emit an exhausted event with their Reason.
	return retry.Config[*http.Response]{
		Name:        c.Name,
		MaxAttempts: attempts,
		Backoff:     backoff,
		DelayFunc:   RetryAfter,
		MaxDelay:    max(orDefault(c.MaxRetryAfter, stdMaxRetryAfter), 0),
		Observer:    c.Observer,
		Clock:       c.Clock,
	}
}

// breakerConfig returns the configuration of the breakers, but for their
// names.
func (c StandardConfig) breakerConfig() circuitbreaker.Config[*http.Response] {
	var b circuitbreaker.Config[*http.Response]
	if c.Breaker != nil {
		b = *c.Breaker
	} else {
		b = circuitbreaker.Config[*http.Response]{
			WindowPeriod: stdBreakerWindow,
			MinCalls:     stdBreakerMin,
			FailureRate:  stdBreakerRate,
			OpenBackoff:  retry.Exponential{Initial: stdBreakerOpen, Max: stdBreakerOpenMax},
		}
	}
	if b.Observer == nil {
		b.Observer = c.Observer
	}
	if b.Clock == nil {
		b.Clock = c.Clock
	}
	return b
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
