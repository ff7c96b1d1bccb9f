package budget

import (
	"errors"
	"time"
)

// ErrExceeded is matched by the error AllowRetry returns when the budget
// has no room: errors.Is(err, ErrExceeded). The error itself is an
// *ExceededError.
var ErrExceeded = errors.New("budget: exceeded")

// ExceededError is the error AllowRetry returns on refusal. Each Budget
// returns the same *ExceededError every time, so that a refusal allocates
// nothing; its RetryAfter therefore reads the budget's window when it is
// called, not when the refusal happened.
type ExceededError struct {
	b *Budget
}

// Error reads "budget: exceeded", or "budget: NAME: exceeded" for a named
// budget.
func (e *ExceededError) Error() string {
	if e.b == nil {
		return ErrExceeded.Error()
	}
	return e.b.exceedMsg
}

// Unwrap returns ErrExceeded.
func (e *ExceededError) Unwrap() error { return ErrExceeded }

// RetryAfter estimates how long from now until the window has room for
// one extra attempt as its oldest buckets age out, assuming no new
// requests (each of which adds room too). It returns 0 when the window
// has room now, or when aging alone never makes room because the budget
// has no floor. After a clock was set back, it counts the time the clock
// must make up, up to the longest Duration.
func (e *ExceededError) RetryAfter() time.Duration {
	b := e.b
	if b == nil {
		return 0
	}
	now := b.clock.Elapsed()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(now)
	return b.retryAfter(now)
}
