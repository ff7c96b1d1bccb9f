package hedge

import (
	"context"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/go-resilience/resilience"
)

// A Policy hedges executions: when an attempt is slow, it starts another
// and returns whichever answers acceptably first. Build one with New; it is
// immutable apart from its latency record, and safe for concurrent use.
type Policy[R any] struct {
	cfg       Config[R]
	maxHedges int
	clock     clock.Clock
	lat       *latencies // nil with a fixed Delay
}

// New returns a Policy for cfg. It panics with the error of cfg.Validate
// if cfg is invalid; call Validate first for configs read at run time.
func New[R any](cfg Config[R]) *Policy[R] {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	p := &Policy[R]{cfg: cfg, maxHedges: cfg.MaxHedges, clock: cfg.Clock}
	if p.maxHedges == 0 {
		p.maxHedges = 1
	}
	if p.clock == nil {
		p.clock = clock.New()
	}
	if cfg.Delay == 0 {
		p.lat = &latencies{quantile: cfg.Quantile, floor: cfg.MinDelay}
		if p.lat.quantile == 0 {
			p.lat.quantile = DefaultQuantile
		}
		if p.lat.floor == 0 {
			p.lat.floor = DefaultMinDelay
		}
	}
	return p
}

// Delay returns the wait before the first hedge of the next execution:
// Config.Delay, or the one derived from observed latencies. It returns
// false while the policy has seen too few latencies to derive one; it
// does not hedge then.
func (p *Policy[R]) Delay() (time.Duration, bool) {
	if p.lat == nil {
		return p.cfg.Delay, true
	}
	return p.lat.current()
}

// Execute calls next, and each time the delay passes without an
// acceptable outcome, calls it again concurrently, up to MaxHedges extra
// times. It returns the first acceptable outcome (FailureIf false); if no
// attempt succeeds, it returns the outcome of the last to fail. Each
// attempt runs under its own child of ctx. In detail:
//
//   - A failed attempt starts the next hedge at once, if one is left,
//     instead of waiting for the delay.
//   - A resilience.Permanent error is returned at once, like a win.
//   - Once the outcome is decided, the other attempts are cancelled with
//     cause ErrLost, and Execute waits for every one of them to return
//     before it returns; each result it does not return, zero values of
//     cancelled attempts included, goes to resilience.Discard, a failure
//     as soon as a later failure replaces it as the one to return.
//   - Without a hedge: when ctx is marked resilience.WithoutRepeat, when
//     the delay is still being learnt (see Delay), and once ctx is done or
//     the Budget refuses.
//   - A panic (or runtime.Goexit) in an attempt, a loser's included,
//     cancels the others, waits for them, and is re-raised on the caller's
//     goroutine with the same value (the first, if several panic). A panic
//     in FailureIf, OnHedge, the observer or the Budget goes on unchanged
//     in the same way: once every attempt has been cancelled and has
//     returned, and every result not returned (the one FailureIf was
//     judging included) has gone to resilience.Discard.
//
// A nil ctx or next gives an error wrapping resilience.ErrInvalidArgument.
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
	if p.cfg.Budget != nil {
		p.cfg.Budget.RecordRequest()
	}
	delay, ok := p.Delay()
	if !ok || !resilience.Repeatable(ctx) {
		return p.once(ctx, rest, fn)
	}
	e := execution[R]{p: p, ctx: ctx, rest: rest, fn: fn, delay: delay}
	return e.run()
}

// once makes the single attempt of an execution that does not hedge.
func (p *Policy[R]) once(ctx context.Context, rest *resilience.Chain[R], fn resilience.Func[R]) (R, error) {
	if p.lat == nil {
		return rest.Call(ctx, fn)
	}
	start := p.clock.Now()
	r, err := rest.Call(ctx, fn)
	if !resilience.CallerEnded(ctx) {
		p.lat.record(p.clock.Since(start))
	}
	return r, err
}

func (p *Policy[R]) failed(r R, err error) bool {
	if p.cfg.FailureIf == nil {
		return err != nil
	}
	return p.cfg.FailureIf(r, err)
}

// Policy runs the rest of an executor's chain itself (see resilience.Chained).
var _ resilience.Chained[any] = (*Policy[any])(nil)
