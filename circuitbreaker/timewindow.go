package circuitbreaker

import (
	"math"
	"sync"
	"sync/atomic"
)

const (
	// timeBuckets is the number of buckets of a time window.
	timeBuckets = 10

	// maxBucketCalls caps the calls of one time bucket. Past it, outcomes of
	// that bucket are dropped: the bucket keeps a sample, and the fields
	// cannot overflow.
	maxBucketCalls = 1 << (fieldBits - 1)
)

// A timeWindow holds the outcomes of the last WindowPeriod: timeBuckets
// packed (unbiased) counts. Bucket e%timeBuckets holds the outcomes whose
// time, in bucket widths, is e.
type timeWindow struct {
	buckets [timeBuckets]atomic.Uint64
	width   int64        // a bucket's span in nanoseconds, > 0
	head    atomic.Int64 // the newest bucket's epoch
	lastBad atomic.Int64 // the newest epoch with a failure or slow call; math.MinInt64 for none
	ageMu   sync.Mutex   // serialises advance; taken once per bucket span at most
}

func newTimeWindow(width, now int64) *timeWindow {
	w := &timeWindow{width: width}
	w.head.Store(w.epoch(now))
	w.lastBad.Store(math.MinInt64)
	return w
}

// record adds one outcome recorded at now. It reports whether the outcome
// may have tripped the window: a success added to a window that holds no
// failure and no slow call lowers every rate.
func (w *timeWindow) record(code uint32, now int64) bool {
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

// sum returns the totals of the buckets the window covers at now, first
// emptying those it has aged out. The buckets are the only record, so it
// is both the fast and the exact reading.
func (w *timeWindow) sum(now int64) totals {
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
func (w *timeWindow) epoch(now int64) int64 {
	return max(now, 0) / w.width
}

// advance makes e the newest bucket epoch, emptying the buckets of the
// epochs it ages out. A recorder that read the old head and adds after this
// lands in a newer bucket than its own: its outcome is counted at a time
// within its recording, never lost and never counted twice.
func (w *timeWindow) advance(e int64) {
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
