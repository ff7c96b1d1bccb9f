package bulkhead

import (
	"context"
	"fmt"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience"
)

// A Bulkhead lets at most MaxConcurrent calls run at once; see the package
// documentation for the model. Build one with [New]; it is immutable and
// safe for concurrent use. Execute is what most callers want.
//
// A Bulkhead's permits do not depend on R: [As] returns a view of the same
// permits for another result type.
type Bulkhead[R any] struct {
	p *permits
}

// New returns a Bulkhead configured by cfg. It panics with the error of
// cfg.Validate if cfg is invalid.
func New[R any](cfg Config) *Bulkhead[R] {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	p := &permits{
		name:       cfg.Name,
		max:        uint64(cfg.MaxConcurrent),
		maxWait:    cfg.MaxWait,
		clock:      cfg.Clock,
		observer:   cfg.Observer,
		onRejected: cfg.OnRejected,
		onAcquired: cfg.OnAcquired,
		full:       &FullError{Name: cfg.Name, MaxConcurrent: cfg.MaxConcurrent, Waited: cfg.MaxWait},
	}
	if p.clock == nil {
		p.clock = clock.New()
	}
	p.release = p.put
	return &Bulkhead[R]{p: p}
}

// As returns a view of b for results of type R2. The view shares b's
// permits, configuration and hooks: a call through either counts against
// the same MaxConcurrent.
func As[R2, R any](b *Bulkhead[R]) *Bulkhead[R2] {
	return &Bulkhead[R2]{p: b.p}
}

// Execute takes a permit, waiting for one up to MaxWait, calls next and
// gives the permit back when next returns or panics. A call turned away
// gets a *FullError (errors.Is(err, ErrFull)) without next being called; a
// wait cut short by ctx returns ctx's error.
func (b *Bulkhead[R]) Execute(ctx context.Context, next resilience.Func[R]) (R, error) {
	if err := resilience.CheckArgs(ctx, next); err != nil {
		var zero R
		return zero, err
	}
	return b.ExecuteChain(ctx, nil, next)
}

// ExecuteChain is Execute with next running rest.Call(ctx, fn): the form
// this module's executor calls, which spares it a Func per call and has
// checked ctx and fn already (see resilience.Chained).
func (b *Bulkhead[R]) ExecuteChain(ctx context.Context, rest *resilience.Chain[R], fn resilience.Func[R]) (R, error) {
	// permits.take and permits.put, written out because this is the hot
	// path (it saves a call each, a tenth of the cost): keep them in step.
	p := b.p
	if err := ctx.Err(); err != nil {
		var zero R
		return zero, err // a call nobody waits for does not take a permit
	}
	if s := p.state.Load(); s >= p.max || !p.state.CompareAndSwap(s, s+1) {
		if err := p.takeSlow(ctx); err != nil {
			var zero R
			return zero, err
		}
	}
	defer func() {
		if old := p.state.Add(^uint64(0)) + 1; old&^queuedBit == 0 || old&queuedBit != 0 {
			p.putSlow(old)
		}
	}()
	return rest.Call(ctx, fn)
}

var errNilContext = fmt.Errorf("%w: bulkhead: nil context", resilience.ErrInvalidArgument)

// Acquire takes a permit as Execute does, for work that is not a
// resilience.Func, and returns the func that gives it back. On success the
// caller must call release exactly once, typically with defer; calling it
// again would free a permit someone else holds. On error release is nil and
// there is nothing to give back.
//
// Acquire allocates nothing when a permit is free.
func (b *Bulkhead[R]) Acquire(ctx context.Context) (release func(), err error) {
	if ctx == nil {
		return nil, errNilContext
	}
	if err := b.p.take(ctx); err != nil {
		return nil, err
	}
	return b.p.release, nil
}

// InFlight returns the number of permits taken at this moment.
func (b *Bulkhead[R]) InFlight() int { return b.p.inFlight() }

// Waiting returns the number of calls queued for a permit at this moment.
// A call is counted only once its MaxWait timer is running, so a test may
// advance a mock clock as soon as it sees Waiting() > 0.
func (b *Bulkhead[R]) Waiting() int { return int(b.p.waiting.Load()) }

// MaxConcurrent returns the bulkhead's number of permits.
func (b *Bulkhead[R]) MaxConcurrent() int { return int(b.p.max) }

// Bulkhead runs the rest of an executor's chain itself (see resilience.Chained).
var _ resilience.Chained[any] = (*Bulkhead[any])(nil)
