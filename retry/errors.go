package retry

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// ErrExhausted is wrapped by the error a Policy returns when it gives up
// on a failing call: attempts used up, no time left for the next delay
// (MaxDuration or the ctx deadline), a delay above MaxDelay, the Budget
// refused a retry, or the next attempt would be rejected (an open
// breaker) for longer than the policy waits. The
// last attempt's error stays reachable: errors.Is(err, ErrExhausted) and
// errors.Is(err, lastErr) both hold. The error is an *ExhaustedError.
var ErrExhausted = errors.New("retry: exhausted")

// ExhaustedError is the error a Policy returns when it gives up. It wraps
// ErrExhausted, Reason (if any) and Last (if any).
type ExhaustedError struct {
	// Attempts is the number of attempts made.
	Attempts int
	// Last is the last real attempt's error: an attempt rejected without
	// running (resilience.ErrRejected) is not one, unless none ran. It is
	// nil when the last attempt failed with a result (FailureIf true with a
	// nil error), which the Policy then returns beside this error.
	Last error
	// Reason says why the retries ended before MaxAttempts: the next delay
	// would pass MaxDuration or the ctx deadline or is above MaxDelay, the
	// Budget's refusal (so errors.Is reaches the budget's error), or a
	// rejection: the last attempt was rejected, or the next would be for
	// longer than the policy waits (errors.Is reaches the rejection, say
	// circuitbreaker.ErrOpen). It is nil when every allowed attempt was
	// made and the last one ran.
	Reason error
}

// Error reads like "retry: exhausted after 3 attempts: connection refused".
func (e *ExhaustedError) Error() string {
	var b strings.Builder
	b.WriteString(ErrExhausted.Error())
	b.WriteString(" after ")
	b.WriteString(strconv.Itoa(e.Attempts))
	if e.Attempts == 1 {
		b.WriteString(" attempt")
	} else {
		b.WriteString(" attempts")
	}
	if e.Reason != nil {
		b.WriteString(": ")
		b.WriteString(e.Reason.Error())
	}
	b.WriteString(": ")
	if e.Last != nil {
		b.WriteString(e.Last.Error())
	} else {
		b.WriteString("the last result was a failure")
	}
	return b.String()
}

// Unwrap returns ErrExhausted, then Reason and Last when they are set.
func (e *ExhaustedError) Unwrap() []error {
	errs := []error{ErrExhausted}
	if e.Reason != nil {
		errs = append(errs, e.Reason)
	}
	if e.Last != nil {
		errs = append(errs, e.Last)
	}
	return errs
}

// interruptedError is the error of a Policy whose ctx ended during a
// delay: the cause, and the last attempt's error, whose result was
// already discarded. It matches ctx.Err() as well, so that a cause of the
// caller's own (context.WithCancelCause) still reads as a cancellation to
// errors.Is and to the policies outside.
type interruptedError struct {
	cause   error // context.Cause(ctx)
	ctxErr  error // ctx.Err(), when cause does not match it; else nil
	last    error // the last attempt's error; nil for a failure result
	attempt int   // the attempt whose delay was interrupted
}

func (e *interruptedError) Error() string {
	var b strings.Builder
	b.WriteString(e.cause.Error())
	b.WriteString(" (retry: during the delay after attempt ")
	b.WriteString(strconv.Itoa(e.attempt))
	if e.last != nil {
		b.WriteString(", which failed: ")
		b.WriteString(e.last.Error())
	}
	b.WriteString(")")
	return b.String()
}

// Unwrap returns the cause, then ctx.Err() if the cause does not match
// it, then the last error if any.
func (e *interruptedError) Unwrap() []error {
	errs := []error{e.cause}
	if e.ctxErr != nil {
		errs = append(errs, e.ctxErr)
	}
	if e.last != nil {
		errs = append(errs, e.last)
	}
	return errs
}

// rejectedError is an ExhaustedError's Reason when the last attempt was
// rejected by a policy inside the retry (an open circuit breaker), or the
// next one would be for longer than the policy waits. It wraps the
// rejection, so that errors.Is finds, say, circuitbreaker.ErrOpen.
type rejectedError struct {
	rejection error         // what the next attempt would meet
	limit     time.Duration // MaxRejectionWait when the wait exceeds it; -1 when not
	cause     error         // why else the policy gave up (no time left for the wait); nil if not
}

// Error reads like "circuitbreaker: open (pricing) for longer than
// MaxRejectionWait 0s", or "circuitbreaker: open (pricing), and next
// delay 5s would pass MaxDuration 1s (0s elapsed)". The wait itself is
// left out: it is read from a clock, and a message should not change with
// the nanoseconds.
func (e *rejectedError) Error() string {
	var b strings.Builder
	b.WriteString(e.rejection.Error())
	if e.limit >= 0 {
		b.WriteString(" for longer than MaxRejectionWait ")
		b.WriteString(e.limit.String())
	}
	if e.cause != nil {
		b.WriteString(", and ")
		b.WriteString(e.cause.Error())
	}
	return b.String()
}

// Unwrap returns the rejection, then the cause if any.
func (e *rejectedError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.rejection}
	}
	return []error{e.rejection, e.cause}
}
