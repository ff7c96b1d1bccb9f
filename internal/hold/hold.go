// Package hold gives an attempt a context that may outlive the policies
// that ran it, for results read after Execute returns (an *http.Response's
// body). It is httpx's; it is internal because no user of the policies
// needs it: a result that does not outlive Execute needs no hold, and
// results that policies drop reach resilience.Discard.
package hold

import (
	"context"
	"sync"
	"time"

	"github.com/go-resilience/resilience/internal/clockseam"
	"github.com/go-resilience/resilience/internal/ctxkey"
)

// A Hold is the context of one attempt whose result may be used after the
// policies have returned: an *http.Response whose body is still to be
// read, say. Until Keep, the attempt's context ends whenever the policies'
// ctx does, so their timeouts and cancellations bound the attempt. After
// Keep it no longer follows ctx: it ends only when base (the caller's own
// context) ends or when Release is called. Values of ctx stay visible
// through it throughout.
//
// Call Start once, then Keep once the attempt has produced a result that
// may be returned, and Release when the caller is done with that result or
// when the result is discarded. Keep and Release are safe to call more
// than once and from any goroutine; Keep after Release does nothing.
// Release must always be called: it stops what Start started.
//
// A Hold is meant to be a field of the caller's own per-attempt state
// (httpx keeps it in the response body's wrapper), so that holding an
// attempt costs no allocation of its own beyond its context. It must not
// be copied after Start.
type Hold struct {
	parent heldParent
	cancel context.CancelCauseFunc

	mu       sync.Mutex      // guards unlink, timed, deadline and released
	unlink   func() bool     // stops following ctx; nil once kept, released or not needed
	deadline clockseam.Timer // or this does, for a ctx that only a deadline ends
	timed    bool            // deadline is running
	cause    error           // what the deadline ends the attempt with
	released bool
}

// Start returns the attempt's context, derived from ctx (the policies'
// context for the attempt) and base (the caller's, from which ctx
// derives).
func (h *Hold) Start(ctx, base context.Context) context.Context {
	h.parent = heldParent{ctx: ctx, base: base}
	// The held context is a child of base, which the context package links
	// without a goroutine or an allocation, and follows ctx only until Keep.
	held, cancel := context.WithCancelCause(&h.parent)
	h.cancel = cancel
	if lazy, ok := ctx.(ctxkey.Lazy); ok {
		// A timeout's context that has armed no timer yet, and ends
		// otherwise only with base: time its deadline here, rather than
		// make it arm a timer (and a context) just to be linked to.
		if d, ok := lazy.Follow(); ok && d.Follows.Done() == base.Done() {
			h.cause = d.Cause
			clk := clockseam.Of(d.Clock)
			wait := clk.Until(d.At)
			if wait <= 0 {
				// Come already: a clock.Mock's timer for it would fire
				// only when the mock next moves.
				h.cancel(d.Cause)
				return held
			}
			h.deadline, h.timed = clk.AfterFunc(wait, h.deadlinePassed), true
			return held
		}
	}
	if done := ctx.Done(); done != nil && done != base.Done() {
		h.unlink = context.AfterFunc(ctx, h.ctxEnded)
	}
	return held
}

// ctxEnded ends the attempt with ctx, before Keep.
func (h *Hold) ctxEnded() { h.cancel(context.Cause(h.parent.ctx)) }

// deadlinePassed ends the attempt at the deadline of a lazy ctx, before
// Keep.
func (h *Hold) deadlinePassed() { h.cancel(h.cause) }

// stopFollowing stops following ctx, and reports whether it was
// following it, and whether by timing a lazy deadline. h.mu must be held.
func (h *Hold) stopFollowing() (following, timed bool) {
	timed = h.timed
	following = timed || h.unlink != nil
	if h.unlink != nil {
		h.unlink()
		h.unlink = nil
	}
	if h.timed {
		h.deadline.Stop()
		h.timed = false
	}
	return following, timed
}

// Keep detaches the attempt's context from the policies' ctx: from now on
// only base and Release end it. If ctx has already ended, the attempt's
// context has ended with it by the time Keep returns.
func (h *Hold) Keep() {
	h.mu.Lock()
	following, timed := h.stopFollowing()
	h.mu.Unlock()
	// What was stopped may have had no chance to end the attempt yet: an
	// AfterFunc's goroutine not yet run, a deadline come but not yet
	// fired. Ended is ended all the same.
	if !following || h.parent.ctx.Err() == nil {
		return
	}
	if timed {
		// A lazy ctx's deadline: what ends ctx besides base, with
		// which the attempt has ended already if it was base.
		h.cancel(h.cause)
		return
	}
	h.cancel(context.Cause(h.parent.ctx))
}

// Release ends the attempt's context, with cause context.Canceled unless
// it had already ended. Before Start it does nothing (a caller may have
// deferred it before a Start that never came).
func (h *Hold) Release() {
	h.mu.Lock()
	if h.released || h.cancel == nil {
		h.mu.Unlock()
		return
	}
	h.released = true
	h.stopFollowing()
	h.mu.Unlock()
	h.cancel(context.Canceled)
}

// heldParent is the parent of a held context: the cancellation and
// deadline of base, the values of ctx.
type heldParent struct {
	ctx, base context.Context
}

func (p *heldParent) Deadline() (time.Time, bool) { return p.base.Deadline() }
func (p *heldParent) Done() <-chan struct{}       { return p.base.Done() }
func (p *heldParent) Err() error                  { return p.base.Err() }

// Value takes values from ctx, but for the context package's own key,
// with which it looks for the cancel context to link a child to: that is
// base's, whose Done channel this one is.
func (p *heldParent) Value(key any) any {
	if key == ctxkey.CancelCtx {
		return p.base.Value(key)
	}
	return p.ctx.Value(key)
}
