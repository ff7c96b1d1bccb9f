package resilience

import (
	"errors"
	"time"
)

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
//
//lint:ignore ST1008 the refusal is Rejection's answer, not its failure; retryAfter qualifies it
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
