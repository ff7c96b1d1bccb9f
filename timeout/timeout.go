package timeout

import (
	"context"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/internal/clockseam"
)

// Config configures a Policy. Timeout is required; every other field's
// zero value means a documented default.
type Config struct {
	// Name names the policy in events; "" leaves it unnamed.
	Name string

	// Timeout is how long next may run before its ctx ends and Execute
	// returns ErrExceeded. Required: it must be > 0.
	Timeout time.Duration

	// OnTimeout, if set, is called each time the timeout passes first,
	// after next has returned and before Execute does. nil means no hook.
	OnTimeout func(Event)

	// Observer receives a resilience.EventTimeout each time the timeout
	// passes first. nil means the process-wide observer set by
	// resilience.SetObserver.
	Observer resilience.Observer

	// Clock times the deadline. nil means the real clock, under which
	// next's ctx behaves as one made by context.WithDeadlineCause (its
	// cause an *ExceededError once the timeout fired). Any other clock
	// ends next's ctx at the deadline on that clock's time (a clock.Mock's:
	// once the mock has moved to it); that ctx carries no cause of its own (context.Cause reports
	// its Err, not the parent's cause). Either way the ctx is
	// made only when something waits on it (see the package
	// documentation).
	Clock clock.Clock
}

// An Event describes a timeout that passed first, as Config.OnTimeout sees
// it.
type Event struct {
	Timeout time.Duration // the Config.Timeout that passed
	Elapsed time.Duration // from the start of Execute until next returned; >= Timeout
	Err     error         // the error Execute returns, an *ExceededError
}

// Validate returns nil if c is valid, and otherwise a
// *resilience.ConfigError (wrapping resilience.ErrInvalidConfig) that
// names the invalid field, its value and the rule it breaks.
func (c Config) Validate() error {
	if c.Timeout <= 0 {
		return &resilience.ConfigError{Policy: "timeout", Field: "Timeout", Value: c.Timeout, Rule: "must be > 0"}
	}
	return nil
}

// A Policy bounds each execution of next by a timeout; see the package
// documentation for the model. Build one with New; it is immutable and
// safe for concurrent use.
type Policy[R any] struct {
	name      string
	timeout   time.Duration
	onTimeout func(Event)
	observer  resilience.Observer
	deadlineConfig
}

// New returns a Policy for cfg. It panics with the error of cfg.Validate
// if cfg is invalid.
func New[R any](cfg Config) *Policy[R] {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	return &Policy[R]{
		name:      cfg.Name,
		timeout:   cfg.Timeout,
		onTimeout: cfg.OnTimeout,
		observer:  cfg.Observer,
		deadlineConfig: deadlineConfig{
			clock: clockseam.Of(cfg.Clock),
			cause: &ExceededError{Limit: cfg.Timeout},
		},
	}
}

// Timeout returns the policy's Config.Timeout.
func (p *Policy[R]) Timeout() time.Duration { return p.timeout }

// Execute calls next with a ctx that ends after the policy's timeout and
// returns next's outcome, or ErrExceeded if the timeout passed before next
// returned. When ctx ends first (cancelled, or a deadline no later than
// ours) the outcome of next passes through unchanged. Execute returns only
// once next has returned: next must honour its ctx.
func (p *Policy[R]) Execute(ctx context.Context, next resilience.Func[R]) (R, error) {
	if err := resilience.CheckArgs(ctx, next); err != nil {
		var zero R
		return zero, err
	}
	return p.ExecuteChain(ctx, nil, next)
}

// ExecuteChain is Execute with next running rest.Call(ctx, fn): the form
// this module's executor calls, which spares it a Func per call and has
// checked ctx and fn already (see resilience.Chained).
func (p *Policy[R]) ExecuteChain(ctx context.Context, rest *resilience.Chain[R], fn resilience.Func[R]) (R, error) {
	deadline := p.clock.Now().Add(p.timeout)
	if d, ok := ctx.Deadline(); ok && !d.After(deadline) {
		// ctx ends first: our deadline could never be the one that fires,
		// so spare the timer and let ctx's outcome pass through.
		return rest.Call(ctx, fn)
	}
	tctx := p.newDeadlineCtx(ctx, deadline)
	// Ended on every way out, a panic in next included.
	defer tctx.end()
	r, err := rest.Call(tctx, fn)
	if !tctx.fired() {
		return r, err
	}
	return p.exceeded(ctx, deadline, r, err)
}

// exceeded builds the outcome of a call whose timeout passed first: the
// result next returned is dropped (and discarded), the error is ours.
func (p *Policy[R]) exceeded(ctx context.Context, deadline time.Time, r R, err error) (R, error) {
	resilience.Discard(ctx, r)
	out := p.cause
	if err != nil && err != context.DeadlineExceeded && err != error(p.cause) {
		// next said more than "my ctx ended": keep it reachable.
		out = &ExceededError{Limit: p.timeout, Err: err}
	}
	if p.onTimeout != nil {
		// The timeout has passed, whatever a clock moved back says.
		elapsed := max(p.clock.Since(deadline.Add(-p.timeout)), p.timeout)
		p.onTimeout(Event{Timeout: p.timeout, Elapsed: elapsed, Err: out})
	}
	if resilience.Observing(p.observer) {
		resilience.Emit(ctx, p.observer, resilience.Event{
			Policy:   "timeout",
			Name:     p.name,
			Kind:     resilience.EventTimeout,
			Err:      out,
			Duration: p.timeout,
		})
	}
	var zero R
	return zero, out
}

// Policy runs the rest of an executor's chain itself (see resilience.Chained).
var _ resilience.Chained[any] = (*Policy[any])(nil)
