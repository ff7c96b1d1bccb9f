package circuitbreaker

import (
	"strconv"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience"
)

// Config configures a [Breaker]. The zero Config is valid: a count window of
// the last 100 calls that opens at a failure rate of 50% once 20 calls are
// in it, stays open 30s, then lets one trial call through.
type Config[R any] struct {
	// Name names the breaker in events and errors; "" = unnamed.
	Name string

	// WindowSize is the count window: the rates are taken over the last
	// WindowSize outcomes. 0 = 100; at most 100000. Must be 0 when
	// WindowPeriod is set.
	WindowSize int
	// WindowPeriod > 0 selects a time window instead: the rates are taken
	// over the outcomes of the last WindowPeriod, kept in 10 buckets of
	// WindowPeriod/10 each, so outcomes age out a bucket at a time and
	// memory does not grow with the call rate. An outcome timed before the
	// newest bucket (a mock clock or a wall clock set back) counts in the
	// newest bucket. 0 = count window; otherwise at least 10ms.
	WindowPeriod time.Duration
	// MinCalls is how many outcomes the window must hold before its rates
	// can open the breaker. 0 = min(WindowSize, 20) for a count window, 20
	// for a time window. At most WindowSize for a count window.
	MinCalls int

	// FailureRate opens the breaker when failures/calls in the window reach
	// it (>=, compared exactly: 7 of 10 reach 0.7). 0 = 0.5; RateOff turns
	// the failure-rate rule off, so that ConsecutiveFailures (or the
	// slow-call rule) alone opens the breaker, and needs one of them;
	// otherwise in (0, 1].
	FailureRate float64
	// ConsecutiveFailures > 0 also opens the breaker after that many
	// failures in a row, however few calls the window holds; with
	// FailureRate: RateOff, it is the only rule on failures. 0 = off.
	ConsecutiveFailures int

	// SlowCallDuration > 0 counts a call that takes at least this long as
	// slow (whether it failed or not), and turns on the slow-call rule: the
	// breaker opens when slow/calls reaches SlowCallRate, and a slow trial
	// in half-open counts as failed. 0 = off.
	SlowCallDuration time.Duration
	// SlowCallRate is the slow-call rule's threshold. 0 = 1 (open when every
	// call in the window is slow); otherwise in (0, 1], and only with
	// SlowCallDuration set.
	SlowCallRate float64

	// OpenDelay is how long the breaker stays open before it lets trial
	// calls through. 0 = 30s. Must be 0 when OpenBackoff is set.
	OpenDelay time.Duration
	// OpenBackoff, when set, gives the delay of each opening instead of
	// OpenDelay, so that it can grow while the dependency stays broken: the
	// n-th opening since the breaker was last closed lasts
	// OpenBackoff.Delay(n, prev), where prev is the previous opening's delay
	// (0 for n = 1); a negative result counts as 0. retry.Exponential
	// satisfies it. If Delay panics, that opening lasts DefaultOpenDelay
	// and the panic goes on. nil = every opening lasts OpenDelay.
	OpenBackoff Backoff
	// OpenDelayFunc, when set, is asked for the delay of an opening by the
	// outcome that caused it (e.g. the Retry-After of a 503); a result > 0
	// is used instead of OpenDelay or OpenBackoff, <= 0 leaves them in
	// charge. It is not asked when a panic opened the breaker; if it
	// panics, the breaker opens as if it had returned 0 and the panic goes
	// on. nil = off.
	OpenDelayFunc func(r R, err error) time.Duration

	// HalfOpenCalls is how many trial calls the breaker admits in each
	// half-open period; it closes when all of them have succeeded. 0 = 1.
	HalfOpenCalls int
	// HalfOpenMaxWait bounds a half-open period: once it has lasted this
	// long, the next call (or State, or Metrics) opens the breaker again
	// instead of waiting on trials that have not returned (a call hung
	// without a timeout). The reopening counts as a failed trial would:
	// OpenBackoff grows. Outcomes of the stale trials are then ignored.
	// 0 = no limit: a half-open period lasts until its trials settle.
	HalfOpenMaxWait time.Duration

	// FailureIf classifies an outcome. nil = the FailureIf of the stack the
	// breaker is composed in (resilience.ComposeWith; see WithStackFailureIf
	// for a breaker shared by stacks), and err != nil without one. A panic
	// is always a failure, and so is an outcome FailureIf panics on (the
	// panic goes on).
	FailureIf func(r R, err error) bool
	// IgnoreIf picks the outcomes that count neither way, as one that failed
	// after its caller cancelled ctx does: the window does not record it,
	// a run of consecutive failures goes on through it, and a half-open
	// trial gives its permit back. It is asked about every outcome, before
	// FailureIf, which is not asked about an ignored one. An outcome
	// IgnoreIf panics on is a failure (the panic goes on). nil = none
	// ignored.
	IgnoreIf func(r R, err error) bool
	// OnStateChange is called after every change of state, in the order of
	// the changes, outside the breaker's lock (it may call the breaker's
	// methods). If it panics, the change stands, the observer still hears
	// of it, later changes are still announced, and then the panic goes on.
	// nil = none.
	OnStateChange func(from, to State)
	// Observer receives the breaker's events (state changes, rejections).
	// A panic in it goes on as one in OnStateChange does. nil = the
	// process-wide observer of resilience.SetObserver.
	Observer resilience.Observer
	// Clock is the time source. nil = clock.New() (real time).
	Clock clock.Clock
}

// Backoff gives the delay of a breaker's n-th opening in a row (n from 1),
// given the previous one (0 at first). It has the shape of retry.Backoff, so
// the retry package's backoffs serve here too.
type Backoff interface {
	Delay(attempt int, prev time.Duration) time.Duration
}

// Defaults and limits.
const (
	DefaultWindowSize    = 100
	DefaultMinCalls      = 20
	DefaultFailureRate   = 0.5
	DefaultOpenDelay     = 30 * time.Second
	DefaultHalfOpenCalls = 1

	// RateOff, as Config.FailureRate, turns the failure-rate rule off.
	RateOff = -1

	// MaxWindowSize bounds WindowSize.
	MaxWindowSize = 100_000
	// MinWindowPeriod is the shortest time window: ten buckets of 1ms.
	MinWindowPeriod = timeBuckets * time.Millisecond
)

// Validate reports the first invalid field of c as a
// *resilience.ConfigError, which wraps resilience.ErrInvalidConfig; nil if
// c is valid.
func (c Config[R]) Validate() error {
	bad := func(field string, value any, rule string) error {
		return &resilience.ConfigError{Policy: "circuitbreaker", Field: field, Value: value, Rule: rule}
	}
	switch {
	case c.WindowSize < 0 || c.WindowSize > MaxWindowSize:
		return bad("WindowSize", c.WindowSize, "must be 0 (default 100) or in [1, 100000]")
	case c.WindowPeriod < 0:
		return bad("WindowPeriod", c.WindowPeriod, "must be 0 (count window) or >= 10ms")
	case c.WindowPeriod > 0 && c.WindowPeriod < MinWindowPeriod:
		return bad("WindowPeriod", c.WindowPeriod, "must be 0 (count window) or >= 10ms (ten buckets of at least 1ms)")
	case c.WindowPeriod > 0 && c.WindowSize != 0:
		return bad("WindowSize", c.WindowSize, "must be 0 when WindowPeriod is set (time window)")
	case c.MinCalls < 0:
		return bad("MinCalls", c.MinCalls, "must be >= 0")
	case c.WindowPeriod == 0 && c.MinCalls > c.windowSize():
		return bad("MinCalls", c.MinCalls, "must be <= WindowSize ("+strconv.Itoa(c.windowSize())+")")
	case c.FailureRate == RateOff && c.ConsecutiveFailures <= 0 && c.SlowCallDuration <= 0:
		return bad("FailureRate", c.FailureRate, "must not be -1 (RateOff) unless ConsecutiveFailures or SlowCallDuration is set: nothing would open the breaker")
	case c.FailureRate != 0 && c.FailureRate != RateOff && !validRate(c.FailureRate):
		return bad("FailureRate", c.FailureRate, "must be 0 (default 0.5) or in (0, 1] with at most 19 decimal places")
	case c.ConsecutiveFailures < 0:
		return bad("ConsecutiveFailures", c.ConsecutiveFailures, "must be >= 0")
	case c.SlowCallDuration < 0:
		return bad("SlowCallDuration", c.SlowCallDuration, "must be >= 0")
	case c.SlowCallRate != 0 && !validRate(c.SlowCallRate):
		return bad("SlowCallRate", c.SlowCallRate, "must be 0 (default 1) or in (0, 1] with at most 19 decimal places")
	case c.SlowCallRate != 0 && c.SlowCallDuration == 0:
		return bad("SlowCallRate", c.SlowCallRate, "must be 0 when SlowCallDuration is 0 (the slow-call rule is off)")
	case c.OpenDelay < 0:
		return bad("OpenDelay", c.OpenDelay, "must be >= 0")
	case c.OpenDelay != 0 && c.OpenBackoff != nil:
		return bad("OpenDelay", c.OpenDelay, "must be 0 when OpenBackoff is set (the backoff gives every delay)")
	case c.HalfOpenCalls < 0:
		return bad("HalfOpenCalls", c.HalfOpenCalls, "must be >= 0")
	case c.HalfOpenMaxWait < 0:
		return bad("HalfOpenMaxWait", c.HalfOpenMaxWait, "must be >= 0 (0 = no limit)")
	}
	return nil
}

func validRate(f float64) bool {
	_, ok := newRatio(f)
	return ok
}

func (c Config[R]) windowSize() int {
	if c.WindowSize == 0 {
		return DefaultWindowSize
	}
	return c.WindowSize
}

func (c Config[R]) minCalls() int {
	switch {
	case c.MinCalls != 0:
		return c.MinCalls
	case c.WindowPeriod > 0:
		return DefaultMinCalls
	}
	return min(c.windowSize(), DefaultMinCalls)
}

func orFloat(f, def float64) float64 {
	if f == 0 {
		return def
	}
	return f
}

func orInt(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}
