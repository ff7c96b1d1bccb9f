package hedge

import (
	"math"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/go-resilience/resilience"
)

// Config configures a Policy. The zero Config is valid: one hedge, after
// the 95th percentile of recent latencies (at least 1ms), once 20
// latencies have been seen; any non-nil error is a failure.
type Config[R any] struct {
	// Name names the policy in events; "" leaves it unnamed.
	Name string

	// Delay is the fixed wait before each hedge: a hedge starts Delay after
	// the previous attempt started, if no acceptable outcome has arrived.
	// 0 means derive the delay from observed latencies (Quantile).
	Delay time.Duration

	// Quantile picks the derived delay when Delay is 0: that quantile of
	// the latencies of the last 128 first attempts, so 0.95 hedges about
	// the slowest 5% of calls. Until 20 latencies have been seen the policy
	// does not hedge. 0 means 0.95; otherwise it must be in (0, 1], and 0
	// when Delay is set.
	Quantile float64

	// MinDelay is the least derived delay, so that calls that usually
	// answer at once are not all hedged. 0 means 1ms; it must be 0 when
	// Delay is set.
	MinDelay time.Duration

	// MaxHedges is the number of extra attempts an execution may start, on
	// top of the first. 0 means 1.
	MaxHedges int

	// FailureIf reports whether an outcome is a failure; an acceptable
	// outcome is one it rejects, and the first acceptable outcome wins.
	// nil means the FailureIf of the stack the policy is composed in
	// (resilience.ComposeWith), and err != nil without one.
	FailureIf func(r R, err error) bool

	// Budget, if set, caps hedges across every execution that shares it:
	// each Execute records one request, and each hedge must be allowed by
	// the budget. A refusal just means no more hedges for that execution.
	// nil means no budget.
	Budget resilience.Budget

	// OnHedge, if set, is called on the caller's goroutine as each hedge
	// starts, just after its attempt was launched (and charged to the
	// Budget). nil means no hook.
	OnHedge func(Event)

	// Observer receives resilience.EventHedge as each hedge starts, after
	// OnHedge.
	// nil means the process-wide observer set by resilience.SetObserver.
	Observer resilience.Observer

	// Clock times the delays and measures latencies. nil means the real
	// clock.
	Clock clock.Clock
}

// An Event describes a hedge as it starts, as Config.OnHedge sees it.
type Event struct {
	Attempt int           // the attempt starting: 2 for the first hedge
	Delay   time.Duration // the time since the previous attempt started
	Elapsed time.Duration // the time since the first attempt started

	// AfterFailure is true when the hedge starts at once because an
	// attempt failed, rather than because the delay passed; Err is then
	// that attempt's error (nil if FailureIf rejected its result).
	AfterFailure bool
	Err          error
}

// Defaults of Config.
const (
	DefaultQuantile = 0.95
	DefaultMinDelay = time.Millisecond
)

// Validate returns nil if c is valid, and otherwise a
// *resilience.ConfigError (wrapping resilience.ErrInvalidConfig) naming
// the first invalid field, its value and the rule it breaks.
func (c Config[R]) Validate() error {
	switch {
	case c.Delay < 0:
		return configError("Delay", c.Delay, "must be >= 0 (0 = derive from Quantile)")
	case math.IsNaN(c.Quantile) || c.Quantile < 0 || c.Quantile > 1:
		return configError("Quantile", c.Quantile, "must be in (0, 1], or 0 (0.95)")
	case c.Quantile != 0 && c.Delay > 0:
		return configError("Quantile", c.Quantile, "must be 0 when Delay is set")
	case c.MinDelay < 0:
		return configError("MinDelay", c.MinDelay, "must be >= 0 (0 = 1ms)")
	case c.MinDelay != 0 && c.Delay > 0:
		return configError("MinDelay", c.MinDelay, "must be 0 when Delay is set")
	case c.MaxHedges < 0:
		return configError("MaxHedges", c.MaxHedges, "must be >= 0 (0 = 1)")
	}
	return nil
}

func configError(field string, value any, rule string) error {
	return &resilience.ConfigError{Policy: "hedge", Field: field, Value: value, Rule: rule}
}
