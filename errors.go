package resilience

import (
	"context"
	"errors"
	"fmt"
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
// arguments give an error rather than a nil dereference; an executor
// checks its own once, for all its policies.
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
