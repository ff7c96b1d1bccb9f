package testkit

import (
	"time"

	"github.com/go-resilience/resilience"
)

// Refusal is the error of a call some policy refused without running it,
// admitting calls again after Wait: what resilience.Rejection reads, with
// no policy behind it.
type Refusal struct{ Wait time.Duration }

func (r Refusal) Error() string             { return "refused" }
func (r Refusal) Is(target error) bool      { return target == resilience.ErrRejected }
func (r Refusal) RetryAfter() time.Duration { return r.Wait }

// LeftRefusing is the error of a call that ran and failed with Err, after
// which the policy refuses calls with Next (as a breaker that the
// failure opened does).
type LeftRefusing struct{ Err, Next error }

func (e LeftRefusing) Error() string    { return e.Err.Error() }
func (e LeftRefusing) Unwrap() error    { return e.Err }
func (e LeftRefusing) Rejection() error { return e.Next }
