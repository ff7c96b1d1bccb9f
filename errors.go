package resilience

import (
	"context"
	"errors"
	"fmt"
	"time"
)

var (
	// ErrInvalidConfig is wrapped by every configuration error of every
	// policy: errors.Is(err, ErrInvalidConfig) tells bad config from a failed
	// call.
	ErrInvalidConfig = errors.New("resilience: invalid config")

	// ErrInvalidArgument is wrapped by the errors returned for a nil fn, a
	// nil ctx or a nil policy.
	ErrInvalidArgument = errors.New("resilience: invalid argument")
)

var (
	errNilContext = fmt.Errorf("%w: nil context", ErrInvalidArgument)
	errNilFunc    = fmt.Errorf("%w: nil func", ErrInvalidArgument)

	errNilPolicyFunc = fmt.Errorf("%w: nil PolicyFunc", ErrInvalidArgument)
)

// ConfigError is the error Validate methods return. It names the policy,
// the field, the value and the rule the value breaks, and wraps
// ErrInvalidConfig.
type ConfigError struct {
	Policy string // package that owns the config, e.g. "retry"
	Field  string // e.g. "MaxAttempts"
	Value  any    // the offending value
	Rule   string // e.g. "must be -1 (unlimited) or >= 0"
}

// Error reads like "retry: MaxAttempts = -2: must be -1 (unlimited) or >= 0".
func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s: %s = %v: %s", e.Policy, e.Field, e.Value, e.Rule)
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// CheckArgs returns an error wrapping ErrInvalidArgument when ctx or fn is
// nil, and nil otherwise. Policies call it first in Execute so that bad
// arguments give an error rather than a nil dereference; custom policies
// may do the same.
func CheckArgs[R any](ctx context.Context, fn Func[R]) error {
	if ctx == nil {
		return errNilContext
	}
	if fn == nil {
		return errNilFunc
	}
	return nil
}

// permanentError marks an error that no policy may retry or hedge.
type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }

// Permanent marks err so that no policy retries or hedges it; errors.Is/As
// still reach err through the mark. Permanent(nil) is nil. A permanent error
// is still a failure to breakers and fallbacks.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	if p, ok := err.(*permanentError); ok {
		return p
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or any error it wraps, was marked by
// Permanent.
func IsPermanent(err error) bool {
	// Walks the tree itself rather than with errors.As, whose target
	// pointer escapes: retries ask this of every failure.
	for err != nil {
		switch e := err.(type) {
		case *permanentError:
			return true
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				if IsPermanent(inner) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}

// CallerEnded reports whether ctx was cancelled by its caller rather than
// by a deadline: ctx.Err() is context.Canceled and its cause is not a
// deadline (a timeout policy's deadline included). Policies use it to tell
// an outcome nobody wants any more (not a failure, not a success) from a
// slow or broken call.
func CallerEnded(ctx context.Context) bool {
	if ctx.Err() != context.Canceled {
		return false
	}
	return !errors.Is(context.Cause(ctx), context.DeadlineExceeded)
}

// ErrRejected is matched, with errors.Is, by the error of a call that a
// policy refused without running it: an open circuit breaker's
// (circuitbreaker.ErrOpen). A policy outside it, a retry, can so tell a
// refusal, which says nothing new about the dependency, from a failure,
// without importing the policy that refused. A refusal that knows when
// calls will be admitted again says so with a RetryAfter() time.Duration
// method (see [Rejection]).
var ErrRejected = errors.New("resilience: rejected")

// Rejection returns the refusal that a call made right after one that
// ended with err would meet, and how long from now until the refusing
// policy admits calls again (0 when it does not say):
//
//   - err itself, when it matches [ErrRejected]: the call was refused;
//   - the error returned by the Rejection() error method of an error in
//     err's tree, when the call ran but left a policy refusing calls (a
//     circuit breaker that its failure opened: circuitbreaker.OpenedError).
//
// It returns nil and 0 for any other err. A retry calls it after each
// failed attempt, to learn before it waits that its next attempt would be
// refused, and for how long.
func Rejection(err error) (rejection error, retryAfter time.Duration) {
	if err == nil {
		return nil, 0
	}
	if !errors.Is(err, ErrRejected) {
		carrier, ok := find[interface{ Rejection() error }](err)
		if !ok {
			return nil, 0
		}
		if err = carrier.Rejection(); err == nil {
			return nil, 0
		}
	}
	if hint, ok := find[interface{ RetryAfter() time.Duration }](err); ok {
		retryAfter = max(hint.RetryAfter(), 0)
	}
	return err, retryAfter
}

// find returns the first error in err's tree, depth first as errors.As
// goes, that implements T. It walks the tree itself, as IsPermanent does,
// because errors.As's target escapes: a retry asks this of every failure.
func find[T any](err error) (T, bool) {
	for err != nil {
		if t, ok := err.(T); ok {
			return t, true
		}
		switch e := err.(type) {
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				if t, ok := find[T](inner); ok {
					return t, true
				}
			}
			var zero T
			return zero, false
		default:
			var zero T
			return zero, false
		}
	}
	var zero T
	return zero, false
}
