package circuitbreaker

import "github.com/go-resilience/resilience"

// This file tells policies outside a breaker, a retry above all, what the
// next call will meet, without their importing this package: a rejection
// matches resilience.ErrRejected, and the failure after which the breaker
// rejects calls carries that rejection (resilience.Rejection reads both).

// Is reports whether target is resilience.ErrRejected: an OpenError is the
// error of a call the breaker refused without running it.
func (e *OpenError) Is(target error) bool { return target == resilience.ErrRejected }

// OpenedError is the error of a call that ran and failed, after which the
// breaker rejects calls: its failure opened the breaker, or the breaker
// opened (or was forced open) while it ran. Err is the call's own error:
// Error and Unwrap are Err's, so errors.Is and errors.As find what they
// would find in Err, and errors.Is(err, ErrOpen) stays false, since this
// call was not rejected. Open is the rejection the next calls get; a retry
// around the breaker reads it (through resilience.Rejection) to learn,
// before it waits, that its next attempt would be rejected and until when.
//
// Only a call that failed with a non-nil error is marked: a failure that
// is a result with a nil error is returned as it is.
type OpenedError struct {
	Err  error      // the call's error, unchanged
	Open *OpenError // the rejection of the period the breaker is now in
}

// Error returns Err's message.
func (e *OpenedError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *OpenedError) Unwrap() error { return e.Err }

// Rejection returns Open, the error the next calls get.
func (e *OpenedError) Rejection() error { return e.Open }

// opened returns err, the non-nil error of a call just recorded, as an
// *OpenedError if the breaker now rejects calls for a while (Open before
// its delay has passed, or ForcedOpen), and as it is otherwise. It reads
// two atomics; it allocates only when it marks err.
func (c *core) opened(err error) error {
	word := c.word.Load()
	switch stateOf(word) {
	case Open, ForcedOpen:
	default:
		return err
	}
	e := c.openErr.Load()
	if e == nil || e.word != word || stateOf(word) == Open && c.now() >= e.until {
		return err
	}
	return &OpenedError{Err: err, Open: e}
}
