package hedge

import (
	"context"
	"runtime"
	"time"

	"github.com/go-resilience/resilience"
)

// execution is the state of one hedged Execute. Only the caller's
// goroutine touches it; attempts run on their own goroutines and just send
// their outcome on results.
//
// Nothing of it is pooled: its channel and timer would be bound to the
// testing/synctest bubble that made them, and a Policy may outlive a
// bubble.
type execution[R any] struct {
	p     *Policy[R]
	ctx   context.Context
	rest  *resilience.Chain[R]
	fn    resilience.Func[R]
	delay time.Duration

	// results is unbuffered (one allocation fewer): the caller's goroutine
	// receives until every attempt has reported, so a send never waits long.
	results chan outcome[R]
	first   [4]context.CancelCauseFunc // the cancel funcs of attempts 0-3
	more    []context.CancelCauseFunc  // and of attempts 4 and up
	started int                        // attempts started
	running int                        // attempts started whose outcome has not been received
	refused bool                       // the Budget refused a hedge: no more

	timer  delayTimer
	timerC <-chan time.Time // the timer's channel while a hedge is timed, else nil

	start     time.Time // when the first attempt started
	last      time.Time // when the latest attempt started
	firstDone bool      // the first attempt's latency is dealt with

	failure    outcome[R] // the last failure, returned if no attempt succeeds
	hasFailure bool
	completed  bool // run ended normally: cleanup has nothing to do
}

// outcome is what one attempt reports.
type outcome[R any] struct {
	attempt  int // from 0, the first
	r        R
	err      error
	panicked bool // the attempt panicked with value
	goexit   bool // the attempt called runtime.Goexit
	value    any
}

func (o *outcome[R]) aborted() bool { return o.panicked || o.goexit }

func (e *execution[R]) run() (R, error) {
	p := e.p
	e.results = make(chan outcome[R])
	defer e.cleanup()
	// The timer exists before the first attempt starts, so that a test
	// driving a mock clock may move it once the attempt has begun.
	e.timerC = e.timer.start(p.cfg.Clock, e.delay)
	e.start = p.clock.Now()
	e.last = e.start
	e.launch()

	var (
		decided outcome[R]
		ok      bool
	)
	done := e.ctx.Done()
	for e.running > 0 && !ok {
		select {
		case o := <-e.results:
			e.running--
			if o.attempt == 0 {
				e.recordFirst()
			}
			if e.decides(&o) {
				decided, ok = o, true
			} else {
				e.fail(o)
			}
		case <-e.timerC:
			e.timerC = nil
			e.hedge(false, nil)
		case <-done:
			done = nil
			e.stopTimer()
		}
	}
	e.stopTimer()
	if !ok { // every attempt failed and no hedge is left
		decided, e.hasFailure = e.failure, false
	}
	e.recordFirst() // the first attempt, if still running, took at least this long
	e.finish(&decided)
	e.completed = true
	switch {
	case decided.panicked:
		panic(decided.value)
	case decided.goexit:
		runtime.Goexit()
	}
	return decided.r, decided.err
}

// decides reports whether o decides the execution: a panic, an
// acceptable outcome or a permanent error. If FailureIf panics, o's result
// will never be returned, so it is discarded before the panic goes on
// (cleanup sees to the other attempts).
func (e *execution[R]) decides(o *outcome[R]) bool {
	if o.aborted() {
		return true
	}
	judged := false
	defer func() {
		if !judged {
			resilience.Discard(e.ctx, o.r)
		}
	}()
	failed := e.p.failed(o.r, o.err)
	judged = true
	return !failed || resilience.IsPermanent(o.err)
}

// fail holds o, the latest failure, in place of the one before, and starts
// the next hedge at once if one is left.
func (e *execution[R]) fail(o outcome[R]) {
	if e.hasFailure {
		resilience.Discard(e.ctx, e.failure.r)
	}
	e.failure, e.hasFailure = o, true
	e.hedge(true, o.err)
}

// hedge starts the next attempt if one is left, ctx is not done and the
// Budget allows it.
func (e *execution[R]) hedge(afterFailure bool, err error) {
	p := e.p
	if e.started > p.maxHedges || e.refused || e.ctx.Err() != nil {
		return
	}
	if p.cfg.Budget != nil && p.cfg.Budget.AllowRetry() != nil {
		e.refused = true
		e.stopTimer()
		return
	}
	now := p.clock.Now()
	ev := Event{
		Attempt:      e.started + 1,
		Delay:        now.Sub(e.last),
		Elapsed:      now.Sub(e.start),
		AfterFailure: afterFailure,
		Err:          err,
	}
	e.last = now
	if ev.Attempt <= p.maxHedges { // another hedge may follow: time it
		e.resetTimer()
	} else {
		e.stopTimer()
	}
	// The hedge starts before it is announced, so that the budget's charge
	// always pays for an attempt: if the hook or the observer panics,
	// cleanup cancels the attempt like any other.
	e.launch()
	e.announce(ev)
}

func (e *execution[R]) announce(ev Event) {
	p := e.p
	if p.cfg.OnHedge != nil {
		p.cfg.OnHedge(ev)
	}
	if resilience.Observing(p.cfg.Observer) {
		resilience.Emit(e.ctx, p.cfg.Observer, resilience.Event{
			Policy:   "hedge",
			Name:     p.cfg.Name,
			Kind:     resilience.EventHedge,
			Attempt:  ev.Attempt,
			Err:      ev.Err,
			Delay:    ev.Delay,
			Duration: ev.Elapsed,
		})
	}
}

// launch starts the next attempt on its own goroutine, under its own
// child of ctx.
func (e *execution[R]) launch() {
	ctx, cancel := context.WithCancelCause(e.ctx)
	i := e.started
	if i < len(e.first) {
		e.first[i] = cancel
	} else {
		e.more = append(e.more, cancel)
	}
	e.started++
	e.running++
	go attempt(ctx, e.rest, e.fn, i, e.results)
}

// cancel cancels attempt i's context with cause.
func (e *execution[R]) cancel(i int, cause error) {
	if i < len(e.first) {
		e.first[i](cause)
	} else {
		e.more[i-len(e.first)](cause)
	}
}

// attempt runs the rest of the chain and reports its outcome, a panic or runtime.Goexit
// included, so that the caller's goroutine always hears from it.
func attempt[R any](ctx context.Context, rest *resilience.Chain[R], fn resilience.Func[R], i int, results chan<- outcome[R]) {
	o := outcome[R]{attempt: i}
	returned := false
	defer func() {
		if !returned {
			// recover is nil only under runtime.Goexit: since Go 1.21,
			// panic(nil) panics with a *runtime.PanicNilError.
			o.value = recover()
			o.panicked = o.value != nil
			o.goexit = !o.panicked
		}
		results <- o
	}()
	o.r, o.err = rest.Call(ctx, fn)
	returned = true
}

func (e *execution[R]) resetTimer() {
	e.timerC = e.timer.reset(e.delay)
}

func (e *execution[R]) stopTimer() {
	e.timer.stop()
	e.timerC = nil
}

// recordFirst records the first attempt's latency once: when its outcome
// arrives, or when the execution is decided while it still runs (a lower
// bound, which keeps hedging from dragging the quantile down). An
// execution its caller cancelled tells nothing and is not recorded.
func (e *execution[R]) recordFirst() {
	if e.firstDone || e.p.lat == nil {
		return
	}
	e.firstDone = true
	if !resilience.CallerEnded(e.ctx) {
		e.p.lat.record(e.p.clock.Since(e.start))
	}
}

// finish cancels every attempt but the decided one with ErrLost, waits for
// them all, and discards every result that will not be returned. A panic
// among the losers replaces the decided outcome, whose result is then
// discarded too.
func (e *execution[R]) finish(decided *outcome[R]) {
	for i := range e.started {
		if i != decided.attempt {
			e.cancel(i, ErrLost)
		}
	}
	if e.hasFailure {
		resilience.Discard(e.ctx, e.failure.r)
		e.hasFailure = false
	}
	for e.running > 0 {
		o := <-e.results
		e.running--
		switch {
		case !o.aborted():
			resilience.Discard(e.ctx, o.r)
		case !decided.aborted():
			resilience.Discard(e.ctx, decided.r)
			*decided = o
		}
	}
	e.cancel(decided.attempt, nil) // release the winner's context too
}

// cleanup runs when run unwinds because FailureIf, OnHedge, the observer,
// the Budget or the Clock panicked on the caller's goroutine: it cancels and waits
// for the attempts still running, so that none outlives Execute, and lets
// the panic go on.
func (e *execution[R]) cleanup() {
	if e.completed {
		return
	}
	e.stopTimer()
	for i := range e.started {
		e.cancel(i, ErrLost)
	}
	if e.hasFailure {
		resilience.Discard(e.ctx, e.failure.r)
	}
	for ; e.running > 0; e.running-- {
		if o := <-e.results; !o.aborted() {
			resilience.Discard(e.ctx, o.r)
		}
	}
}
