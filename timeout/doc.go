// Package timeout bounds how long a call may take.
//
// A [Policy] calls next synchronously, on the caller's goroutine, with a
// ctx that ends Config.Timeout after Execute starts. If that deadline
// passes before next returns, Execute returns an error that is both
// [ErrExceeded] and context.DeadlineExceeded (an *[ExceededError] naming the
// timeout), whatever next returned. A result that arrives first is returned
// as is, and the timer is released at once.
//
// The timeout is cooperative: it ends next's ctx but cannot stop a
// goroutine, so next must honour ctx (pass it to every call that blocks).
// A next that ignores ctx makes Execute return only when next returns; the
// outcome is then still ErrExceeded, and the late value is dropped through
// resilience.Discard. Unlike hystrix-go, Execute starts no goroutine of its
// own, so none is left running behind the caller's back.
//
// The deadline never extends the caller's: when ctx already ends no later
// than the timeout would, next gets ctx itself, and a parent's cancellation
// or deadline passes through unchanged (it is the parent's outcome, not
// ours). Which came first is decided as context.WithDeadlineCause decides
// it, also for a next that never looks at ctx: a parent cancelled before
// the deadline passes next's outcome through, however late next returns;
// a deadline that passed first makes the outcome ErrExceeded, whatever
// the parent does after.
//
// Composed inside a retry, a timeout bounds each attempt; outside it, the
// whole retry, delays included:
//
//	resilience.Compose(timeout.New[T](timeout.Config{Timeout: 10 * time.Second}), // the whole
//		retryPolicy,
//		timeout.New[T](timeout.Config{Timeout: 2 * time.Second})) // each attempt
//
// With the real clock (Config.Clock nil) next's ctx behaves exactly as one
// made by context.WithDeadlineCause: context.Cause(ctx) tells next why it
// ended, children and context.AfterFunc link to it without a goroutine,
// and once Execute returns it reads as cancelled. It makes that context,
// and with it a runtime timer, only when something waits on ctx.Done()
// (or asks for the cause, or for Err after the deadline). A next that
// never waits — a computation, a cache lookup, a loop that checks
// ctx.Err() between steps — costs one small allocation and two clock
// reads, about a sixth of context.WithDeadlineCause; under a parent that
// can be cancelled, the allocation is larger and a runtime timer (two
// more allocations) watches the deadline, which makes the context only if
// the deadline comes first, so that which came first is on record. A next
// that waits (every network call does) costs what
// context.WithDeadlineCause costs, plus that allocation. Under a fake
// clock (clock.NewMock()) the ctx is just as lazy and ends at the deadline
// on mock time (its Err reads the mock, so it says so as soon as the mock
// has moved), so tests drive the deadline without sleeping; such a ctx
// carries no cause.
//
// A Policy is immutable and safe for concurrent use by any number of
// goroutines, and its state does not depend on R.
package timeout
