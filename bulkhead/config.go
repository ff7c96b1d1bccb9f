package bulkhead

import (
	"context"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/go-resilience/resilience"
)

// Config configures a Bulkhead. MaxConcurrent is required; every other
// field's zero value means a default. It does not depend on the result
// type, so one Config serves every New[R].
type Config struct {
	// Name names the bulkhead in events and errors; "" leaves it unnamed.
	Name string

	// MaxConcurrent is the number of permits: the most calls in flight at
	// once. Required, > 0.
	MaxConcurrent int

	// MaxWait is how long a call may queue for a permit when all are
	// taken. 0 means do not queue: reject at once when full.
	MaxWait time.Duration

	// OnRejected, if set, is called with the error (matching ErrFull) of
	// each call the bulkhead turns away. It is not called when a wait ends
	// because ctx is done. nil means no hook.
	OnRejected func(ctx context.Context, err error)

	// OnAcquired, if set, is called when a call that had to queue gets its
	// permit, with the time it waited. Calls that find a permit free do not
	// call it. If it (or the Observer) panics, the permit goes back before
	// the panic reaches the caller. nil means no hook.
	OnAcquired func(ctx context.Context, waited time.Duration)

	// Observer receives the bulkhead's events: resilience.EventRejected for
	// each rejection and resilience.EventAcquired (with the time waited) for
	// each permit granted after queueing. nil means the process-wide
	// observer set by resilience.SetObserver.
	Observer resilience.Observer

	// Clock times MaxWait. nil means the real clock.
	Clock clock.Clock
}

// Validate reports the first invalid field of c as a
// *resilience.ConfigError wrapping resilience.ErrInvalidConfig, or nil.
func (c Config) Validate() error {
	switch {
	case c.MaxConcurrent <= 0:
		return configError("MaxConcurrent", c.MaxConcurrent, "must be > 0")
	case c.MaxWait < 0:
		return configError("MaxWait", c.MaxWait, "must be >= 0 (0 = reject at once when full)")
	}
	return nil
}

func configError(field string, value any, rule string) error {
	return &resilience.ConfigError{Policy: "bulkhead", Field: field, Value: value, Rule: rule}
}
