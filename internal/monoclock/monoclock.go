// Package monoclock reads a policy's clock as the time elapsed since a
// start. Under the real clock it reads only the monotonic clock, which is
// what durations need and, on machines whose wall clock is slow to read
// (virtual machines), half the cost of time.Now.
package monoclock

import (
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience/internal/clockseam"
)

// A Clock is a policy's clock and the start its readings are measured
// from. The zero Clock is not usable; make one with New.
type Clock struct {
	clock clockseam.Clock
	start time.Time
}

// New returns c read from now on. A nil c is the real clock.
func New(c clock.Clock) Clock {
	seam := clockseam.Of(c)
	return Clock{clock: seam, start: seam.Now()}
}

// Start returns the time New read.
func (c Clock) Start() time.Time { return c.start }

// Elapsed returns the time since the start.
func (c Clock) Elapsed() time.Duration { return c.clock.Since(c.start) }
