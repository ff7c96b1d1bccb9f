// Package clockseam is the one place that decides which clock a policy
// runs on: the Config.Clock it was given, or, when that is nil, the
// runtime's own (time.Now, time.AfterFunc, context.WithDeadlineCause).
//
// There is no third case for testing/synctest: inside a bubble the
// runtime's clock is the bubble's fake one, so the real clock is right
// there too. What this package spares its callers is the wrapper of
// clock.New(), which costs an allocation per timer and drops the causes
// the context package's deadlines carry.
package clockseam

import (
	"context"
	"time"

	"github.com/benbjohnson/clock"
)

// A Clock is the real clock, or an injected one. The zero Clock is the
// real clock.
type Clock struct {
	fake clock.Clock // nil: the runtime's clock
}

// Of returns the clock c, or the real clock if c is nil.
func Of(c clock.Clock) Clock { return Clock{fake: c} }

// Injected returns the clock Of was given, nil for the real clock.
func (c Clock) Injected() clock.Clock { return c.fake }

// Now returns the current time.
func (c Clock) Now() time.Time {
	if c.fake == nil {
		return time.Now()
	}
	return c.fake.Now()
}

// Since returns the time elapsed since t. On the real clock, for a t
// read from it, that reads only the monotonic clock.
func (c Clock) Since(t time.Time) time.Duration {
	if c.fake == nil {
		return time.Since(t)
	}
	return c.fake.Now().Sub(t)
}

// Until returns the time left until t, as Since does.
func (c Clock) Until(t time.Time) time.Duration {
	if c.fake == nil {
		return time.Until(t)
	}
	return t.Sub(c.fake.Now())
}

// A Timer is a *time.Timer or an injected clock's *clock.Timer, held by
// value so that the real one costs no wrapper. The zero Timer was never
// started: Stop on it does nothing.
type Timer struct {
	real *time.Timer
	fake *clock.Timer
}

// NewTimer returns a timer that sends on C after d.
func (c Clock) NewTimer(d time.Duration) Timer {
	if c.fake == nil {
		return Timer{real: time.NewTimer(d)}
	}
	return Timer{fake: c.fake.Timer(d)}
}

// AfterFunc returns a timer that calls f on a goroutine of its own after
// d. (An injected clock.Mock calls it once the mock has moved past d,
// still on a goroutine of its own.)
func (c Clock) AfterFunc(d time.Duration, f func()) Timer {
	if c.fake == nil {
		return Timer{real: time.AfterFunc(d, f)}
	}
	return Timer{fake: c.fake.AfterFunc(d, f)}
}

// C returns the channel a NewTimer's timer sends on.
func (t Timer) C() <-chan time.Time {
	if t.real != nil {
		return t.real.C
	}
	return t.fake.C
}

// Stop stops the timer, and reports whether it did so before it fired.
func (t Timer) Stop() bool {
	switch {
	case t.real != nil:
		return t.real.Stop()
	case t.fake != nil:
		return t.fake.Stop()
	}
	return false
}

// Reset restarts a started timer for d from now, as time.Timer.Reset
// does.
func (t Timer) Reset(d time.Duration) bool {
	if t.real != nil {
		return t.real.Reset(d)
	}
	return t.fake.Reset(d)
}

// WithDeadlineCause returns a context that ends at deadline on c, or
// when parent does. On the real clock it is context.WithDeadlineCause's,
// ending with cause. On an injected clock it is a fakeDeadline, which
// carries no cause of its own (context.Cause reports its Err): no context
// of the context package can end with context.DeadlineExceeded at a time
// it cannot read.
func (c Clock) WithDeadlineCause(parent context.Context, deadline time.Time, cause error) (context.Context, context.CancelFunc) {
	if c.fake == nil {
		return context.WithDeadlineCause(parent, deadline, cause)
	}
	return newFakeDeadline(parent, c.fake, deadline)
}
