package timeout

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-resilience/resilience/internal/clockseam"
	"github.com/go-resilience/resilience/internal/ctxkey"
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
	deadline time.Time // on the policy's clock

	state  atomic.Uint32 // lazy, then made or ended
	mu     sync.Mutex    // serialises making the context
	made   context.Context
	cancel context.CancelFunc

	// watch records the deadline when it comes, if the parent can be
	// cancelled: nil when nothing but deadlines later than ours can end
	// what c follows, so that the order of events needs no record.
	watch *clockseam.Timer
}

// A watchedCtx is a deadlineCtx whose parent can be cancelled, with the
// timer that makes its context when the deadline comes: the two in one
// allocation (a watchedCtx is 112 bytes, a deadlineCtx 96).
//
// Without it, a deadline that passed while nothing looked at ctx, followed
// by the parent's cancellation, would leave nobody able to tell which came
// first (context.WithDeadlineCause's timer tells it, by ending ctx at the
// deadline). The timer is a runtime timer (or the injected clock's), which
// costs its own allocations; the runtime keeps it in a per-P heap, and
// Execute stops it when it returns, so it fires only if the deadline comes.
type watchedCtx struct {
	deadlineCtx
	watch clockseam.Timer
}

// deadlineConfig is what every deadlineCtx of a policy shares, kept out of
// the context itself, which is allocated per call.
type deadlineConfig struct {
	clock clockseam.Clock // the real clock ends next's ctx with cause; an injected one cannot

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
	return c.clock.WithDeadlineCause(c.link(), c.deadline, c.cause)
}

// newDeadlineCtx returns next's ctx for a call under parent ending at
// deadline: watched if what it follows can be cancelled.
func (cfg *deadlineConfig) newDeadlineCtx(parent context.Context, deadline time.Time) *deadlineCtx {
	if !cancellable(linkOf(parent)) {
		return &deadlineCtx{deadlineConfig: cfg, parent: parent, deadline: deadline}
	}
	w := &watchedCtx{deadlineCtx: deadlineCtx{deadlineConfig: cfg, parent: parent, deadline: deadline}}
	c := &w.deadlineCtx
	w.watch = c.clock.AfterFunc(c.clock.Until(deadline), c.expire)
	c.watch = &w.watch
	return c
}

// cancellable reports whether ctx can end: whether it has a cancel context
// of the context package's above it, or a Done channel of its own.
// Asking for the cancel context first spares making a Done channel that
// nothing else would ask for.
func cancellable(ctx context.Context) bool {
	return ctx.Value(ctxkey.CancelCtx) != nil || ctx.Done() != nil
}

// expire is the watch's: at the deadline, c makes its context, which then
// ends with c's cause, unless what it follows has already ended; either
// way the order of the two is on record.
func (c *deadlineCtx) expire() { c.ctx() }

// passed reports whether the deadline has come on c's clock (on the real
// one, reading the monotonic clock alone).
func (c *deadlineCtx) passed() bool { return c.clock.Until(c.deadline) <= 0 }

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
	return ctxkey.Deadline{Follows: c.link(), At: c.deadline, Cause: c.cause, Clock: c.clock.Injected()}, true
}

// end ends c when Execute returns, releasing the timer if one was made.
func (c *deadlineCtx) end() {
	if c.watch != nil {
		c.watch.Stop()
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
		// The parent's deadline is later than ours (Execute checked), so
		// a deadline that ended the made context, ours or one it
		// followed, means ours had come first. (The made context of an
		// injected clock has no cause to tell ours by, but reads the
		// clock in Err.)
		return c.made.Err() == context.DeadlineExceeded
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
// key from the parent, which is where the made context would look. (An
// injected clock's made context answers nil: context.Cause then reports
// Err, and a child is linked as to any other context.)
func (c *deadlineCtx) Value(key any) any {
	if key == ctxkey.CancelCtx {
		return c.ctx().Value(key)
	}
	return c.parent.Value(key)
}

func (c *deadlineCtx) String() string {
	return "timeout.deadlineCtx(" + c.deadline.String() + ")"
}
