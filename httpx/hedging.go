package httpx

import (
	"net/http"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/hedge"
)

// HedgingConfig tunes the hedging stack of [Hedging]. The zero value is the
// stack as documented there; each field changes one part of it.
type HedgingConfig struct {
	// Next sends each attempt. nil = http.DefaultTransport.
	Next http.RoundTripper

	// TotalTimeout bounds the whole request up to its response headers,
	// hedges included. 0 = 30s; -1 = none.
	TotalTimeout time.Duration

	// Delay is how long an attempt may go unanswered before a hedge is
	// sent. 0 = derived from observed latency: the 95th percentile of
	// recent requests (see package hedge), with no hedging until enough
	// requests were seen.
	Delay time.Duration

	// MaxHedges is how many extra attempts one request may send. 0 = 1.
	MaxHedges int

	// Budget caps the hedges of all requests through the transport
	// together; a hedge it refuses is not sent. nil = a budget of the
	// transport's own, budget.New(budget.Config{}): hedges up to 20% of the
	// requests of the last 10s, and at least 10 a second.
	Budget resilience.Budget

	// NoBudget leaves the hedge budget out.
	NoBudget bool

	// Breaker configures the circuit breaker each host gets, as in
	// [StandardConfig]. nil = the standard breaker.
	Breaker *circuitbreaker.Config[*http.Response]

	// NoBreaker leaves the per-host breaker out.
	NoBreaker bool

	// PerHostIdle is as in [StandardConfig].
	PerHostIdle time.Duration

	// AttemptTimeout bounds each attempt up to its response headers.
	// 0 = 10s; -1 = none.
	AttemptTimeout time.Duration

	// Name, Observer and Clock are as in [StandardConfig].
	Name     string
	Observer resilience.Observer
	Clock    clock.Clock
}

// standard returns the StandardConfig that shares c's timeouts, breaker
// and common fields, so that both presets build those parts one way.
func (c HedgingConfig) standard() StandardConfig {
	return StandardConfig{
		Next: c.Next, TotalTimeout: c.TotalTimeout, Breaker: c.Breaker, NoBreaker: c.NoBreaker,
		AttemptTimeout: c.AttemptTimeout, Name: c.Name, Observer: c.Observer, Clock: c.Clock,
		Budget: c.Budget, NoBudget: c.NoBudget, PerHostIdle: c.PerHostIdle,
	}
}

func (c HedgingConfig) hedgeConfig() hedge.Config[*http.Response] {
	return hedge.Config[*http.Response]{
		Name: c.Name, Delay: c.Delay, MaxHedges: c.MaxHedges,
		Observer: c.Observer, Clock: c.Clock,
	}
}

// Validate reports the first invalid field of c as a
// *resilience.ConfigError, or nil.
func (c HedgingConfig) Validate() error {
	if err := c.standard().Validate(); err != nil {
		return err
	}
	return c.hedgeConfig().Validate()
}

// Hedging returns a Transport that sends a second copy of a slow request
// and takes whichever answers first: for reads whose tail latency matters
// more than the extra load. Outermost first:
//
//  1. a total timeout of 30s (TotalTimeout) up to the response headers;
//  2. hedging: when an attempt has not answered within the 95th percentile
//     of recent latencies (or Delay), or failed, one more attempt is sent
//     (MaxHedges); the first acceptable response wins, the others are
//     cancelled and their bodies closed. Hedges are capped by a budget of
//     20% of the last 10s's requests with a floor of 10 a second (Budget);
//  3. the standard per-host circuit breaker (Breaker, NoBreaker);
//  4. a timeout of 10s per attempt (AttemptTimeout).
//
// Only requests that are safe to repeat are hedged (idempotent methods, or
// an Idempotency-Key); others are sent once. There is no retry: compose
// one with [New] if you want both.
//
// Hedging panics with the error of cfg.Validate if cfg is invalid.
func Hedging(cfg HedgingConfig) *Transport {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	return New(cfg.Config())
}

// Config returns the Config of the stack [Hedging] builds from c. It
// panics if c is invalid.
func (c HedgingConfig) Config() Config {
	std := c.standard()
	hc := c.hedgeConfig()
	hc.Budget = std.budget()
	return std.build(hedge.New(hc))
}
