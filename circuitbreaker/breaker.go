package circuitbreaker

import (
	"context"
	"time"

	"github.com/go-resilience/resilience/internal/monoclock"

	"github.com/go-resilience/resilience"
)

// Breaker is a circuit breaker: a [resilience.Policy] that stops calling a
// dependency that keeps failing, and tries it again after a delay.
//
// Most callers want Execute, directly or through resilience.Compose;
// integrations that cannot wrap a function use Allow and the [Permit] it
// returns. One breaker's state can guard calls with other result types
// through [Share].
//
// A Breaker is safe for concurrent use by multiple goroutines.
type Breaker[R any] struct {
	c             *core
	failureIf     func(r R, err error) bool // nil = err != nil
	ignoreIf      func(r R, err error) bool // nil = none ignored
	openDelayFunc func(r R, err error) time.Duration
}

var _ resilience.Policy[int] = (*Breaker[int])(nil)

// New returns a closed breaker configured by cfg. It panics with the error
// of cfg.Validate if cfg is invalid.
func New[R any](cfg Config[R]) *Breaker[R] {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	failureRate, failureRule := newRatio(orFloat(cfg.FailureRate, DefaultFailureRate)) // RateOff: not a ratio
	slowRate, _ := newRatio(orFloat(cfg.SlowCallRate, 1))
	c := &core{
		name:          cfg.Name,
		observer:      cfg.Observer,
		clock:         monoclock.New(cfg.Clock),
		windowSize:    cfg.windowSize(),
		bucketWidth:   int64(cfg.WindowPeriod / timeBuckets),
		minCalls:      int64(cfg.minCalls()),
		failureRate:   failureRate,
		failureRule:   failureRule,
		slowRate:      slowRate,
		slowCall:      int64(cfg.SlowCallDuration),
		consecutive:   int64(cfg.ConsecutiveFailures),
		openDelay:     cfg.OpenDelay,
		openBackoff:   cfg.OpenBackoff,
		halfOpenCalls: orInt(cfg.HalfOpenCalls, DefaultHalfOpenCalls),
		halfOpenWait:  int64(cfg.HalfOpenMaxWait),
		onStateChange: cfg.OnStateChange,
	}
	if c.openDelay == 0 {
		c.openDelay = DefaultOpenDelay
	}
	c.timed = c.bucketWidth > 0 || c.slowCall > 0
	c.win.Store(c.newWindow(c.word.Load(), 0))
	return &Breaker[R]{c: c, failureIf: cfg.FailureIf, ignoreIf: cfg.IgnoreIf, openDelayFunc: cfg.OpenDelayFunc}
}

// Share returns a view of b for calls whose results have type R2: the same
// breaker (one state, one window, one set of callbacks and events) with its
// own failureIf (nil = err != nil). The view has no IgnoreIf and no
// OpenDelayFunc: it ignores no outcome, and openings its outcomes cause
// last OpenDelay, or what OpenBackoff says. A database breaker, say, can
// guard queries returning different types:
//
//	users := circuitbreaker.New(circuitbreaker.Config[[]User]{Name: "db"})
//	orders := circuitbreaker.Share[[]Order](users, nil)
func Share[R2, R any](b *Breaker[R], failureIf func(r R2, err error) bool) *Breaker[R2] {
	return &Breaker[R2]{c: b.c, failureIf: failureIf}
}

// Execute calls next unless the breaker rejects the call, and records the
// outcome. A rejection returns an [*OpenError] (errors.Is(err, ErrOpen))
// without calling next. The outcome is returned unchanged, except that a
// call failing with an error after which the breaker rejects calls gets
// that error as an [*OpenedError]. A call that
// fails after its caller cancelled ctx counts neither way (a success
// counts, whatever became of ctx), nor does one IgnoreIf picks; a panic in
// next counts as a failure and propagates. If a callback panics after next
// returned, the result goes to resilience.Discard.
func (b *Breaker[R]) Execute(ctx context.Context, next resilience.Func[R]) (R, error) {
	if err := resilience.CheckArgs(ctx, next); err != nil {
		var zero R
		return zero, err
	}
	return b.ExecuteChain(ctx, nil, next)
}

// ExecuteChain is Execute with next running rest.Call(ctx, fn): the form
// this module's executor calls, which spares it a Func per call and has
// checked ctx and fn already (see resilience.Chained).
func (b *Breaker[R]) ExecuteChain(ctx context.Context, rest *resilience.Chain[R], fn resilience.Func[R]) (R, error) {
	var zero R
	word, start, err := b.c.admit(ctx)
	if err != nil {
		return zero, err
	}
	var r R
	step := calling
	defer func() {
		switch step {
		case calling: // next panicked
			b.panicked(ctx, word)
		case recording:
			// A callback panicked after next returned; done has left the
			// breaker consistent. The caller never gets r: dispose of it.
			resilience.Discard(ctx, r)
		}
	}()
	r, err = rest.Call(ctx, fn)
	step = recording
	if err == nil && b.failureIf == nil && b.ignoreIf == nil && !b.c.timed && stateOf(word) != Disabled {
		// done's common case, a success needing no clock, without its
		// classification.
		if b.c.settle(ctx, word, codeRecorded, 0) {
			b.trip(ctx, word, r, err)
		}
	} else {
		b.done(ctx, word, start, r, err)
		if err != nil {
			err = b.c.opened(err) // rejection.go
		}
	}
	step = returned
	return r, err
}

// The steps of ExecuteChain, for what its deferred function must release
// when a panic goes through.
const (
	calling   = iota // next runs
	recording        // next returned; the outcome is being recorded
	returned         // nothing is left to release
)

// done records the outcome (r, err) of a call admitted in the period of
// word at start. Whatever callback panics, the outcome is recorded first
// (as a failure if FailureIf panicked) and the panic goes on.
func (b *Breaker[R]) done(ctx context.Context, word uint64, start int64, r R, err error) {
	if stateOf(word) == Disabled {
		return
	}
	code := codeRecorded
	switch failed, ignored := b.classify(ctx, word, r, err); {
	case ignored:
		b.c.cancel(word)
		return
	case failed:
		if resilience.CallerEnded(ctx) {
			// The caller gave up on the call: its failure says nothing of
			// the dependency. (A success still does.)
			b.c.cancel(word)
			return
		}
		code |= codeFailed
	}
	var now int64
	if b.c.timed {
		now = b.c.now()
		if b.c.slowCall > 0 && subSat(now, start) >= b.c.slowCall {
			code |= codeSlow
		}
	}
	if b.c.settle(ctx, word, code, now) {
		b.trip(ctx, word, r, err)
	}
}

// classify asks IgnoreIf and FailureIf about the outcome (r, err) of a call
// admitted in the period of word. If either panics, the call is recorded
// as failed, as a panic in the call is, and the panic goes on: the breaker
// must not keep a half-open trial's permit for an outcome it could not
// classify.
func (b *Breaker[R]) classify(ctx context.Context, word uint64, r R, err error) (failed, ignored bool) {
	if b.failureIf == nil && b.ignoreIf == nil {
		return err != nil, false
	}
	classified := false
	defer func() {
		if !classified {
			b.panicked(ctx, word)
		}
	}()
	switch {
	case b.ignoreIf != nil && b.ignoreIf(r, err):
		ignored = true
	case b.failureIf != nil:
		failed = b.failureIf(r, err)
	default:
		failed = err != nil
	}
	classified = true
	return failed, ignored
}

// trip opens the breaker after the outcome (r, err) of a call admitted in
// the period of word. If OpenDelayFunc panics, the breaker opens all the
// same, as after a panic in the call, and the panic goes on.
func (b *Breaker[R]) trip(ctx context.Context, word uint64, r R, err error) {
	if b.openDelayFunc == nil {
		b.c.trip(ctx, word, 0)
		return
	}
	asked := false
	defer func() {
		if !asked {
			b.c.trip(ctx, word, 0)
		}
	}()
	delay := b.openDelayFunc(r, err)
	asked = true
	b.c.trip(ctx, word, delay)
}

// panicked records a call that panicked as a failure.
func (b *Breaker[R]) panicked(ctx context.Context, word uint64) {
	if stateOf(word) == Disabled {
		return
	}
	var now int64
	if b.c.timed {
		now = b.c.now()
	}
	if b.c.settle(ctx, word, codeRecorded|codeFailed, now) {
		b.c.trip(ctx, word, 0)
	}
}

// State returns the breaker's state. An Open breaker whose delay has passed
// becomes HalfOpen when asked, so State never reports Open after the delay.
func (b *Breaker[R]) State() State { return b.c.state() }

// Name returns the breaker's Config.Name.
func (b *Breaker[R]) Name() string { return b.c.name }

// ForceOpen moves the breaker to ForcedOpen: it rejects every call until
// Reset, Disable or MetricsOnly moves it out.
func (b *Breaker[R]) ForceOpen() { b.c.force(ForcedOpen) }

// Reset closes the breaker, whatever its state, with an empty window and
// the OpenBackoff sequence restarted. Outcomes of calls admitted before
// Reset are ignored.
func (b *Breaker[R]) Reset() { b.c.force(Closed) }

// Disable moves the breaker to Disabled: it admits every call and records
// nothing, until Reset, ForceOpen or MetricsOnly moves it out.
func (b *Breaker[R]) Disable() { b.c.force(Disabled) }

// MetricsOnly moves the breaker to the MetricsOnly state: it admits every
// call and records its outcome in a new window, so that Metrics stays live,
// but never opens, until Reset, ForceOpen or Disable moves it out.
func (b *Breaker[R]) MetricsOnly() { b.c.force(MetricsOnly) }

// Breaker runs the rest of an executor's chain itself (see resilience.Chained).
var _ resilience.Chained[any] = (*Breaker[any])(nil)
