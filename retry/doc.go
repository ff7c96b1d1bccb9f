// Package retry repeats failed executions, waiting a backoff delay between
// attempts.
//
// A [Policy] runs next, and while the outcome is a failure (by default, a
// non-nil error) it waits and runs next again, up to MaxAttempts attempts in
// all (default 3). The delay comes from Config.DelayFunc when it chooses
// one (say, a server's Retry-After), and otherwise from Config.Backoff:
// [Constant], [Linear] or [Exponential] (the default is
// Exponential{Jitter: FullJitter}: 100ms doubling up to 10s, each delay
// drawn from [0, d]). The [Jitter] modes follow the AWS "Exponential
// Backoff And Jitter" article, and no delay is ever negative or above the
// backoff's Max.
//
// A Policy never waits for nothing: when the next delay would end after
// Config.MaxDuration or at ctx's deadline, or is above Config.MaxDelay, it
// gives up at once. It gives up as well when a shared retry Budget refuses
// a retry, and when the next attempt would be rejected by a policy inside
// it for longer than it waits: a circuit breaker that the failure opened
// says so (resilience.Rejection), and an attempt the breaker rejected
// without running is not counted as an outcome (Config.MaxRejectionWait).
// Giving up returns the last result with an *[ExhaustedError], which wraps
// [ErrExhausted] and the last error, so errors.Is finds both. Every stop
// after a failed attempt emits one resilience.EventExhausted whose Reason
// says why. A resilience.Permanent error,
// Config.AbortIf, or a done ctx end the loop with the outcome as it is, and
// a ctx that ends during a delay ends the wait at once, with an error
// that matches both the cancellation and the last attempt's error.
//
// Most callers want New with a zero or small Config, composed with other
// policies:
//
//	rt := retry.New(retry.Config[*User]{MaxAttempts: 4})
//	exec := resilience.Compose[*User](rt, attemptTimeout)
//
// Put a timeout policy inside the retry to bound each attempt, outside it
// to bound the whole, delays included.
//
// Results the policy drops for a retry are handed to resilience.Discard
// before the delay starts, so that an *http.Response's body is closed
// before the next attempt. A first attempt that succeeds costs no
// allocation.
//
// A Policy is immutable and safe for concurrent use by multiple
// goroutines; so are the backoffs.
package retry
