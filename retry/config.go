package retry

import (
	"time"

	"github.com/benbjohnson/clock"
	"github.com/go-resilience/resilience"
)

// Config configures a Policy. The zero Config is valid: 3 attempts in all,
// Exponential{Jitter: FullJitter} between them, and any non-nil error
// counts as a failure.
type Config[R any] struct {
	// Name names the policy in events; "" leaves it unnamed.
	Name string

	// MaxAttempts is the number of attempts in all, the first included:
	// 1 never retries. 0 means 3; -1 means no limit (bound the loop with
	// MaxDuration, a ctx deadline or AbortIf).
	MaxAttempts int

	// MaxDuration bounds the whole retry loop, measured with Clock from the
	// start of the first attempt: a retry whose delay would end after
	// MaxDuration is not waited for, and the policy returns the last
	// outcome wrapped in ErrExhausted. It does not cut an attempt short
	// (a timeout policy outside the retry does). 0 means no limit.
	MaxDuration time.Duration

	// MaxDelay, if > 0, is the longest delay the policy waits before a
	// retry: when the next delay (DelayFunc's, say a server's Retry-After,
	// or the Backoff's) is longer, the policy gives up at once, returning
	// the last outcome wrapped in ErrExhausted (Reason
	// resilience.ReasonDelayTooLong), rather than wait it. 0 means no limit
	// but MaxDuration and the ctx deadline.
	MaxDelay time.Duration

	// MaxRejectionWait is how long the policy waits for a policy inside it
	// that rejects calls without running them (an open circuit breaker) to
	// admit them again, when that is longer than the delay it would wait
	// anyway. After each failed attempt the policy asks
	// resilience.Rejection whether the next attempt would be rejected, and
	// until when (a breaker that the failure opened tells); if it would be
	// for longer than the delay chosen and than MaxRejectionWait, the
	// policy gives up at once, returning the failed attempt's outcome
	// wrapped in ErrExhausted (Reason resilience.ReasonRejected; the
	// rejection is reachable with errors.Is), rather than wait or retry
	// into the rejection. Otherwise it waits until the rejecting policy
	// admits calls again, within MaxDuration and the ctx deadline. 0 means
	// never wait longer than the chosen delay for a rejecting policy: an
	// open breaker ends the retries; -1 means no limit but MaxDuration and
	// the ctx deadline.
	MaxRejectionWait time.Duration

	// Backoff gives the delay before each retry. nil means
	// Exponential{Jitter: FullJitter}: 100ms growing twofold up to 10s,
	// each delay drawn from [0, d].
	Backoff Backoff

	// DelayFunc, if set, chooses the delay after a failed attempt from its
	// outcome (say, a Retry-After header; see httpx.RetryAfter). attempt
	// counts from 1. A negative result means "use Backoff". nil means
	// always use Backoff.
	DelayFunc func(attempt int, r R, err error) time.Duration

	// FailureIf reports whether an outcome is a failure to retry. nil means
	// the FailureIf of the stack the policy is composed in
	// (resilience.ComposeWith), and err != nil without one.
	FailureIf func(r R, err error) bool

	// AbortIf, called for each failure, reports whether to stop retrying
	// and return that outcome as it is. nil means never abort.
	AbortIf func(r R, err error) bool

	// OnRetry, if set, is called before the delay of each retry, with the
	// failed outcome, before the outcome is discarded. nil means no hook.
	OnRetry func(Event[R])

	// Budget, if set, caps retries across every execution that shares it:
	// each Execute records one request, and each retry must be allowed by
	// the budget. A refusal ends the loop like used-up attempts, with an
	// error wrapping ErrExhausted, the budget's error and the last error.
	// A retry the budget allowed stays spent if OnRetry or the observer
	// then panics and the retry never happens: a Budget cannot give a
	// retry back, and a panicking hook is a bug to fix rather than load
	// to budget for. nil means no budget.
	Budget resilience.Budget

	// Observer receives the policy's events (resilience.EventRetry before
	// each delay, resilience.EventExhausted with a Reason whenever it stops
	// after a failed attempt). nil means
	// the process-wide observer set by resilience.SetObserver.
	Observer resilience.Observer

	// Clock measures MaxDuration and times the delays. nil means the real
	// clock. It is also the clock the ctx deadline is compared with: under
	// a mock clock, give ctx its deadline from that clock
	// (clock.Mock.WithTimeout).
	Clock clock.Clock
}

// An Event describes a retry about to happen, as Config.OnRetry sees it.
type Event[R any] struct {
	Attempt int           // the attempt that failed, from 1
	Result  R             // its result
	Err     error         // its error, nil when the result was the failure
	Delay   time.Duration // the wait before attempt Attempt+1
	Elapsed time.Duration // the time since the first attempt started
}

// Validate returns nil if c is valid, and otherwise a
// *resilience.ConfigError (wrapping resilience.ErrInvalidConfig) that
// names the first invalid field, its value and the rule it breaks. It
// calls the Backoff's own Validate method when it has one.
func (c Config[R]) Validate() error {
	switch {
	case c.MaxAttempts < -1:
		return configError("MaxAttempts", c.MaxAttempts, "must be -1 (unlimited) or >= 0")
	case c.MaxDuration < 0:
		return configError("MaxDuration", c.MaxDuration, "must be >= 0 (0 = no limit)")
	case c.MaxDelay < 0:
		return configError("MaxDelay", c.MaxDelay, "must be >= 0 (0 = no limit)")
	case c.MaxRejectionWait < -1:
		return configError("MaxRejectionWait", c.MaxRejectionWait, "must be -1 (no limit) or >= 0")
	}
	if v, ok := c.Backoff.(interface{ Validate() error }); ok {
		return v.Validate()
	}
	return nil
}
