package ratelimit

import (
	"context"
	"math"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/go-resilience/resilience"
)

// Config configures a Limiter. Rate is required; every other field's zero
// value means a default. It does not depend on the result type, so one
// Config serves every New[R].
type Config struct {
	// Name names the limiter in events and errors; "" leaves it unnamed.
	Name string

	// Rate is the number of permits per Period. Required, > 0. One token
	// comes back every Period/Rate, rounded up to the nanosecond so that
	// the rate is never exceeded.
	Rate int

	// Period is the time over which Rate permits are granted. 0 means one
	// second. Period/Rate must be at least a nanosecond and at most 100
	// years, so that token times stay within a time.Duration.
	Period time.Duration

	// Burst is the bucket's capacity: how many calls may start at once
	// after an idle spell. 0 means 1, a smooth limiter whose calls are
	// spaced Period/Rate apart.
	Burst int

	// MaxWait is how long a call may wait for a token. 0 means do not
	// wait: reject at once when the bucket is empty.
	MaxWait time.Duration

	// OnRejected, if set, is called with the error (an *ExceededError) of
	// each call the limiter turns away. It is not called when a wait ends
	// because ctx is done. nil means no hook.
	OnRejected func(ctx context.Context, err error)

	// Observer receives the limiter's events: resilience.EventRejected for
	// each rejection and resilience.EventAcquired (with the time waited) for
	// each call admitted after waiting. If it panics on the latter, the
	// token goes back as for a cancelled wait. nil means the process-wide
	// observer set by resilience.SetObserver.
	Observer resilience.Observer

	// Clock tells the time tokens are computed from and times the waits.
	// nil means the real clock. It is also the clock a ctx deadline is
	// compared with: under a mock clock, give ctx its deadline from that
	// clock (clock.Mock.WithTimeout).
	Clock clock.Clock
}

// Validate reports the first invalid field of c as a
// *resilience.ConfigError wrapping resilience.ErrInvalidConfig, or nil.
func (c Config) Validate() error {
	switch {
	case c.Rate <= 0:
		return configError("Rate", c.Rate, "must be > 0")
	case c.Period < 0:
		return configError("Period", c.Period, "must be >= 0 (0 = 1s)")
	case int64(c.Rate) > int64(c.period()):
		return configError("Rate", c.Rate, "must be at most one permit per nanosecond of Period ("+c.period().String()+")")
	case c.interval() > maxInterval:
		return configError("Period", c.Period, "Period/Rate must be at most 100 years ("+maxInterval.String()+")")
	case c.Burst < 0:
		return configError("Burst", c.Burst, "must be >= 0 (0 = 1, smooth)")
	case int64(c.burst()) > math.MaxInt64/int64(c.interval()):
		return configError("Burst", c.Burst, "must keep Burst*Period/Rate within a time.Duration (about 292 years)")
	case c.MaxWait < 0:
		return configError("MaxWait", c.MaxWait, "must be >= 0 (0 = reject at once)")
	}
	return nil
}

// maxInterval is the longest Period/Rate a Config may have.
// Token times are offsets from New in a time.Duration, which ends about
// 292 years on; the bound keeps a token's due time within it for more
// than a century of uptime.
const maxInterval = 100 * 365 * 24 * time.Hour

func configError(field string, value any, rule string) error {
	return &resilience.ConfigError{Policy: "ratelimit", Field: field, Value: value, Rule: rule}
}

func (c Config) period() time.Duration {
	if c.Period == 0 {
		return time.Second
	}
	return c.Period
}

func (c Config) burst() int {
	return max(c.Burst, 1)
}

// interval is the time one token takes to come back: Period/Rate rounded
// up, so that rounding never lets more than Rate permits through a Period.
func (c Config) interval() time.Duration {
	p, r := int64(c.period()), int64(c.Rate)
	// (p-1)/r + 1, not (p+r-1)/r: that sum overflows near MaxInt64.
	// Validate calls this only with 1 <= r <= p.
	return time.Duration((p-1)/r + 1)
}
