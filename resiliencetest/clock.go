package resiliencetest

import (
	"context"
	"time"

	"github.com/benbjohnson/clock"
)

// Clock is a clock.Clock: the policies take it as their Config.Clock.
var _ clock.Clock = (*Clock)(nil)

// waitsBuffered is how many waits Clock keeps for the test to read; the
// next one blocks the code that starts it until the test reads one, so
// that no wait is lost.
const waitsBuffered = 64

// Clock is a clock.Mock (it stands still until the test moves it with Add
// or Set) that reports each wait the code under test starts on it — each
// Timer, After or Sleep — with its duration, so that the test moves time
// only once the code is parked: a timer started after Add counts from the
// new time and waits its whole duration.
//
// AfterFunc and Ticker are not reported: a deadline (a timeout's, a ctx's
// from WithTimeout) is set before the code waits for anything, and a
// policy that waits on it says so itself.
//
// Up to 64 waits are kept unread; the next one blocks the code that
// starts it until the test reads one. Safe for concurrent use.
type Clock struct {
	*clock.Mock
	waits chan time.Duration
}

// NewClock returns a Clock at the mock clock's epoch, time.Unix(0, 0).
func NewClock() *Clock {
	return &Clock{Mock: clock.NewMock(), waits: make(chan time.Duration, waitsBuffered)}
}

// Timer starts a timer on the mock clock and reports d on Waits.
func (c *Clock) Timer(d time.Duration) *clock.Timer {
	t := c.Mock.Timer(d)
	c.waits <- d
	return t
}

// After is Timer(d).C. (clock.Mock's own After would start its timer
// without reporting it.)
func (c *Clock) After(d time.Duration) <-chan time.Time { return c.Timer(d).C }

// Sleep waits until the clock has moved by d.
func (c *Clock) Sleep(d time.Duration) { <-c.After(d) }

// Waits returns the channel on which each wait's duration is sent once
// its timer is set, in the order the waits start: select on it with the
// call's result to move time while the call waits.
func (c *Clock) Waits() <-chan time.Duration { return c.waits }

// NextWait blocks until the code under test starts a wait that no earlier
// NextWait or receive from Waits took, and returns its duration; or
// returns ctx's error once ctx is done.
func (c *Clock) NextWait(ctx context.Context) (time.Duration, error) {
	select {
	case d := <-c.waits:
		return d, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// AdvanceNext waits for the next wait as NextWait does and then moves the
// clock by its duration, so that the wait ends; it returns the duration.
func (c *Clock) AdvanceNext(ctx context.Context) (time.Duration, error) {
	d, err := c.NextWait(ctx)
	if err != nil {
		return 0, err
	}
	c.Add(d)
	return d, nil
}
