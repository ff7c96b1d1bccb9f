package circuitbreaker

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-resilience/resilience/internal/monoclock"

	"github.com/go-resilience/resilience"
)

// core is a breaker's state machine, independent of the result type: every
// typed view of one breaker ([New], [Share]) shares one core, so one state,
// one window and one set of callbacks.
//
// The closed path is lock-free: admission is one atomic load of the state
// word, recording a few atomic operations on the current window. Changes of
// state take mu, and so does half-open admission, which must count.
type core struct {
	// Immutable after New.
	name          string
	observer      resilience.Observer
	clock         monoclock.Clock // times are nanoseconds since its start (New)
	windowSize    int             // count window: slots
	bucketWidth   int64           // time window: nanoseconds per bucket; 0 = count window
	minCalls      int64
	failureRate   ratio
	failureRule   bool // false: FailureRate is RateOff
	slowRate      ratio
	slowCall      int64 // nanoseconds; 0 = slow-call rule off
	consecutive   int64 // 0 = off
	openDelay     time.Duration
	openBackoff   Backoff
	halfOpenCalls int
	halfOpenWait  int64 // nanoseconds; 0 = a half-open period has no limit
	onStateChange func(from, to State)
	timed         bool // recording needs the time: time window or slow-call rule

	// Written under mu, read anywhere.
	word      atomic.Uint64             // the current state word: state and generation
	win       atomic.Pointer[window]    // the window of the last Closed, MetricsOnly or Disabled period
	openErr   atomic.Pointer[OpenError] // the rejection of the last Open, HalfOpen or ForcedOpen period
	openings  atomic.Int64              // openings in a row since the breaker was last closed
	lastDelay atomic.Int64              // the delay of the last of those openings

	mu         sync.Mutex   // guards changes of the fields above and the fields below
	since      int64        // when the current state began
	trials     int          // half-open: trial permits handed out
	successes  int          // half-open: trials that succeeded
	pending    []transition // changes of state to announce, in order
	sent       int          // pending[:sent] are announced or being announced
	announcing bool         // a goroutine is announcing pending
}

// transition is a change of state waiting to be announced. ctx is that of
// the call that caused it, held only until the announcement.
type transition struct {
	ctx      context.Context
	from, to State
}

// now returns the time on the breaker's clock, in nanoseconds since New.
func (c *core) now() int64 { return int64(c.clock.Elapsed()) }

// admit returns the state word of the period a call is admitted in, and
// the time it started if the slow-call rule needs it, or the rejection.
func (c *core) admit(ctx context.Context) (word uint64, start int64, err error) {
	word = c.word.Load()
	if s := stateOf(word); s == Closed || s == MetricsOnly || s == Disabled {
		if c.slowCall > 0 {
			start = c.now()
		}
		return word, start, nil
	}
	return c.admitSlow(ctx, word)
}

func (c *core) admitSlow(ctx context.Context, word uint64) (uint64, int64, error) {
	// One reading of the clock for the whole admission. At one instant the
	// breaker moves from Open to HalfOpen only once its delay has passed,
	// and back only from a half-open period that has lasted HalfOpenMaxWait
	// (> 0), which one that begins at that instant has not: so the loop
	// ends after a few steps, however short the delays. With a reading per
	// step, an OpenDelay and a HalfOpenMaxWait of 1ns would chase each
	// other for ever. Beyond those steps, the loop goes round again only
	// when another call moved the state meanwhile.
	now := c.now()
	for {
		switch stateOf(word) {
		case Closed, MetricsOnly, Disabled:
			return c.admit(ctx)
		case Open:
			if e := c.openErr.Load(); e.word == word && now < e.until {
				return 0, 0, c.reject(ctx, e)
			}
			c.expire(ctx, word, now)
		case HalfOpen:
			if c.halfOpenWait > 0 && c.reopenStale(ctx, word, now) {
				break // reopened: look again
			}
			ok, e := c.takeTrial(word)
			if ok {
				return word, now, nil
			}
			if e != nil {
				return 0, 0, c.reject(ctx, e)
			}
		case ForcedOpen:
			if e := c.openErr.Load(); e.word == word {
				return 0, 0, c.reject(ctx, e)
			}
		}
		word = c.word.Load() // the state moved on meanwhile
	}
}

func (c *core) reject(ctx context.Context, e *OpenError) error {
	if resilience.Observing(c.observer) {
		resilience.Emit(ctx, c.observer, resilience.Event{
			Policy: "circuitbreaker", Name: c.name, Kind: resilience.EventRejected, Err: e,
		})
	}
	return e
}

// takeTrial hands out a half-open trial permit of the period of word. It
// returns the period's rejection when all are taken, and neither when the
// period has ended.
func (c *core) takeTrial(word uint64) (bool, *OpenError) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.word.Load() != word:
		return false, nil
	case c.trials < c.halfOpenCalls:
		c.trials++
		return true, nil
	}
	return false, c.openErr.Load()
}

// expire moves the breaker from the Open period of word to HalfOpen if its
// delay has passed at now.
func (c *core) expire(ctx context.Context, word uint64, now int64) {
	if e := c.openErr.Load(); e.word == word && now < e.until {
		return
	}
	c.mu.Lock()
	if c.word.Load() == word && now >= c.openErr.Load().until {
		c.moveLocked(ctx, HalfOpen, now, 0)
	}
	c.mu.Unlock()
	c.announce()
}

// reopenStale opens the breaker again if its HalfOpen period of word has
// lasted HalfOpenMaxWait at now. It reports whether the period had, and so
// has ended (by this call or another).
func (c *core) reopenStale(ctx context.Context, word uint64, now int64) bool {
	c.mu.Lock()
	stale := c.word.Load() == word && subSat(now, c.since) >= c.halfOpenWait
	c.mu.Unlock()
	if !stale {
		return false
	}
	c.trip(ctx, word, 0)
	return true
}

// state returns the current state, first moving a HalfOpen breaker that has
// waited HalfOpenMaxWait back to Open, and an Open one whose delay has
// passed to HalfOpen, at one reading of the clock (see admitSlow).
func (c *core) state() State {
	now := c.now()
	word := c.word.Load()
	if stateOf(word) == HalfOpen && c.halfOpenWait > 0 && c.reopenStale(context.Background(), word, now) {
		word = c.word.Load()
	}
	if stateOf(word) == Open {
		c.expire(context.Background(), word, now)
		word = c.word.Load()
	}
	return stateOf(word)
}

// settle records the outcome code of a call admitted in the period of word,
// at now (only meaningful when c.timed). It returns true when the outcome
// may open the breaker; the caller then calls trip.
func (c *core) settle(ctx context.Context, word uint64, code uint32, now int64) bool {
	switch stateOf(word) {
	case Closed, MetricsOnly:
		// A call admitted in an earlier period moves nothing, not even the
		// window that period left behind. (A window outlives its period only
		// for Metrics.)
		if c.word.Load() != word {
			return false
		}
		w := c.win.Load()
		if w.owner != word { // the period ended since the load above
			return false
		}
		w.streak(code)
		// The kind is picked here, not by a method of window, so that a
		// count window's record is the closed path's one call.
		var changed bool
		if w.count != nil {
			changed = w.count.record(code)
		} else {
			changed = w.time.record(code, now)
		}
		// Consecutive failures trip without changing a full ring's counts.
		if !changed && (code&codeFailed == 0 || c.consecutive == 0) {
			return false
		}
		return stateOf(word) == Closed && c.tripped(w, w.fast(now))
	case HalfOpen:
		if code&(codeFailed|codeSlow) != 0 {
			return true
		}
		c.trialSucceeded(ctx, word)
	}
	return false
}

// tripped reports whether window w, holding t, calls for opening.
func (c *core) tripped(w *window, t totals) bool {
	if c.consecutive > 0 && w.consec.Load() >= c.consecutive {
		return true
	}
	if t.calls < c.minCalls {
		return false
	}
	calls := uint64(t.calls)
	return c.failureRule && c.failureRate.reached(uint64(t.failures), calls) ||
		c.slowCall > 0 && c.slowRate.reached(uint64(t.slow), calls)
}

func (c *core) trialSucceeded(ctx context.Context, word uint64) {
	now := c.now()
	c.mu.Lock()
	if c.word.Load() == word {
		c.successes++
		if c.successes >= c.halfOpenCalls {
			c.moveLocked(ctx, Closed, now, 0)
		}
	}
	c.mu.Unlock()
	c.announce()
}

// cancel gives back the permit of a call admitted in the period of word
// whose outcome counts neither way.
func (c *core) cancel(word uint64) {
	if stateOf(word) != HalfOpen {
		return
	}
	c.mu.Lock()
	if c.word.Load() == word && c.trials > c.successes {
		c.trials--
	}
	c.mu.Unlock()
}

// trip opens the breaker if it is still in the period of word and, for
// Closed, the window still calls for it when read exactly. delay > 0 is the
// opening's delay; otherwise OpenDelay or OpenBackoff decides. If
// OpenBackoff panics, the breaker opens all the same, for OpenDelay, and
// the panic goes on: an outcome that opens the breaker must open it.
func (c *core) trip(ctx context.Context, word uint64, delay time.Duration) {
	if delay <= 0 && c.openBackoff != nil {
		asked := false
		defer func() {
			if !asked {
				c.open(ctx, word, c.openDelay)
			}
		}()
		delay = c.nextDelay() // user code: ask before taking the lock
		asked = true
	} else if delay <= 0 {
		delay = c.openDelay
	}
	c.open(ctx, word, delay)
}

// open is trip once the delay is known.
func (c *core) open(ctx context.Context, word uint64, delay time.Duration) {
	now := c.now()
	c.mu.Lock()
	if c.word.Load() == word {
		w := c.win.Load()
		if stateOf(word) != Closed || c.tripped(w, w.exact(now)) {
			c.moveLocked(ctx, Open, now, delay)
		}
	}
	c.mu.Unlock()
	c.announce()
}

// nextDelay returns OpenBackoff's delay of the next opening. openings and
// lastDelay change only with the state word, which open checks under mu
// after this.
func (c *core) nextDelay() time.Duration {
	n := int(c.openings.Load()) + 1
	return max(c.openBackoff.Delay(n, time.Duration(c.lastDelay.Load())), 0)
}

// force moves the breaker to state to by hand. It does nothing when the
// breaker is in that state already, except for Closed: Reset always starts
// a new window.
func (c *core) force(to State) {
	now := c.now()
	c.mu.Lock()
	if stateOf(c.word.Load()) != to || to == Closed {
		c.moveLocked(context.Background(), to, now, 0)
	}
	c.mu.Unlock()
	c.announce()
}

// moveLocked starts a new period in state to at now; delay is an Open
// period's length. It requires that c.mu is held; the change is announced
// by the caller's announce after it releases c.mu.
func (c *core) moveLocked(ctx context.Context, to State, now int64, delay time.Duration) {
	old := c.word.Load()
	word := nextWord(old, to)
	switch to {
	case Closed, MetricsOnly, Disabled:
		c.openings.Store(0)
		c.lastDelay.Store(0)
		c.win.Store(c.newWindow(word, now))
	case Open:
		c.openings.Add(1)
		c.lastDelay.Store(int64(delay))
		c.openErr.Store(&OpenError{Name: c.name, State: Open, c: c, word: word, until: addSat(now, int64(delay))})
	case HalfOpen, ForcedOpen:
		c.openErr.Store(&OpenError{Name: c.name, State: to, c: c, word: word})
	}
	c.trials, c.successes = 0, 0
	c.since = now
	c.word.Store(word) // last: a reader that sees word sees the window or error set above
	if from := stateOf(old); from != to {
		c.pending = append(c.pending, transition{ctx: ctx, from: from, to: to})
	}
}

// newWindow returns an empty window of the period of state word owner,
// starting at now, of the kind the config chose.
func (c *core) newWindow(owner uint64, now int64) *window {
	return newWindow(owner, c.windowSize, c.bucketWidth, now)
}
