package timeout

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience/internal/ctxkey"
	"github.com/go-resilience/resilience/internal/timerheap"
)

// A deadlineCtx is next's ctx: it ends at deadline with cause, as
// context.WithDeadlineCause(parent, deadline, cause) would (under an
// injected clock, as that clock's WithDeadline would, without the cause),
// but makes that context (and with it a channel and a runtime timer) only
// once something asks for Done, for the context package's cancel context
// (context.Cause, a child context, context.AfterFunc), or for Err after
// the deadline. Work that never waits on ctx.Done() — a computation, a
// cache lookup, a call that checks ctx.Err() between steps — then costs one
// allocation and no timer of its own; work that does wait pays what the
// standard library charges, once.
//
// When Execute returns it ends the context (cause context.Canceled), as
// the cancel func of context.WithDeadlineCause would: a ctx that outlives
// the call (kept by a goroutine of next's) reads as done.
type deadlineCtx struct {
	*deadlineConfig
	parent   context.Context
	deadline time.Time // on the policy's clock (the real one: with a monotonic reading)

	state  atomic.Uint32 // lazy, then made or ended
	mu     sync.Mutex    // serialises making the context
	made   context.Context
	cancel context.CancelFunc

	// watch records the deadline when it comes, if the parent can be
	// cancelled: nil when nothing but deadlines later than ours can end
	// what c follows, so that the order of events needs no record.
	watch *watch
}

// A watchedCtx is a deadlineCtx whose parent can be cancelled, with what
// makes its context when the deadline comes: in one allocation.
//
// Without it, a deadline that passed while nothing looked at ctx, followed
// by the parent's cancellation, would leave nobody able to tell which came
// first (context.WithDeadlineCause's timer tells it, by ending ctx at the
// deadline). The watch costs no allocation of its own (a watchedCtx is
// 144 bytes, a deadlineCtx 96): a deadline on the real clock is queued on
// a shared timer heap, which fires for it only if it comes.
type watchedCtx struct {
	deadlineCtx
	watch watch
}

// A watch times a deadlineCtx's deadline without making its context.
type watch struct {
	entry timerheap.Entry // on a shared heap: the real clock, outside synctest
	stop  func() bool     // or a timer of its own: an injected clock, or a synctest bubble
}

// deadlineConfig is what every deadlineCtx of a policy shares, kept out of
// the context itself, which is allocated per call.
type deadlineConfig struct {
	clock clock.Clock // nil: the real clock, with causes

	// cause ends next's ctx when the timeout fires (real clock) and is
	// returned when next's error adds nothing to it. It is shared by every
	// call, which is why ExceededError must never be mutated.
	cause *ExceededError
}

const (
	lazy  = iota // no context made yet
	made         // made holds the context (it may have ended)
	ended        // Execute returned before one was made
)

// endedCtx stands for a deadlineCtx that ended before it made a context:
// done, with cause context.Canceled.
var endedCtx = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// ctx returns the context that stands for c: made on first use.
func (c *deadlineCtx) ctx() context.Context {
	switch c.state.Load() {
	case made:
		return c.made
	case ended:
		return endedCtx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load() == lazy {
		ctx, cancel := c.make()
		c.made, c.cancel = ctx, cancel
		if !c.state.CompareAndSwap(lazy, made) {
			cancel() // end won the race: ended stands
		}
	}
	if c.state.Load() == made {
		return c.made
	}
	return endedCtx
}

// make returns the context that stands for c, and its cancel func.
func (c *deadlineCtx) make() (context.Context, context.CancelFunc) {
	link := c.link()
	if c.clock == nil {
		return context.WithDeadlineCause(link, c.deadline, c.cause)
	}
	if link.Err() != nil {
		// Ended already, by what it follows: as the context package's
		// WithDeadline would have it. A clock.Mock's WithDeadline would
		// report its own deadline if passed, or nothing until a goroutine
		// of its own ran.
		return context.WithCancel(link)
	}
	return c.clock.WithDeadline(link, c.deadline)
}

// newDeadlineCtx returns next's ctx for a call under parent made at now
// and ending at deadline: watched if what it follows can be cancelled.
func (cfg *deadlineConfig) newDeadlineCtx(parent context.Context, now, deadline time.Time) *deadlineCtx {
	if !cancellable(linkOf(parent)) {
		return &deadlineCtx{deadlineConfig: cfg, parent: parent, deadline: deadline}
	}
	w := &watchedCtx{deadlineCtx: deadlineCtx{deadlineConfig: cfg, parent: parent, deadline: deadline}}
	c := &w.deadlineCtx
	c.watch = &w.watch
	switch {
	case c.clock != nil:
		c.watch.stop = c.clock.AfterFunc(c.clock.Until(deadline), c.Expire).Stop
	case timerheap.Monotonic(now):
		// Also a deadline so far off (over about 130 years) that the
		// sum lost its monotonic reading: the heap reads it on the wall
		// clock, which is as good centuries ahead.
		timerheap.Shared().Add(&c.watch.entry, deadline, c)
	default:
		// Inside a synctest bubble, whose clock the shared heaps do not
		// run on.
		c.watch.stop = time.AfterFunc(time.Until(deadline), c.Expire).Stop
	}
	return c
}

// cancellable reports whether ctx can end: whether it has a cancel context
// of the context package's above it, or a Done channel of its own.
// Asking for the cancel context first spares making a Done channel that
// nothing else would ask for.
func cancellable(ctx context.Context) bool {
	return ctx.Value(ctxkey.CancelCtx) != nil || ctx.Done() != nil
}

// Expire implements timerheap.Expirer: at the deadline, c makes its
// context, which then ends with c's cause, unless what it follows has
// already ended; either way the order of the two is on record.
func (c *deadlineCtx) Expire() { c.ctx() }

// passed reports whether the deadline has come on c's clock.
func (c *deadlineCtx) passed() bool {
	if c.clock == nil {
		return time.Until(c.deadline) <= 0 // the monotonic clock alone
	}
	return !c.clock.Now().Before(c.deadline)
}

// link returns the context the made context follows: the parent, or past
// any outer timeout's lazy context straight to what that one follows. An
// outer timeout's ctx can end only by its own deadline, which is later than
// c's (Execute made c only because of that), by what it follows, or when
// its Execute returns, which is after c's has. So a timeout inside a
// timeout (the attempt timeout under a total timeout) makes one timer, not
// two, for a next that waits. Values still come from the parent.
func (c *deadlineCtx) link() context.Context { return linkOf(c.parent) }

func linkOf(parent context.Context) context.Context {
	for {
		outer, ok := parent.(*deadlineCtx)
		if !ok || outer.state.Load() != lazy {
			return parent
		}
		parent = outer.parent
	}
}

// Follow implements ctxkey.Lazy: while c has made no context, a context
// linked to it may time c's deadline itself (an httpx attempt's held
// context does).
func (c *deadlineCtx) Follow() (ctxkey.Deadline, bool) {
	if c.state.Load() != lazy {
		return ctxkey.Deadline{}, false
	}
	return ctxkey.Deadline{Follows: c.link(), At: c.deadline, Cause: c.cause, Clock: c.clock}, true
}

// end ends c when Execute returns, releasing the timer if one was made.
func (c *deadlineCtx) end() {
	if w := c.watch; w != nil {
		if w.stop != nil {
			w.stop()
		} else {
			w.entry.Stop()
		}
	}
	if c.state.CompareAndSwap(lazy, ended) {
		return
	}
	if c.state.Load() == made {
		c.cancel()
	}
}

// fired reports whether c ended (or would have ended) by its own deadline
// rather than by its parent.
func (c *deadlineCtx) fired() bool {
	if c.state.Load() == made {
		if c.clock == nil {
			return context.Cause(c.made) == error(c.cause)
		}
		// A clock's own context carries no cause; and a clock.Mock ends it
		// on a goroutine of its own, perhaps not yet. The parent's deadline
		// is later than ours (Execute checked), so a deadline that ended it
		// was ours.
		err := c.made.Err()
		return err == context.DeadlineExceeded || err == nil && c.passed()
	}
	// Nothing made c's context: not even its watch, if it has one, which
	// makes it when the deadline comes. So if the deadline has passed, it
	// did so just now, and ours came first unless what c follows has
	// ended (by cancellation: a parent deadline is later than ours, Execute
	// checked), as making the context now would tell.
	return c.passed() && c.link().Err() == nil
}

func (c *deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *deadlineCtx) Done() <-chan struct{} { return c.ctx().Done() }

func (c *deadlineCtx) Err() error {
	switch c.state.Load() {
	case made:
		return c.made.Err()
	case ended:
		return context.Canceled
	}
	if c.passed() {
		// Made now, the context ends at once, with c's cause or with
		// what it follows, whichever ended first; and Done is closed too.
		return c.ctx().Err()
	}
	return c.parent.Err() // the made context would have ended with it
}

// Value answers the context package's own key (asked by context.Cause and
// when a child is linked) with the made context's answer, and every other
// key from the parent, which is where the made context would look.
//
// Under an injected clock the made context may be the clock's own (a
// clock.Mock's), not the context package's: then the cancel context it
// answers with is the parent's, whose cause is not c's, and c answers
// nil, so that context.Cause reports Err (c carries no cause of its own)
// and a child is linked as to any other context.
func (c *deadlineCtx) Value(key any) any {
	if key == ctxkey.CancelCtx {
		ctx := c.ctx()
		v := ctx.Value(key)
		if c.clock != nil {
			if cc, ok := v.(context.Context); !ok || cc.Done() != ctx.Done() {
				return nil
			}
		}
		return v
	}
	return c.parent.Value(key)
}

func (c *deadlineCtx) String() string {
	return "timeout.deadlineCtx(" + c.deadline.String() + ")"
}
