package bulkhead

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience"
)

// queuedBit is set in permits.state while a waiter is queued. It is the
// top bit, above any held count (MaxConcurrent is an int, so at most
// 1<<63 - 1), which makes "a permit is free and nobody waits" the single
// comparison state < max.
const queuedBit = 1 << 63

// permits is the state a bulkhead shares between all its typed views.
//
// # How a permit changes hands
//
// state holds the number of permits taken, plus queuedBit while the queue
// is not empty. The fast path takes a permit with one CAS from a state
// below max (a free permit, no waiter) and gives it back with one atomic
// add (a CAS would be exact too, but costs twice as much when cores
// contend). Neither takes mu or allocates.
//
// Everything else happens under mu, which guards the queue: a caller that
// finds no free permit queues (setting queuedBit), and a release that sees
// queuedBit was set hands its permit straight to the head of the queue
// (taking it back on the waiter's behalf: the permit stays taken, by its
// new holder). Whoever empties the queue, a release or a waiter leaving,
// clears queuedBit.
//
// Invariants, which follow because only mu's holder sets or clears
// queuedBit and only a release moves the count while it is set:
//   - queuedBit is set exactly when the queue is not empty (under mu).
//   - While queuedBit is set, all max permits are taken, but for those
//     whose release is on its way to mu to hand them over: a waiter queues
//     only after it saw them all taken, and no taker can take one, because
//     state < max fails with queuedBit set.
//
// Hence FIFO: a newcomer never overtakes a waiter, since with a waiter
// queued its CAS (state < max) cannot succeed. And no lost wake-up: a
// waiter sets (or sees) queuedBit by a CAS that also checks that every
// permit is taken. A release whose add came before that CAS freed a permit
// the CAS would have seen (it fails, and the waiter takes the permit
// instead of queueing); a release whose add came after it sees queuedBit
// in the state it replaced, and takes mu, which it gets only once the
// waiter is queued, so it finds the waiter.
type permits struct {
	state atomic.Uint64 // permits taken (the low 63 bits) | queuedBit

	mu      sync.Mutex   // guards head, tail and each queued waiter's links and granted
	head    *waiter      // the next waiter to get a permit
	tail    *waiter      // the last waiter
	waiting atomic.Int64 // len(queue), for Waiting() without mu; written under mu

	name       string
	max        uint64
	maxWait    time.Duration
	clock      clock.Clock
	observer   resilience.Observer
	onRejected func(context.Context, error)
	onAcquired func(context.Context, time.Duration)

	full    *FullError // the one rejection error: immutable, so shared
	release func()     // p.put, bound once so that Acquire allocates nothing
}

// A waiter is a call queued for a permit. Each wait makes its own, and
// waiters are deliberately not pooled: the channel would be bound to the
// testing/synctest bubble that made it, and a bulkhead may outlive a
// bubble (selecting on a bubble's channel from outside is fatal, and a
// bubble's clock does not move while a goroutine in it waits on a channel
// from outside). A call that queues is waiting anyway.
type waiter struct {
	ready      chan struct{} // gets one value when the permit is handed over; capacity 1
	prev, next *waiter       // links in the queue, under mu
	granted    bool          // the permit was handed over (under mu)
}

// take gets a permit for a call under ctx, or returns why not. Its fast
// path is one CAS; everything else is in takeSlow.
func (p *permits) take(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err // a call nobody waits for does not take a permit
	}
	if s := p.state.Load(); s < p.max && p.state.CompareAndSwap(s, s+1) {
		return nil
	}
	return p.takeSlow(ctx)
}

// takeSlow is take when the first CAS did not get a permit: it tries
// again while permits are free and nobody waits (the CAS lost a race), and
// otherwise rejects or queues.
func (p *permits) takeSlow(ctx context.Context) error {
	for {
		s := p.state.Load()
		if s >= p.max { // all taken, or queuedBit set
			break
		}
		if p.state.CompareAndSwap(s, s+1) {
			return nil
		}
	}
	if p.maxWait == 0 {
		return p.reject(ctx)
	}
	return p.wait(ctx)
}

// put gives a permit back: to the head waiter if there is one, else to
// the pool. It is one atomic add unless a call is queued.
func (p *permits) put() {
	if old := p.state.Add(^uint64(0)) + 1; old&^queuedBit == 0 || old&queuedBit != 0 {
		p.putSlow(old)
	}
}

// putSlow finishes a put whose decrement found old: no permit taken (a
// bug of the caller's), or a call queued.
func (p *permits) putSlow(old uint64) {
	if old&^queuedBit == 0 {
		p.state.Add(1)
		panic("bulkhead: release of a permit that is not held")
	}
	p.handOff()
}

// handOff passes the permit that put has just freed to the head waiter,
// taking it again on the waiter's behalf. If the queue emptied before mu
// could be had, the permit stays free. (In between, the count is one below
// max with queuedBit set; that is harmless, since every taker checks
// queuedBit first and waits for mu.)
func (p *permits) handOff() {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.head
	if w == nil {
		return
	}
	p.state.Add(1)
	p.unlink(w)
	w.granted = true
	w.ready <- struct{}{} // capacity 1, sent once: never blocks
}

// wait queues for a permit for at most maxWait, on p.clock.
func (p *permits) wait(ctx context.Context) error {
	start := p.clock.Now()
	// The timer is made before the waiter is queued, so that once
	// Waiting() counts it, its MaxWait is already running: a test on a
	// mock clock may advance the mock as soon as it sees the waiter.
	timer := p.clock.Timer(p.maxWait)
	w := p.enqueue()
	if w == nil {
		timer.Stop()
		return nil // a permit came free on the way in
	}
	select {
	case <-w.ready:
	case <-ctx.Done():
	case <-timer.C:
	}
	timer.Stop()
	granted := p.leave(w)
	err := ctx.Err()
	switch {
	case granted && err != nil:
		// The permit came as ctx ended: the caller has gone, so the permit
		// goes on to the next waiter rather than being lost or used.
		p.put()
		return err
	case granted:
		p.acquired(ctx, p.clock.Since(start))
		return nil
	case err != nil:
		return err // the caller's ctx ended the wait, not MaxWait
	}
	return p.reject(ctx)
}

// enqueue takes a permit if one is free with nobody waiting and returns
// nil, or else queues a waiter and returns it.
func (p *permits) enqueue() *waiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		s := p.state.Load()
		if s < p.max {
			if p.state.CompareAndSwap(s, s+1) {
				return nil
			}
			continue
		}
		// All taken. Setting queuedBit (if the last waiter has not already)
		// by CAS, from the state just checked, is what orders this waiter
		// against every release: see permits.
		if s&queuedBit != 0 || p.state.CompareAndSwap(s, s|queuedBit) {
			break
		}
	}
	w := &waiter{ready: make(chan struct{}, 1), prev: p.tail}
	if p.tail == nil {
		p.head = w
	} else {
		p.tail.next = w
	}
	p.tail = w
	p.waiting.Add(1)
	return w
}

// leave takes w off the queue if it is still there and reports whether
// it was granted a permit instead.
func (p *permits) leave(w *waiter) (granted bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if w.granted {
		return true // a value left in w.ready goes with w
	}
	p.unlink(w)
	return false
}

// unlink removes w from the queue, clearing queuedBit when the queue
// empties. It requires that p.mu is held and w is queued.
func (p *permits) unlink(w *waiter) {
	if w.prev == nil {
		p.head = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		p.tail = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.prev, w.next = nil, nil
	p.waiting.Add(-1)
	if p.head == nil {
		p.state.And(^uint64(queuedBit))
	}
}

// inFlight returns the number of permits taken.
func (p *permits) inFlight() int { return int(p.state.Load() &^ queuedBit) }

func (p *permits) reject(ctx context.Context) error {
	if p.onRejected != nil {
		p.onRejected(ctx, p.full)
	}
	if resilience.Observing(p.observer) {
		resilience.Emit(ctx, p.observer, resilience.Event{
			Policy: "bulkhead", Name: p.name, Kind: resilience.EventRejected,
			Err: p.full, Duration: p.maxWait,
		})
	}
	return p.full
}

// acquired reports a permit granted after a wait of waited. If a hook or
// the observer panics, the caller never gets the permit, so it goes back
// before the panic goes on.
func (p *permits) acquired(ctx context.Context, waited time.Duration) {
	reported := false
	defer func() {
		if !reported {
			p.put()
		}
	}()
	if p.onAcquired != nil {
		p.onAcquired(ctx, waited)
	}
	if resilience.Observing(p.observer) {
		resilience.Emit(ctx, p.observer, resilience.Event{
			Policy: "bulkhead", Name: p.name, Kind: resilience.EventAcquired, Duration: waited,
		})
	}
	reported = true
}
