package circuitbreaker

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-resilience/resilience"
)

// ErrOpen is the sentinel of every rejection: errors.Is(err, ErrOpen)
// reports whether a breaker refused the call. The error returned is an
// [*OpenError], which also tells when to try again.
var ErrOpen = errors.New("circuitbreaker: open")

var errNilContext = fmt.Errorf("%w: nil context", resilience.ErrInvalidArgument)

// OpenError is the error of a call a breaker rejected: it is open, forced
// open, or half-open with all its trial calls taken. It wraps [ErrOpen].
//
// A breaker returns the same *OpenError to every call it rejects in one
// period, so rejecting allocates nothing; RetryAfter is computed when asked.
type OpenError struct {
	// Name is the breaker's Config.Name.
	Name string
	// State is the breaker's state when it rejected the call: Open,
	// HalfOpen or ForcedOpen.
	State State

	c     *core
	word  uint64 // the state word of the period that rejects with this error
	until int64  // Open: when half-open begins, in nanoseconds on c's clock
}

// Error reads "circuitbreaker: open", followed by the breaker's name in
// parentheses when it has one.
func (e *OpenError) Error() string {
	if e.Name == "" {
		return ErrOpen.Error()
	}
	return ErrOpen.Error() + " (" + e.Name + ")"
}

// Unwrap returns ErrOpen.
func (e *OpenError) Unwrap() error { return ErrOpen }

// RetryAfter returns how long from now until the breaker lets a trial call
// through: for Open, the rest of its delay (0 once it has passed); for
// HalfOpen, 0, as the trials in flight decide what comes next and a permit
// may come back at any moment; for ForcedOpen, which lasts until someone
// moves the breaker out of it, the configured OpenDelay as a hint.
func (e *OpenError) RetryAfter() time.Duration {
	switch e.State {
	case Open:
		return time.Duration(max(subSat(e.until, e.c.now()), 0))
	case ForcedOpen:
		return e.c.openDelay
	}
	return 0
}
