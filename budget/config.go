package budget

import (
	"math"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/go-resilience/resilience"
)

// Config configures a Budget. The zero Config is valid: 20% of the
// requests of the last 10 seconds, and at least 10 extra attempts a
// second whatever the traffic.
type Config struct {
	// Name names the budget in events and errors; "" leaves it unnamed.
	Name string

	// Percent is the share of recent requests that may be repeated, as a
	// fraction: 0.2 lets 20 retries or hedges in for every 100 requests in
	// the Window. It must be in (0, 1]: more extra attempts than requests
	// would be no budget at all, and the bound catches Percent: 20 written
	// for 20%. It is counted in billionths (rounded to the nearest), so a
	// Percent below 1e-9, which would count as none, is rejected too. 0
	// means 0.2.
	Percent float64

	// MinPerSecond is the floor: extra attempts allowed per second of
	// Window whatever the traffic, so that a caller with few requests can
	// still retry. Over the whole Window the floor is
	// MinPerSecond × Window in seconds, rounded down; the budget allows the
	// larger of the floor and Percent × requests. 0 means 10; -1 means no
	// floor (only Percent counts).
	MinPerSecond float64

	// Window is how long a request or an extra attempt counts. It is kept
	// in ten buckets, so memory does not grow with the call rate and each
	// event ages out between 0.9 × Window and Window after it happened.
	// 0 means 10s; otherwise it must be at least 10ms.
	Window time.Duration

	// Observer receives resilience.EventRejected for each refusal. nil
	// means the process-wide observer set by resilience.SetObserver.
	Observer resilience.Observer

	// Clock ages the window. nil means the real clock.
	Clock clock.Clock
}

// Defaults and limits of Config.
const (
	DefaultPercent      = 0.2
	DefaultMinPerSecond = 10
	DefaultWindow       = 10 * time.Second

	// NoFloor, as Config.MinPerSecond, turns the floor off.
	NoFloor = -1

	buckets    = 10
	minWindow  = buckets * time.Millisecond
	minPercent = 1.0 / scale
)

// Validate returns nil if c is valid, and otherwise a
// *resilience.ConfigError (wrapping resilience.ErrInvalidConfig) naming
// the first invalid field, its value and the rule it breaks.
func (c Config) Validate() error {
	switch {
	case math.IsNaN(c.Percent) || c.Percent < 0 || c.Percent > 1:
		return configError("Percent", c.Percent, "must be in (0, 1], a fraction (0.2 = 20%), or 0 (0.2)")
	case c.Percent > 0 && c.Percent < minPercent:
		return configError("Percent", c.Percent, "must be at least 1e-9 (Percent is counted in billionths)")
	case math.IsNaN(c.MinPerSecond) || math.IsInf(c.MinPerSecond, 0) ||
		c.MinPerSecond < 0 && c.MinPerSecond != NoFloor:
		return configError("MinPerSecond", c.MinPerSecond, "must be >= 0 (0 = 10) or -1 (no floor)")
	case c.Window < 0 || c.Window > 0 && c.Window < minWindow:
		return configError("Window", c.Window, "must be 0 (10s) or >= 10ms")
	}
	return nil
}

func configError(field string, value any, rule string) error {
	return &resilience.ConfigError{Policy: "budget", Field: field, Value: value, Rule: rule}
}
