package timeout

import (
	"context"
	"time"
)

// ErrExceeded is matched by the error a Policy returns when its timeout
// passed before next returned: errors.Is(err, ErrExceeded) and
// errors.Is(err, context.DeadlineExceeded) both hold. The error itself is
// an *ExceededError.
var ErrExceeded error = exceeded{}

// exceeded is ErrExceeded's type: a value, so that nobody can change the
// sentinel through errors.As.
type exceeded struct{}

func (exceeded) Error() string { return "timeout: exceeded" }

// Is makes ErrExceeded itself match context.DeadlineExceeded.
func (exceeded) Is(target error) bool { return target == context.DeadlineExceeded }

// ExceededError is the error a Policy returns when its timeout passed
// first. It matches ErrExceeded and context.DeadlineExceeded, and it wraps
// the error next returned (if any) so that errors.Is/As still reach it.
//
// It is also the cause of the ctx next runs under (with the real clock):
// context.Cause(ctx) is an *ExceededError once the timeout fired.
type ExceededError struct {
	// Limit is the Config.Timeout that passed.
	Limit time.Duration
	// Err is the error next returned after the timeout, when it adds
	// something to ctx's own error; nil otherwise.
	Err error
}

// Error reads like "timeout: exceeded after 2s", followed by ": " and the
// error next returned, if any.
func (e *ExceededError) Error() string {
	s := "timeout: exceeded after " + e.Limit.String()
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is reports whether target is ErrExceeded or context.DeadlineExceeded.
func (e *ExceededError) Is(target error) bool {
	return target == ErrExceeded || target == context.DeadlineExceeded
}

// Unwrap returns the error next returned, or nil.
func (e *ExceededError) Unwrap() error { return e.Err }

// Timeout reports true, so that net/http's *url.Error and callers checking
// for interface{ Timeout() bool } (as net.Error does) see a timeout.
func (e *ExceededError) Timeout() bool { return true }
