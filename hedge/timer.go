package hedge

import (
	"time"

	"github.com/benbjohnson/clock"
)

// delayTimer times the hedges of one execution on Config.Clock, or, when
// that is nil, directly on a *time.Timer: the real clock's wrapper would
// cost an allocation per execution.
type delayTimer struct {
	real *time.Timer
	fake *clock.Timer
}

// start starts the timer and returns its channel.
func (t *delayTimer) start(c clock.Clock, d time.Duration) <-chan time.Time {
	if c == nil {
		t.real = time.NewTimer(d)
		return t.real.C
	}
	t.fake = c.Timer(d)
	return t.fake.C
}

// reset restarts the timer for d from now and returns its channel. A
// tick not yet received is dropped: it would start the next hedge early.
// (Since Go 1.23 a *time.Timer leaves none after Stop, but a program may
// still ask for the old timers with GODEBUG=asynctimerchan=1.)
func (t *delayTimer) reset(d time.Duration) <-chan time.Time {
	c := t.stopAndDrain()
	if t.real != nil {
		t.real.Reset(d)
	} else {
		t.fake.Reset(d)
	}
	return c
}

func (t *delayTimer) stopAndDrain() <-chan time.Time {
	var stopped bool
	var c <-chan time.Time
	if t.real != nil {
		stopped, c = t.real.Stop(), t.real.C
	} else {
		stopped, c = t.fake.Stop(), t.fake.C
	}
	if !stopped {
		select {
		case <-c:
		default:
		}
	}
	return c
}

// stop stops the timer, if it was started.
func (t *delayTimer) stop() {
	switch {
	case t.real != nil:
		t.real.Stop()
	case t.fake != nil:
		t.fake.Stop()
	}
}
