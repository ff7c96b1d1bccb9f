package hedge

import (
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience/internal/clockseam"
)

// delayTimer times the hedges of one execution on Config.Clock, which the
// seam runs as a *time.Timer when it is nil: the real clock's wrapper
// would cost an allocation per execution.
type delayTimer struct{ t clockseam.Timer }

// start starts the timer and returns its channel.
func (t *delayTimer) start(c clock.Clock, d time.Duration) <-chan time.Time {
	t.t = clockseam.Of(c).NewTimer(d)
	return t.t.C()
}

// reset restarts the timer for d from now and returns its channel. A
// tick not yet received is dropped: it would start the next hedge early.
// (Since Go 1.23 a *time.Timer leaves none after Stop, but a program may
// still ask for the old timers with GODEBUG=asynctimerchan=1.)
func (t *delayTimer) reset(d time.Duration) <-chan time.Time {
	if !t.t.Stop() {
		select {
		case <-t.t.C():
		default:
		}
	}
	t.t.Reset(d)
	return t.t.C()
}

// stop stops the timer, if it was started.
func (t *delayTimer) stop() { t.t.Stop() }
