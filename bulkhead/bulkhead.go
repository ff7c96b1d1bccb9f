package bulkhead

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"
	"golang.org/x/sync/semaphore"

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

// permits is the state a bulkhead shares between all its typed views.
type permits struct {
	sem *semaphore.Weighted // MaxConcurrent permits, waiters served FIFO

	// Metrics only: the semaphore alone decides who runs. inFlight counts
	// holders between acquire and release, waiting the calls queued.
	inFlight atomic.Int64
	waiting  atomic.Int64

	name       string
	max        int
	maxWait    time.Duration
	clock      clock.Clock
	observer   resilience.Observer
	onRejected func(context.Context, error)
	onAcquired func(context.Context, time.Duration)

	full    *FullError // the one rejection error: immutable, so shared
	release func()     // p.put, bound once so that Acquire allocates nothing
}

// New returns a Bulkhead configured by cfg. It panics with the error of
// cfg.Validate if cfg is invalid.
func New[R any](cfg Config[R]) *Bulkhead[R] {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	p := &permits{
		sem:        semaphore.NewWeighted(int64(cfg.MaxConcurrent)),
		name:       cfg.Name,
		max:        cfg.MaxConcurrent,
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
	if err := b.p.take(ctx); err != nil {
		var zero R
		return zero, err
	}
	defer b.p.put()
	return next(ctx)
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
func (b *Bulkhead[R]) InFlight() int { return int(b.p.inFlight.Load()) }

// Waiting returns the number of calls queued for a permit at this moment.
func (b *Bulkhead[R]) Waiting() int { return int(b.p.waiting.Load()) }

// MaxConcurrent returns the bulkhead's number of permits.
func (b *Bulkhead[R]) MaxConcurrent() int { return b.p.max }

// take gets a permit for a call under ctx, or returns why not.
func (p *permits) take(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err // a call nobody waits for does not take a permit
	}
	if p.sem.TryAcquire(1) {
		p.inFlight.Add(1)
		return nil
	}
	if p.maxWait == 0 {
		return p.reject(ctx)
	}
	return p.wait(ctx)
}

// wait queues for a permit for at most maxWait, on p.clock.
func (p *permits) wait(ctx context.Context) error {
	start := p.clock.Now()
	// A ctx on p.clock's time, so that a mock clock drives MaxWait. The
	// semaphore gives back a permit granted as waitCtx ends, so no permit
	// is lost to a waiter that has left.
	waitCtx, cancel := p.clock.WithTimeout(ctx, p.maxWait)
	p.waiting.Add(1)
	err := p.sem.Acquire(waitCtx, 1)
	p.waiting.Add(-1)
	cancel()
	if err == nil {
		p.inFlight.Add(1)
		p.acquired(ctx, p.clock.Since(start))
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err // the caller's ctx ended the wait, not MaxWait
	}
	return p.reject(ctx)
}

// put gives a permit back.
func (p *permits) put() {
	if p.inFlight.Add(-1) < 0 {
		p.inFlight.Add(1)
		panic("bulkhead: release of a permit that is not held")
	}
	p.sem.Release(1)
}

func (p *permits) reject(ctx context.Context) error {
	if p.onRejected != nil {
		p.onRejected(ctx, p.full)
	}
	if resilience.Observing(p.observer) {
		resilience.Emit(ctx, p.observer, resilience.Event{
			Policy: "bulkhead", Name: p.name, Kind: resilience.EventRejected,
			Err: p.full, Duration: p.maxWait,
		})
	}
	return p.full
}

func (p *permits) acquired(ctx context.Context, waited time.Duration) {
	if p.onAcquired != nil {
		p.onAcquired(ctx, waited)
	}
	if resilience.Observing(p.observer) {
		resilience.Emit(ctx, p.observer, resilience.Event{
			Policy: "bulkhead", Name: p.name, Kind: resilience.EventAcquired, Duration: waited,
		})
	}
}
