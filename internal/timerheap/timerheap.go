// Package timerheap runs many deadlines on one runtime timer. An httpx
// attempt must end at its attempt timeout's deadline while it waits for a
// response, and nearly every attempt gets its response long before then:
// a runtime timer per attempt (an allocation, two clock reads, and the
// runtime's timer heap twice) is paid for a deadline that almost never
// fires. A Heap keeps the deadlines itself and arms one timer for the
// earliest. Taking a deadline out leaves that timer be, so a steady stream
// of attempts with the same timeout arms it about once per timeout
// instead of once per attempt: when it fires early, it finds nothing due
// and re-arms for the earliest deadline still queued.
//
// A deadline and the Heap it is queued on must be on the same clock.
// Shared's heaps were made outside any testing/synctest bubble, so they
// take only times read from the real clock outside a bubble: ones with a
// monotonic clock reading, which time.Now never returns inside a bubble,
// or so far off (over about 130 years) that adding to such a reading
// dropped it, which the heap reads on the wall clock. A Heap made inside
// a bubble runs on its fake clock.
package timerheap

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"time"
)

// An Expirer is told when its deadline has come.
type Expirer interface{ Expire() }

// An Entry is one deadline, embedded in its owner's state so that
// queueing it allocates nothing. The zero Entry is not queued.
type Entry struct {
	heap *Heap
	at   int64 // the deadline, in nanoseconds after heap.base
	pos  int   // index in heap.items plus one; 0 when not queued
	x    Expirer
}

// A Heap is a set of deadlines and the one timer armed for the earliest.
type Heap struct {
	base  time.Time
	mu    sync.Mutex // guards everything below, and the Entries' at and pos
	items []*Entry   // a binary min-heap on at
	timer *time.Timer
	when  int64 // the deadline timer is armed for, while armed
	armed bool
}

// New returns an empty Heap on the clock time.Now reads where New is
// called.
func New() *Heap { return &Heap{base: time.Now()} }

// shared are the heaps Shared hands out: one per P at start-up, so that
// attempts on different cores seldom wait for one another's lock.
var shared = func() []*Heap {
	n := min(runtime.GOMAXPROCS(0), 64)
	hs := make([]*Heap, n)
	for i := range hs {
		hs[i] = New()
	}
	return hs
}()

// Shared returns one of the process's heaps, for a deadline read from the
// real clock with its monotonic reading (outside any synctest bubble).
func Shared() *Heap {
	if len(shared) == 1 {
		return shared[0]
	}
	return shared[uint64(rand.Uint32())*uint64(len(shared))>>32]
}

// Monotonic reports whether t carries a monotonic clock reading: whether
// it was read outside any synctest bubble, and a time derived from it may
// be queued on a Shared heap.
func Monotonic(t time.Time) bool { return t != t.Round(0) }

// Add queues e to call x.Expire once at is reached, unless e is stopped
// first. Expire runs on a goroutine of the heap's timer, never under a
// lock. e must not be queued already.
func (h *Heap) Add(e *Entry, at time.Time, x Expirer) {
	e.heap, e.at, e.x = h, int64(at.Sub(h.base)), x
	h.mu.Lock()
	h.push(e)
	if e.pos == 1 && (!h.armed || e.at < h.when) {
		h.arm(e.at, h.now())
	}
	h.mu.Unlock()
}

// Stop takes e out of its heap. It reports whether it did: false when e's
// deadline has come (Expire has run or is about to) or e was never added.
func (e *Entry) Stop() bool {
	h := e.heap
	if h == nil {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if e.pos == 0 {
		return false
	}
	h.remove(e.pos - 1)
	return true
}

func (h *Heap) now() int64 { return int64(time.Since(h.base)) }

// arm sets the timer for at. h.mu must be held.
func (h *Heap) arm(at, now int64) {
	h.when, h.armed = at, true
	d := time.Duration(at - now)
	if h.timer == nil {
		h.timer = time.AfterFunc(d, h.fire)
		return
	}
	h.timer.Reset(d)
}

// fire expires the entries whose deadline has come, and re-arms the timer
// for the earliest left. It takes at most a batch at a time: with more due,
// it re-arms for now, and the timer fires again at once.
func (h *Heap) fire() {
	var due [16]Expirer
	h.mu.Lock()
	h.armed = false
	now := h.now()
	n := 0
	for n < len(due) && len(h.items) > 0 && h.items[0].at <= now {
		due[n] = h.items[0].x
		h.remove(0)
		n++
	}
	if len(h.items) > 0 {
		h.arm(h.items[0].at, now)
	}
	h.mu.Unlock()
	for _, x := range due[:n] {
		x.Expire()
	}
}

func (h *Heap) push(e *Entry) {
	h.items = append(h.items, e)
	h.up(len(h.items) - 1)
}

// set puts e at index i.
func (h *Heap) set(i int, e *Entry) {
	h.items[i] = e
	e.pos = i + 1
}

// remove takes out the entry at index i.
func (h *Heap) remove(i int) {
	last := len(h.items) - 1
	e := h.items[i]
	if i != last {
		h.set(i, h.items[last])
	}
	h.items[last] = nil
	h.items = h.items[:last]
	e.pos = 0
	if c := cap(h.items); c > 1024 && last < c/4 { // give back what a burst grew
		h.items = append(make([]*Entry, 0, c/2), h.items...)
	}
	if i != last {
		if !h.down(i) {
			h.up(i)
		}
	}
}

func (h *Heap) up(i int) {
	e := h.items[i]
	for i > 0 {
		p := (i - 1) / 2
		if h.items[p].at <= e.at {
			break
		}
		h.set(i, h.items[p])
		i = p
	}
	h.set(i, e)
}

// down sifts the entry at i down, and reports whether it moved.
func (h *Heap) down(i int) bool {
	e, n, start := h.items[i], len(h.items), i
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h.items[r].at < h.items[c].at {
			c = r
		}
		if h.items[c].at >= e.at {
			break
		}
		h.set(i, h.items[c])
		i = c
	}
	h.set(i, e)
	return i != start
}
