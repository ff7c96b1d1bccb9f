package retry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/go-resilience/resilience"
)

// A Policy retries failed executions. Build one with New; it is immutable
// and safe for concurrent use, so one Policy may serve every call site that
// wants the same retries.
type Policy[R any] struct {
	cfg         Config[R]
	maxAttempts int // -1: no limit
	backoff     Backoff
	clock       clock.Clock
}

// New returns a Policy for cfg. It panics with the error of cfg.Validate
// if cfg is invalid; call Validate first for configs read at run time.
func New[R any](cfg Config[R]) *Policy[R] {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	p := &Policy[R]{cfg: cfg, maxAttempts: cfg.MaxAttempts, backoff: cfg.Backoff, clock: cfg.Clock}
	if p.maxAttempts == 0 {
		p.maxAttempts = 3
	}
	if p.backoff == nil {
		p.backoff = Exponential{Jitter: FullJitter}
	}
	if p.clock == nil {
		p.clock = clock.New()
	}
	return p
}

// Execute calls next until an attempt succeeds or the policy gives up, and
// returns the last attempt's outcome. It stops:
//
//   - on success (FailureIf false), returning the outcome;
//   - when AbortIf is true, or the error is resilience.Permanent, or ctx is
//     done, returning the outcome as it is;
//   - when MaxAttempts are used up, the next delay is above MaxDelay or
//     would end after MaxDuration or at or after ctx's deadline, the
//     Budget refuses a retry, or the next attempt would be rejected (see
//     below) for longer than the policy waits: it returns the last result
//     with an *ExhaustedError, which wraps ErrExhausted and the last
//     error;
//   - when ctx is done during a delay: it returns the zero R (the last
//     result was discarded) and an error that matches context.Cause(ctx),
//     ctx.Err() and the last attempt's error with errors.Is.
//
// Every stop after a failed attempt emits one resilience.EventExhausted
// whose Reason says why.
//
// An attempt refused by a policy inside the retry without running (its
// error matches resilience.ErrRejected: an open circuit breaker) is not
// an outcome: when the policy gives up after one, the *ExhaustedError's
// Last is the last real attempt's error and its Reason the rejection. And
// after any failed attempt, resilience.Rejection tells whether the next
// attempt would be rejected, and for how long (a breaker that the failure
// opened says so): the delay is then at least that long, and if it is
// longer than the delay chosen and than MaxRejectionWait, the policy gives
// up at once, returning the failed attempt's outcome, rather than wait.
//
// Before each delay, the failed outcome goes to OnRetry, the observer, and
// then resilience.Discard. A nil ctx or next gives an error wrapping
// resilience.ErrInvalidArgument.
//
// A panic in next or in any of the Config's functions (FailureIf, AbortIf,
// DelayFunc, the Backoff, the Budget, OnRetry, the observer) propagates
// unchanged, and the attempt's result, produced but not returned, goes to
// resilience.Discard first. The policy holds no timer across a callback.
func (p *Policy[R]) Execute(ctx context.Context, next resilience.Func[R]) (R, error) {
	if err := resilience.CheckArgs(ctx, next); err != nil {
		var zero R
		return zero, err
	}
	return p.ExecuteChain(ctx, nil, next)
}

// ExecuteChain is Execute with next running rest.Call(ctx, fn): the form
// this module's executor calls, which spares it a Func per call and has
// checked ctx and fn already (see resilience.Chained).
func (p *Policy[R]) ExecuteChain(ctx context.Context, rest *resilience.Chain[R], fn resilience.Func[R]) (R, error) {
	if p.cfg.Budget != nil {
		p.cfg.Budget.RecordRequest()
	}
	// The loop's start time is read only when something will use it, so
	// that a first success reads no clock. If an observer appears during
	// the loop, the first failure stands in for the start.
	l := loop{timed: p.cfg.MaxDuration > 0 || p.cfg.OnRetry != nil || resilience.Observing(p.cfg.Observer)}
	if l.timed {
		l.start = p.clock.Now()
	}
	r, err := rest.Call(ctx, fn)
	if err == nil && p.cfg.FailureIf == nil {
		return r, nil // the common success: no callback ran, nothing to discard
	}
	return p.retry(ctx, rest, fn, l, r, err)
}

// retry judges the first attempt's outcome (r, err) and runs the attempts
// that follow, for ExecuteChain.
func (p *Policy[R]) retry(ctx context.Context, rest *resilience.Chain[R], fn resilience.Func[R], l loop, r R, err error) (R, error) {
	var zero R
	held := true // r is neither returned nor discarded yet
	// A panic in a callback (FailureIf, AbortIf, DelayFunc, the Backoff,
	// the Budget, OnRetry, the observer) leaves r produced but not
	// returned: it is discarded on the way out, as a retried one would be.
	defer func() {
		if held {
			resilience.Discard(ctx, r)
		}
	}()
	var prev time.Duration // the last delay waited
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			r, err = rest.Call(ctx, fn)
			held = true
		}
		if !p.failed(r, err) {
			held = false
			return r, err
		}
		if why := p.asIs(ctx, r, err); why != 0 {
			p.exhausted(ctx, &l, attempt, err, why)
			held = false
			return r, err
		}
		// One look at the error tree tells both whether this attempt was
		// refused and what the next one would meet.
		rejection, rejectedFor := resilience.Rejection(err)
		l.failed(err, rejection != nil && errors.Is(err, resilience.ErrRejected))
		if p.maxAttempts >= 0 && attempt >= p.maxAttempts {
			why := resilience.ReasonAttempts
			if l.refusal != nil {
				why = resilience.ReasonRejected
			}
			err = p.giveUp(ctx, &l, attempt, nil, why)
			held = false
			return r, err
		}
		delay := p.delay(attempt, r, err, prev)
		now := p.clock.Now()
		if !l.timed {
			l.start, l.timed = now, true
		}
		elapsed := max(now.Sub(l.start), 0)
		why, reason := p.tooLong(delay)
		if reason == nil {
			delay, why, reason = p.waitFor(ctx, rejection, rejectedFor, delay, now, elapsed)
		}
		if reason == nil && p.cfg.Budget != nil {
			if reason = p.cfg.Budget.AllowRetry(); reason != nil {
				why = resilience.ReasonBudget
			}
		}
		if reason != nil {
			err = p.giveUp(ctx, &l, attempt, reason, why)
			held = false
			return r, err
		}
		p.announce(ctx, Event[R]{Attempt: attempt, Result: r, Err: err, Delay: delay, Elapsed: elapsed})
		held = false
		resilience.Discard(ctx, r)
		if !p.wait(ctx, delay) {
			p.exhausted(ctx, &l, attempt, l.last, ctxReason(ctx))
			return zero, interrupted(ctx, attempt, l.last)
		}
		prev = delay
	}
}

// loop is the state of one Execute's loop that outlives an attempt.
type loop struct {
	start   time.Time // when the loop started, if timed
	timed   bool      // start is set
	ran     bool      // an attempt ran: not every one was refused
	last    error     // the last real attempt's error; until one ran, the last refusal
	refusal error     // the last attempt's error if it was refused after one ran; else nil
}

// failed records the error of a failed attempt: a refusal (an inner policy
// rejected the attempt without running it: refused) is not an outcome, so
// it does not replace the last real error.
func (l *loop) failed(err error, refused bool) {
	l.refusal = nil
	switch {
	case !refused:
		l.last, l.ran = err, true
	case l.ran:
		l.refusal = err
	default:
		l.last = err
	}
}

func (p *Policy[R]) failed(r R, err error) bool {
	if p.cfg.FailureIf == nil {
		return err != nil
	}
	return p.cfg.FailureIf(r, err)
}

// asIs returns why the failed outcome (r, err) is to be returned as it is,
// or 0 if the policy may retry it.
func (p *Policy[R]) asIs(ctx context.Context, r R, err error) resilience.Reason {
	switch {
	case p.cfg.AbortIf != nil && p.cfg.AbortIf(r, err):
		return resilience.ReasonAborted
	case resilience.IsPermanent(err):
		return resilience.ReasonPermanent
	case ctx.Err() != nil:
		return ctxReason(ctx)
	}
	return 0
}

// ctxReason says why ctx, which is done, ended.
func ctxReason(ctx context.Context) resilience.Reason {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return resilience.ReasonDeadline
	}
	return resilience.ReasonCanceled
}

// delay returns the wait after the failed attempt: DelayFunc's choice, or
// the Backoff's when there is no DelayFunc or it returned a negative delay.
func (p *Policy[R]) delay(attempt int, r R, err error, prev time.Duration) time.Duration {
	if p.cfg.DelayFunc != nil {
		if d := p.cfg.DelayFunc(attempt, r, err); d >= 0 {
			return d
		}
	}
	return max(p.backoff.Delay(attempt, prev), 0)
}

// tooLong returns why delay is above MaxDelay, or nil.
func (p *Policy[R]) tooLong(delay time.Duration) (resilience.Reason, error) {
	if p.cfg.MaxDelay > 0 && delay > p.cfg.MaxDelay {
		return resilience.ReasonDelayTooLong, fmt.Errorf("next delay %v is above MaxDelay %v", delay, p.cfg.MaxDelay)
	}
	return 0, nil
}

// waitFor returns the delay to wait after a failed attempt whose next
// attempt would meet rejection for wait (resilience.Rejection; nil: none),
// given the delay chosen, at now: longer if the next attempt would be
// rejected for longer. It returns why not to wait instead when the time
// left cannot hold the wait (noTimeFor), or when the wait for a rejecting
// policy is longer than MaxRejectionWait.
func (p *Policy[R]) waitFor(ctx context.Context, rejection error, wait, delay time.Duration, now time.Time, elapsed time.Duration) (time.Duration, resilience.Reason, error) {
	if rejection == nil || wait <= delay {
		why, reason := p.noTimeFor(ctx, delay, now, elapsed)
		return delay, why, reason
	}
	if p.cfg.MaxRejectionWait >= 0 && wait > p.cfg.MaxRejectionWait {
		return delay, resilience.ReasonRejected, &rejectedError{rejection: rejection, limit: p.cfg.MaxRejectionWait}
	}
	if _, reason := p.noTimeFor(ctx, wait, now, elapsed); reason != nil {
		return delay, resilience.ReasonRejected, &rejectedError{rejection: rejection, limit: -1, cause: reason}
	}
	return wait, 0, nil
}

// noTimeFor returns why a delay starting at now must not be waited, or nil
// if it may. A delay ending exactly at MaxDuration still leaves the attempt
// its start; one ending at the ctx deadline does not, since ctx is done
// then.
func (p *Policy[R]) noTimeFor(ctx context.Context, delay time.Duration, now time.Time, elapsed time.Duration) (resilience.Reason, error) {
	// Compare by subtraction: elapsed+delay could overflow.
	if p.cfg.MaxDuration > 0 && delay > p.cfg.MaxDuration-elapsed {
		return resilience.ReasonMaxDuration, fmt.Errorf("next delay %v would pass MaxDuration %v (%v elapsed)", delay, p.cfg.MaxDuration, elapsed)
	}
	if deadline, ok := ctx.Deadline(); ok {
		if left := deadline.Sub(now); delay >= left {
			return resilience.ReasonDeadline, fmt.Errorf("next delay %v would reach the context deadline (%v left)", delay, left)
		}
	}
	return 0, nil
}

// announce passes e to OnRetry and the observer.
func (p *Policy[R]) announce(ctx context.Context, e Event[R]) {
	if p.cfg.OnRetry != nil {
		p.cfg.OnRetry(e)
	}
	if resilience.Observing(p.cfg.Observer) {
		resilience.Emit(ctx, p.cfg.Observer, resilience.Event{
			Policy:   "retry",
			Name:     p.cfg.Name,
			Kind:     resilience.EventRetry,
			Attempt:  e.Attempt,
			Err:      e.Err,
			Delay:    e.Delay,
			Duration: e.Elapsed,
		})
	}
}

// giveUp returns the *ExhaustedError for the loop's last attempt, number
// attempts, after reporting it to the observer with why. When that attempt
// was refused, the refusal stays reachable from the error's Reason.
func (p *Policy[R]) giveUp(ctx context.Context, l *loop, attempts int, reason error, why resilience.Reason) error {
	if l.refusal != nil {
		if _, ok := reason.(*rejectedError); !ok {
			reason = &rejectedError{rejection: l.refusal, limit: -1, cause: reason}
		}
	}
	p.exhausted(ctx, l, attempts, l.last, why)
	return &ExhaustedError{Attempts: attempts, Last: l.last, Reason: reason}
}

// exhausted reports to the observer that the policy stops after attempt
// attempts, which failed with last, and why; with the time since the
// loop's start if it was timed.
func (p *Policy[R]) exhausted(ctx context.Context, l *loop, attempts int, last error, why resilience.Reason) {
	if !resilience.Observing(p.cfg.Observer) {
		return
	}
	var elapsed time.Duration
	if l.timed {
		elapsed = max(p.clock.Since(l.start), 0)
	}
	resilience.Emit(ctx, p.cfg.Observer, resilience.Event{
		Policy:   "retry",
		Name:     p.cfg.Name,
		Kind:     resilience.EventExhausted,
		Attempt:  attempts,
		Err:      last,
		Duration: elapsed,
		Reason:   why,
	})
}

// wait waits d on the policy's clock, or less if ctx is done first, and
// reports whether ctx is still live at the end.
func (p *Policy[R]) wait(ctx context.Context, d time.Duration) bool {
	if d > 0 {
		t := p.clock.Timer(d)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	return ctx.Err() == nil
}

// interrupted returns the error for a ctx that ended during the delay
// after attempt, which failed with last.
func interrupted(ctx context.Context, attempt int, last error) error {
	e := &interruptedError{cause: context.Cause(ctx), last: last, attempt: attempt}
	if err := ctx.Err(); !errors.Is(e.cause, err) {
		e.ctxErr = err
	}
	return e
}

// Policy runs the rest of an executor's chain itself (see resilience.Chained).
var _ resilience.Chained[any] = (*Policy[any])(nil)
