package clockseam

import (
	"context"
	"sync"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience/internal/ctxkey"
)

// A fakeDeadline is a context that ends at a deadline on an injected
// clock, or when its parent ends, whichever comes first.
//
// It is not a clock.Mock's WithDeadline, whose context ends on a goroutine
// of its own some time after the mock has moved past the deadline or the
// parent has ended: code that asks Err right then cannot tell whether the
// deadline came. A fakeDeadline decides in Err itself, from the clock's
// time and the parent's Err, so what it reports is what the clock says.
type fakeDeadline struct {
	parent   context.Context
	clock    clock.Clock
	deadline time.Time
	done     chan struct{}

	mu    sync.Mutex // guards err, timer and stop, and closing done
	err   error
	timer *clock.Timer // ends it at the deadline
	stop  func() bool  // stops following parent
}

func newFakeDeadline(parent context.Context, c clock.Clock, deadline time.Time) (context.Context, context.CancelFunc) {
	d := &fakeDeadline{parent: parent, clock: c, deadline: deadline, done: make(chan struct{})}
	if d.Err() != nil {
		return d, func() {}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.timer = c.AfterFunc(c.Until(deadline), func() { d.end(context.DeadlineExceeded) })
	d.stop = context.AfterFunc(parent, func() { d.end(parent.Err()) })
	return d, func() { d.end(context.Canceled) }
}

// end ends d with err, unless it has ended already.
func (d *fakeDeadline) end(err error) {
	d.mu.Lock()
	if d.err != nil {
		d.mu.Unlock()
		return
	}
	d.err = err
	close(d.done)
	timer, stop := d.timer, d.stop
	d.mu.Unlock()
	if timer != nil {
		timer.Stop()
	}
	if stop != nil {
		stop()
	}
}

func (d *fakeDeadline) Deadline() (time.Time, bool) { return d.deadline, true }
func (d *fakeDeadline) Done() <-chan struct{}       { return d.done }

// Err ends d first if the parent has ended or the deadline has come, in
// that order: what the context package's WithDeadline reports when it is
// made under a parent that has ended.
func (d *fakeDeadline) Err() error {
	d.mu.Lock()
	err := d.err
	d.mu.Unlock()
	if err != nil {
		return err
	}
	if err := d.parent.Err(); err != nil {
		d.end(err)
	} else if d.clock.Until(d.deadline) <= 0 {
		d.end(context.DeadlineExceeded)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// Value answers nil for the context package's own key, asked by
// context.Cause (which then reports Err, d having no cause of its own)
// and when a child is linked (which then follows Done). Every other key
// is the parent's.
func (d *fakeDeadline) Value(key any) any {
	if key == ctxkey.CancelCtx {
		return nil
	}
	return d.parent.Value(key)
}

func (d *fakeDeadline) String() string {
	return "clockseam.fakeDeadline(" + d.deadline.String() + ")"
}
