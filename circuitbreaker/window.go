package circuitbreaker

import (
	"math"
	"sync"
	"sync/atomic"
)

// An outcome code, as recorded in a window: bit flags.
const (
	codeRecorded uint32 = 1 << iota // the slot holds an outcome
	codeFailed
	codeSlow
)

// Window counts are packed into one uint64, three 21-bit fields, so that one
// atomic add updates them together and one load reads a consistent triple.
const (
	fieldBits  = 21
	fieldMask  = 1<<fieldBits - 1
	failsShift = fieldBits
	slowShift  = 2 * fieldBits

	// countBias is added to every field of a count window. Its counters are
	// adjusted by differences that racing recorders may apply out of order,
	// so a field can dip below its true value for a moment; the bias keeps
	// such a dip from borrowing from the field above.
	countBias = 1 << (fieldBits - 1)

	// maxBucketCalls caps the calls of one time bucket. Past it, outcomes of
	// that bucket are dropped: the bucket keeps a sample, and the fields
	// cannot overflow.
	maxBucketCalls = 1 << (fieldBits - 1)

	// timeBuckets is the number of buckets of a time window.
	timeBuckets = 10
)

// vec returns the packed increments for an outcome code.
func vec(code uint32) uint64 {
	var v uint64
	if code&codeRecorded != 0 {
		v++
	}
	if code&codeFailed != 0 {
		v += 1 << failsShift
	}
	if code&codeSlow != 0 {
		v += 1 << slowShift
	}
	return v
}

// totals are the counts of a window. From the lock-free counters they may be
// off by the outcomes being recorded at that moment; never below 0 and never
// failures or slow calls above calls.
type totals struct{ calls, failures, slow int64 }

func unpack(v, bias uint64) totals {
	t := totals{
		calls:    int64(v&fieldMask) - int64(bias),
		failures: int64(v>>failsShift&fieldMask) - int64(bias),
		slow:     int64(v>>slowShift&fieldMask) - int64(bias),
	}
	return t.clamp()
}

func (t totals) clamp() totals {
	t.calls = max(t.calls, 0)
	t.failures = min(max(t.failures, 0), t.calls)
	t.slow = min(max(t.slow, 0), t.calls)
	return t
}

func (t *totals) add(code uint32) {
	if code&codeRecorded == 0 {
		return
	}
	t.calls++
	if code&codeFailed != 0 {
		t.failures++
	}
	if code&codeSlow != 0 {
		t.slow++
	}
}

// A window holds the outcomes of one period of a Closed or MetricsOnly
// state (or none, for Disabled). A new period gets a new window, so that a
// recorder still holding the old one cannot touch the new one's counts.
//
// All methods are safe for concurrent use and, but for advance, lock-free.
type window struct {
	owner  uint64       // the state word of the period the window belongs to
	consec atomic.Int64 // failures in a row

	// Count window: a ring of outcome codes and the packed, biased sums of
	// its slots.
	slots  []atomic.Uint32
	next   atomic.Uint64 // index of the next slot to write, in [0, len(slots))
	counts atomic.Uint64

	// Time window: timeBuckets packed (unbiased) counts. Bucket e%timeBuckets
	// holds the outcomes whose time, in bucket widths, is e.
	buckets [timeBuckets]atomic.Uint64
	width   int64        // a bucket's span in nanoseconds; 0 for a count window
	head    atomic.Int64 // the newest bucket's epoch
	lastBad atomic.Int64 // the newest epoch with a failure or slow call; math.MinInt64 for none
	ageMu   sync.Mutex   // serialises advance; taken once per bucket span at most
}

func newCountWindow(owner uint64, size int) *window {
	w := &window{owner: owner, slots: make([]atomic.Uint32, size)}
	w.counts.Store(countBias | countBias<<failsShift | countBias<<slowShift)
	return w
}

func newTimeWindow(owner uint64, width, now int64) *window {
	w := &window{owner: owner, width: width}
	w.head.Store(w.epoch(now))
	w.lastBad.Store(math.MinInt64)
	return w
}

// record adds one outcome recorded at now (nanoseconds on the breaker's
// clock; unused by a count window). It reports whether the outcome may
// have tripped the window: a count window whose slot already held the same
// outcome (the common case, a success over a success) changes nothing; a
// success added to a time window that holds no failure and no slow call
// lowers every rate.
func (w *window) record(code uint32, now int64) bool {
	if code&codeFailed != 0 {
		w.consec.Add(1)
	} else if w.consec.Load() != 0 {
		w.consec.Store(0)
	}
	if w.width == 0 {
		slot := &w.slots[w.claim()]
		// A plain load first: the swap's locked write is needed only when
		// the outcome differs. A racing writer of the same slot (the ring
		// wrapped under concurrency) adjusts the counts by what it found.
		if slot.Load() == code {
			return false
		}
		if old := slot.Swap(code); old != code {
			w.counts.Add(vec(code) - vec(old))
			return true
		}
		return false
	}
	e := w.epoch(now)
	switch h := w.head.Load(); {
	case e > h:
		w.advance(e)
	case e < h:
		// A time before the newest bucket (a recorder that lost a race to
		// advance, or a clock that went back) counts in the newest bucket:
		// a clock set back by more than the window must not blind it.
		e = h
	}
	b := &w.buckets[e%timeBuckets]
	if v := vec(code); b.Add(v)&fieldMask > maxBucketCalls {
		b.Add(-v)
	}
	if code&(codeFailed|codeSlow) != 0 {
		// After the add: a success that finds lastBad older than this has
		// its call counted by the sum this outcome's caller takes next.
		for old := w.lastBad.Load(); old < e && !w.lastBad.CompareAndSwap(old, e); old = w.lastBad.Load() {
		}
		return true
	}
	return w.lastBad.Load() > e-timeBuckets // a failure or slow call is in the window
}

// claim returns the index of the next slot of a count window to write and
// moves the cursor on, wrapping it in place (a compare-and-swap rather
// than an add, which would need a division by the ring's length per call).
func (w *window) claim() uint64 {
	n := uint64(len(w.slots))
	for {
		i := w.next.Load()
		j := i + 1
		if j == n {
			j = 0
		}
		if w.next.CompareAndSwap(i, j) {
			return i
		}
	}
}

// fast returns the window's totals at now from its counters, lock-free.
func (w *window) fast(now int64) totals {
	if w.width == 0 {
		return unpack(w.counts.Load(), countBias)
	}
	return w.sum(now)
}

// exact returns the window's totals at now from its slots: what the ring
// holds rather than what the counters, perhaps behind a racing recorder,
// say. For a time window it is fast.
func (w *window) exact(now int64) totals {
	if w.width == 0 {
		var t totals
		for i := range w.slots {
			t.add(w.slots[i].Load())
		}
		return t
	}
	return w.sum(now)
}

func (w *window) sum(now int64) totals {
	if e := w.epoch(now); e > w.head.Load() {
		w.advance(e)
	}
	var t totals
	for i := range w.buckets {
		v := w.buckets[i].Load()
		t.calls += int64(v & fieldMask)
		t.failures += int64(v >> failsShift & fieldMask)
		t.slow += int64(v >> slowShift & fieldMask)
	}
	return t.clamp()
}

// epoch returns the bucket epoch of time now.
func (w *window) epoch(now int64) int64 {
	return max(now, 0) / w.width
}

// advance makes e the newest bucket epoch, emptying the buckets of the
// epochs it ages out. A recorder that read the old head and adds after this
// lands in a newer bucket than its own: its outcome is counted at a time
// within its recording, never lost and never counted twice.
func (w *window) advance(e int64) {
	w.ageMu.Lock()
	defer w.ageMu.Unlock()
	h := w.head.Load()
	if e <= h {
		return
	}
	for x := max(h+1, e-timeBuckets+1); x <= e; x++ {
		w.buckets[x%timeBuckets].Store(0)
	}
	w.head.Store(e)
}
