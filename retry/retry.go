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
//   - when MaxAttempts are used up, the next delay would end after
//     MaxDuration or at or after ctx's deadline, or the Budget refuses a
//     retry: it returns the last result with an *ExhaustedError, which
//     wraps ErrExhausted and the last error;
//   - when ctx is done during a delay: it returns the zero R (the last
//     result was discarded) and an error that matches context.Cause(ctx),
//     ctx.Err() and the last attempt's error with errors.Is.
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
	return p.ExecuteChain(ctx, nil, next)
}

// ExecuteChain is Execute with next running rest.Call(ctx, fn): the form
// an executor calls, which spares it a Func per call (see
// resilience.Chained).
func (p *Policy[R]) ExecuteChain(ctx context.Context, rest *resilience.Chain[R], fn resilience.Func[R]) (R, error) {
	var zero R
	if err := resilience.CheckArgs(ctx, fn); err != nil {
		return zero, err
	}
	if p.cfg.Budget != nil {
		p.cfg.Budget.RecordRequest()
	}
	// The loop's start time is read only when something will use it, so
	// that a first success reads no clock. If an observer appears during
	// the loop, the first failure stands in for the start.
	var start time.Time
	timed := p.cfg.MaxDuration > 0 || p.cfg.OnRetry != nil || resilience.Observing(p.cfg.Observer)
	if timed {
		start = p.clock.Now()
	}
	var (
		r    R
		err  error
		held bool // r is neither returned nor discarded yet
	)
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
		r, err = rest.Call(ctx, fn)
		held = true
		if !p.failed(r, err) ||
			p.cfg.AbortIf != nil && p.cfg.AbortIf(r, err) ||
			resilience.IsPermanent(err) ||
			ctx.Err() != nil {
			held = false
			return r, err
		}
		if p.maxAttempts >= 0 && attempt >= p.maxAttempts {
			err = p.giveUp(ctx, attempt, err, nil, start, timed)
			held = false
			return r, err
		}
		delay := p.delay(attempt, r, err, prev)
		now := p.clock.Now()
		if !timed {
			start, timed = now, true
		}
		elapsed := max(now.Sub(start), 0)
		if reason := p.noTimeFor(ctx, delay, now, elapsed); reason != nil {
			err = p.giveUp(ctx, attempt, err, reason, start, timed)
			held = false
			return r, err
		}
		if p.cfg.Budget != nil {
			if refusal := p.cfg.Budget.AllowRetry(); refusal != nil {
				err = p.giveUp(ctx, attempt, err, refusal, start, timed)
				held = false
				return r, err
			}
		}
		p.announce(ctx, Event[R]{Attempt: attempt, Result: r, Err: err, Delay: delay, Elapsed: elapsed})
		held = false
		resilience.Discard(ctx, r)
		if !p.wait(ctx, delay) {
			return zero, interrupted(ctx, attempt, err)
		}
		prev = delay
	}
}

func (p *Policy[R]) failed(r R, err error) bool {
	if p.cfg.FailureIf == nil {
		return err != nil
	}
	return p.cfg.FailureIf(r, err)
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

// noTimeFor returns why a delay starting at now must not be waited, or nil
// if it may. A delay ending exactly at MaxDuration still leaves the attempt
// its start; one ending at the ctx deadline does not, since ctx is done
// then.
func (p *Policy[R]) noTimeFor(ctx context.Context, delay time.Duration, now time.Time, elapsed time.Duration) error {
	// Compare by subtraction: elapsed+delay could overflow.
	if p.cfg.MaxDuration > 0 && delay > p.cfg.MaxDuration-elapsed {
		return fmt.Errorf("next delay %v would pass MaxDuration %v (%v elapsed)", delay, p.cfg.MaxDuration, elapsed)
	}
	if deadline, ok := ctx.Deadline(); ok {
		if left := deadline.Sub(now); delay >= left {
			return fmt.Errorf("next delay %v would reach the context deadline (%v left)", delay, left)
		}
	}
	return nil
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

// giveUp returns the *ExhaustedError for the last attempt and reports it to
// the observer, with the time since start if timed.
func (p *Policy[R]) giveUp(ctx context.Context, attempts int, last, reason error, start time.Time, timed bool) error {
	if resilience.Observing(p.cfg.Observer) {
		var elapsed time.Duration
		if timed {
			elapsed = max(p.clock.Since(start), 0)
		}
		resilience.Emit(ctx, p.cfg.Observer, resilience.Event{
			Policy:   "retry",
			Name:     p.cfg.Name,
			Kind:     resilience.EventExhausted,
			Attempt:  attempts,
			Err:      last,
			Duration: elapsed,
		})
	}
	return &ExhaustedError{Attempts: attempts, Last: last, Reason: reason}
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
