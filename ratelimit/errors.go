package ratelimit

import (
	"errors"
	"fmt"
	"time"
)

// ErrExceeded is matched (errors.Is) by the error of every call a limiter
// rejects.
var ErrExceeded = errors.New("ratelimit: exceeded")

// ExceededError is the error a Limiter returns when it rejects a call. It
// wraps ErrExceeded. Callers usually test errors.Is(err,
// ratelimit.ErrExceeded); errors.As gives the details.
type ExceededError struct {
	Name  string        // the limiter's Config.Name
	Delay time.Duration // from the rejection until the limiter has a token again
}

// Error reads like "ratelimit: exceeded (api: next permit in 250ms)".
func (e *ExceededError) Error() string {
	name := ""
	if e.Name != "" {
		name = e.Name + ": "
	}
	return fmt.Sprintf("%s (%snext permit in %v)", ErrExceeded, name, e.Delay)
}

// Unwrap returns ErrExceeded.
func (e *ExceededError) Unwrap() error { return ErrExceeded }

// RetryAfter returns e.Delay: how long after the rejection the limiter
// will have a token again, had nobody else taken it first. A server
// answers 429 with a Retry-After header of this value.
func (e *ExceededError) RetryAfter() time.Duration { return e.Delay }
