package ratelimit

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/internal/monoclock"
)

// bucket is the token bucket a limiter shares between all its typed views.
//
// It keeps a single number, full: the time at which the bucket will be
// full again (the "theoretical arrival time" of the generic cell rate
// algorithm). At time t the bucket holds Burst - (full-t)/interval tokens
// if full > t, and Burst tokens otherwise. A permit at t needs one token,
// that is full-t <= (Burst-1)*interval; spending it moves full to
// max(full, t) + interval. Nothing refills in the background, and integer
// nanoseconds keep the arithmetic exact.
//
// reserve, the arithmetic, takes the time as a parameter; its callers read
// the clock.
type bucket struct {
	interval  time.Duration // the time one token takes to come back
	tolerance time.Duration // (Burst-1)*interval: how far full may run ahead of now with a token left
	maxWait   time.Duration
	clock     clock.Clock     // for timers
	mono      monoclock.Clock // the clock from New; the times below are offsets from its start

	name       string
	observer   resilience.Observer
	onRejected func(context.Context, error)

	mu   sync.Mutex    // guards full
	full time.Duration // when the bucket will be full again, as an offset from mono's start
}

func newBucket(cfg Config) *bucket {
	b := &bucket{
		interval:   cfg.interval(),
		maxWait:    cfg.MaxWait,
		clock:      cfg.Clock,
		name:       cfg.Name,
		observer:   cfg.Observer,
		onRejected: cfg.OnRejected,
	}
	b.tolerance = time.Duration(cfg.burst()-1) * b.interval
	if b.clock == nil {
		b.clock = clock.New()
	}
	b.mono = monoclock.New(cfg.Clock) // full = 0: the bucket starts full
	return b
}

// now returns the clock's reading as an offset from its start. A clock
// set back before New reads as New's time: offsets never go negative, so
// full-now cannot overflow, and the bucket just stays as empty as it was.
func (b *bucket) now() time.Duration { return max(b.mono.Elapsed(), 0) }

// reserve spends a token at now if one will be there within limit. It
// returns how long the caller must wait for the token and the value full
// took when the token was spent, the key a refund needs. If the wait would
// be longer than limit it spends nothing and returns ok false with the
// wait.
//
// A token whose spending would move full past the last offset a
// time.Duration holds (about 292 years after New) is never spent: the
// arithmetic would wrap around and grant tokens early. Such a refusal's
// wait runs to that last offset.
func (b *bucket) reserve(now, limit time.Duration) (wait, after time.Duration, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	full := max(b.full, now)
	wait = max(full-now-b.tolerance, 0) // full-now first: 0 <= now <= full, it cannot overflow
	if wait > limit {
		return wait, 0, false
	}
	if full > math.MaxInt64-b.interval {
		return math.MaxInt64 - now, 0, false
	}
	b.full = full + b.interval
	return wait, b.full, true
}

// refund gives back the token whose spending set full to after, and
// reports whether it did. It does so only if no token was spent since:
// later reservations were promised times computed from that token, and
// giving it to someone else would let both act at once.
func (b *bucket) refund(after time.Duration) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.full != after {
		return false
	}
	b.full -= b.interval
	return true
}

// take spends a token for a call under ctx, waiting for it up to maxWait,
// and returns nil, ctx's error, or an *ExceededError.
func (b *bucket) take(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err // a call nobody waits for spends no token
	}
	now := b.now()
	limit := b.maxWait
	if deadline, ok := ctx.Deadline(); ok && limit > 0 {
		// A wait that ends at the deadline leaves the call no time: it
		// must end strictly before.
		limit = max(min(limit, deadline.Sub(b.mono.Start().Add(now))), 1) - 1
	}
	wait, after, ok := b.reserve(now, limit)
	switch {
	case !ok:
		return b.reject(ctx, wait)
	case wait == 0:
		return nil
	}
	return b.sleep(ctx, wait, after)
}

// sleep waits for a reserved token, or gives it back if ctx ends first.
func (b *bucket) sleep(ctx context.Context, wait, after time.Duration) error {
	t := b.clock.Timer(wait)
	select {
	case <-t.C:
		if err := ctx.Err(); err != nil {
			// ctx ended as the token came: nobody will use it.
			b.refund(after)
			return err
		}
		b.acquired(ctx, wait, after)
		return nil
	case <-ctx.Done():
		t.Stop()
		b.refund(after)
		return ctx.Err()
	}
}

func (b *bucket) reject(ctx context.Context, wait time.Duration) error {
	err := &ExceededError{Name: b.name, Delay: wait}
	if b.onRejected != nil {
		b.onRejected(ctx, err)
	}
	if resilience.Observing(b.observer) {
		resilience.Emit(ctx, b.observer, resilience.Event{
			Policy: "ratelimit", Name: b.name, Kind: resilience.EventRejected, Err: err,
		})
	}
	return err
}

// acquired reports a token, whose spending set full to after, granted
// after a wait of waited. If the observer panics, the call will not run,
// so the token goes back (if it still can) before the panic goes on.
func (b *bucket) acquired(ctx context.Context, waited, after time.Duration) {
	reported := false
	defer func() {
		if !reported {
			b.refund(after)
		}
	}()
	if resilience.Observing(b.observer) {
		resilience.Emit(ctx, b.observer, resilience.Event{
			Policy: "ratelimit", Name: b.name, Kind: resilience.EventAcquired, Duration: waited,
		})
	}
	reported = true
}
