package circuitbreaker

import "sync/atomic"

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
// state (or none, for Disabled): the last WindowSize outcomes (a
// countWindow) or those of the last WindowPeriod (a timeWindow),
// exactly one of the two, and the run of failures that ends them. A new
// period gets a new window, so that a recorder still holding the old one
// cannot touch the new one's counts.
//
// A pair of pointers rather than an interface, and core.settle picks the
// kind itself: a count window's record is then the closed path's one call.
// A record method of window that picked it would be a second call (5 of a
// closed call's ~265 instructions, measured), an interface's a dynamic one.
//
// All methods are safe for concurrent use and, but for a time window's
// advance, lock-free.
type window struct {
	owner  uint64       // the state word of the period the window belongs to
	consec atomic.Int64 // failures in a row
	count  *countWindow // nil for a time window
	time   *timeWindow  // nil for a count window
}

// newWindow returns the window of the period of state word owner: a time
// window of buckets width nanoseconds wide, starting at now, if width > 0,
// and otherwise a count window of size outcomes.
func newWindow(owner uint64, size int, width, now int64) *window {
	w := &window{owner: owner}
	if width > 0 {
		w.time = newTimeWindow(width, now)
	} else {
		w.count = newCountWindow(size)
	}
	return w
}

// streak counts outcome code in the run of failures: one more, or none.
func (w *window) streak(code uint32) {
	if code&codeFailed != 0 {
		w.consec.Add(1)
	} else if w.consec.Load() != 0 {
		w.consec.Store(0)
	}
}

// fast returns the window's totals at now from its counters, lock-free.
func (w *window) fast(now int64) totals {
	if w.count != nil {
		return w.count.fast()
	}
	return w.time.sum(now)
}

// exact returns the window's totals at now as it holds them rather than as
// its counters, perhaps behind a racing recorder, say.
func (w *window) exact(now int64) totals {
	if w.count != nil {
		return w.count.exact()
	}
	return w.time.sum(now)
}
