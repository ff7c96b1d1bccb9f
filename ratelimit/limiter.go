package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/go-resilience/resilience"
)

// A Limiter grants at most Rate permits per Period, up to Burst at once;
// see the package documentation for the model. Build one with [New]; it is
// safe for concurrent use. Execute is what most callers want.
//
// A Limiter's tokens do not depend on R: [As] returns a view of the same
// bucket for another result type.
type Limiter[R any] struct {
	b *bucket
}

// New returns a Limiter configured by cfg, with a full bucket. It panics
// with the error of cfg.Validate if cfg is invalid.
func New[R any](cfg Config) *Limiter[R] {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	return &Limiter[R]{b: newBucket(cfg)}
}

// As returns a view of l for results of type R2. The view shares l's
// bucket, configuration and hooks: a call through either spends from the
// same tokens.
func As[R2, R any](l *Limiter[R]) *Limiter[R2] {
	return &Limiter[R2]{b: l.b}
}

// Execute spends a token, waiting for it up to MaxWait, and calls next.
// A call turned away gets an *ExceededError (errors.Is(err, ErrExceeded))
// without next being called; a wait cut short by ctx returns ctx's error
// and gives the token back.
func (l *Limiter[R]) Execute(ctx context.Context, next resilience.Func[R]) (R, error) {
	if err := resilience.CheckArgs(ctx, next); err != nil {
		var zero R
		return zero, err
	}
	return l.ExecuteChain(ctx, nil, next)
}

// ExecuteChain is Execute with next running rest.Call(ctx, fn): the form
// this module's executor calls, which spares it a Func per call and has
// checked ctx and fn already (see resilience.Chained).
func (l *Limiter[R]) ExecuteChain(ctx context.Context, rest *resilience.Chain[R], fn resilience.Func[R]) (R, error) {
	if err := l.b.take(ctx); err != nil {
		var zero R
		return zero, err
	}
	return rest.Call(ctx, fn)
}

// Allow spends a token if one is there now and reports whether it did. It
// never waits, whatever MaxWait, and reports nothing to hooks or observers:
// the caller decides what false means.
func (l *Limiter[R]) Allow() bool {
	_, _, ok := l.b.reserve(l.b.now(), 0)
	return ok
}

var errNilContext = fmt.Errorf("%w: ratelimit: nil context", resilience.ErrInvalidArgument)

// Wait spends a token as Execute does, for work that is not a
// resilience.Func: it returns nil once the caller may go ahead, an
// *ExceededError at once if the token is further away than MaxWait or
// ctx's deadline, or ctx's error (giving the token back) if ctx ends first.
func (l *Limiter[R]) Wait(ctx context.Context) error {
	if ctx == nil {
		return errNilContext
	}
	return l.b.take(ctx)
}

// Reserve books a token without waiting for it: the caller may act once
// the returned Reservation's Delay has passed, or Cancel it to give the
// token back. A token further away than MaxWait is not booked: Reserve
// returns an *ExceededError instead. Like Allow, it reports nothing to
// hooks or observers.
func (l *Limiter[R]) Reserve() (Reservation, error) {
	now := l.b.now()
	wait, after, ok := l.b.reserve(now, l.b.maxWait)
	if !ok {
		return Reservation{}, &ExceededError{Name: l.b.name, Delay: wait}
	}
	return Reservation{b: l.b, at: now + wait, after: after}, nil
}

// Interval returns the time one token takes to come back: Period/Rate,
// rounded up to the nanosecond.
func (l *Limiter[R]) Interval() time.Duration { return l.b.interval }

// A Reservation is a token booked by [Limiter.Reserve]. Its zero value
// holds no token.
type Reservation struct {
	b         *bucket
	at        time.Duration // when the token is there, as an offset from b.mono's start
	after     time.Duration // the bucket's full right after the booking: the refund key
	cancelled bool
}

// Delay returns how long from now the holder must wait before acting: 0
// once the token is there.
func (r *Reservation) Delay() time.Duration {
	if r.b == nil {
		return 0
	}
	return max(r.at-r.b.now(), 0)
}

// Cancel says the holder will not act, and gives the token back to the
// limiter if no other token was spent since it was booked (the others were
// promised times that count on it). It reports whether the token went
// back. Calling Cancel again does nothing; a copy of a Reservation must not
// be cancelled as well.
func (r *Reservation) Cancel() bool {
	if r.b == nil || r.cancelled {
		return false
	}
	r.cancelled = true
	return r.b.refund(r.after)
}

// Limiter runs the rest of an executor's chain itself (see resilience.Chained).
var _ resilience.Chained[any] = (*Limiter[any])(nil)
