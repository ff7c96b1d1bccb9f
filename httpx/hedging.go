package httpx

import (
	"net/http"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/hedge"
)

// HedgingConfig tunes the hedging stack of [Hedging]. The zero value is the
// stack as documented there; each field changes one part of it.
type HedgingConfig struct {
	// StandardConfig holds the parts the hedging stack shares with the
	// standard one, each as documented on [StandardConfig]: Next,
	// TotalTimeout (hedges included), Budget (which here caps the hedges),
	// NoBudget, Breaker, NoBreaker, PerHostIdle, AttemptTimeout, Name,
	// Observer and Clock. Embedding it declares each of them once. Its
	// retry fields (MaxAttempts, Backoff, MaxRetryAfter) must be zero: the
	// hedging stack has no retry.
	StandardConfig

	// Delay is how long an attempt may go unanswered before a hedge is
	// sent. 0 = derived from observed latency: the 95th percentile of
	// recent requests (see package hedge), with no hedging until enough
	// requests were seen.
	Delay time.Duration

	// MaxHedges is how many extra attempts one request may send. 0 = 1.
	MaxHedges int
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
	// The retry fields come with the embedded StandardConfig; set, they
	// would be silently ignored, so they are refused instead.
	const noRetry = "must be 0: the hedging stack has no retry"
	switch {
	case c.MaxAttempts != 0:
		return &resilience.ConfigError{Policy: "httpx", Field: "MaxAttempts", Value: c.MaxAttempts, Rule: noRetry}
	case c.Backoff != nil:
		return &resilience.ConfigError{Policy: "httpx", Field: "Backoff", Value: c.Backoff, Rule: "must be nil: the hedging stack has no retry"}
	case c.MaxRetryAfter != 0:
		return &resilience.ConfigError{Policy: "httpx", Field: "MaxRetryAfter", Value: c.MaxRetryAfter, Rule: noRetry}
	}
	if err := c.StandardConfig.Validate(); err != nil {
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
	hc := c.hedgeConfig()
	hc.Budget = c.budget()
	return c.build(hedge.New(hc))
}
