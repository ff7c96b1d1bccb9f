//go:build !race

package timerheap

import (
	"testing"
	"time"
)

// Queueing a deadline and taking it out again allocates nothing: the
// Entry lives in its owner's state and the heap's slice is already grown.
func TestAddStopAllocatesNothing(t *testing.T) {
	h := New()
	var e Entry
	at := time.Now().Add(time.Hour)
	x := expireFunc(func() {})
	h.Add(&e, at, x)
	e.Stop()
	if allocs := testing.AllocsPerRun(1000, func() {
		h.Add(&e, at, x)
		e.Stop()
	}); allocs != 0 {
		t.Errorf("Add and Stop allocate %v, want 0", allocs)
	}
}
