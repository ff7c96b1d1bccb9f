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
	switch refused, carrier := scan(err); {
	case refused:
		rejection = err
	case carrier != nil:
		if rejection = carrier.Rejection(); rejection == nil {
			return nil, 0
		}
	default:
		return nil, 0
	}
	if hint, ok := find[interface{ RetryAfter() time.Duration }](rejection); ok {
		retryAfter = max(hint.RetryAfter(), 0)
	}
	return rejection, retryAfter
}

// scan walks err's tree once, depth first as errors.Is and errors.As go,
// and reports whether an error in it matches ErrRejected (as errors.Is
// would find) and, if none does, the first error with a Rejection method.
// One walk, not one for each question: a retry asks both of every failure.
func scan(err error) (refused bool, carrier interface{ Rejection() error }) {
	for err != nil {
		if err == ErrRejected {
			return true, nil
		}
		if x, ok := err.(interface{ Is(error) bool }); ok && x.Is(ErrRejected) {
			return true, nil
		}
		if c, ok := err.(interface{ Rejection() error }); ok && carrier == nil {
			carrier = c
		}
		switch e := err.(type) {
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				r, c := scan(inner)
				if r {
					return true, nil
				}
				if carrier == nil {
					carrier = c
				}
			}
			return false, carrier
		default:
			return false, carrier
		}
	}
	return false, carrier
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
