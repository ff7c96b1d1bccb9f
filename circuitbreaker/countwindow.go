package circuitbreaker

import "sync/atomic"

// countBias is added to every field of a count window's packed counts. Its
// counters are adjusted by differences that racing recorders may apply out
// of order, so a field can dip below its true value for a moment; the bias
// keeps such a dip from borrowing from the field above.
const countBias = 1 << (fieldBits - 1)

// A countWindow holds the last WindowSize outcomes: a ring of outcome codes
// and the packed, biased sums of its slots.
type countWindow struct {
	slots  []atomic.Uint32
	next   atomic.Uint64 // index of the next slot to write, in [0, len(slots))
	counts atomic.Uint64
}

func newCountWindow(size int) *countWindow {
	w := &countWindow{slots: make([]atomic.Uint32, size)}
	w.counts.Store(countBias | countBias<<failsShift | countBias<<slowShift)
	return w
}

// record adds one outcome in place of the oldest. It reports whether the
// counts changed: a slot that already held the same outcome (the common
// case, a success over a success) changes nothing.
func (w *countWindow) record(code uint32) bool {
	slot := &w.slots[w.claim()]
	// A plain load first: the swap's locked write is needed only when the
	// outcome differs. A racing writer of the same slot (the ring wrapped
	// under concurrency) adjusts the counts by what it found.
	if slot.Load() == code {
		return false
	}
	if old := slot.Swap(code); old != code {
		w.counts.Add(vec(code) - vec(old))
		return true
	}
	return false
}

// claim returns the index of the next slot to write and moves the cursor
// on, wrapping it in place (a compare-and-swap rather than an add, which
// would need a division by the ring's length per call).
func (w *countWindow) claim() uint64 {
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

// fast returns the totals from the packed counts.
func (w *countWindow) fast() totals {
	return unpack(w.counts.Load(), countBias)
}

// exact returns the totals from the slots: what the ring holds rather than
// what the counts, perhaps behind a racing recorder, say.
func (w *countWindow) exact() totals {
	var t totals
	for i := range w.slots {
		t.add(w.slots[i].Load())
	}
	return t
}
