package hedge

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// samples is how many recent latencies the quantile is taken over.
	samples = 128
	// minSamples is how many latencies a policy needs before it hedges.
	minSamples = 20
	// recomputeEvery is how many new latencies refresh the delay.
	recomputeEvery = 8
)

// latencies keeps the latencies of recent first attempts in a ring and
// the delay derived from them. Recording is lock-free and allocates
// nothing; every recomputeEvery samples, one recorder sorts a copy of the
// ring on its stack. Concurrent recorders may make a recomputation read a
// slot one sample old: the delay is an estimate, not an exact quantile.
type latencies struct {
	quantile float64
	floor    time.Duration

	n     atomic.Uint64         // samples recorded so far
	ring  [samples]atomic.Int64 // sample i, in ns, is at ring[i%samples]
	delay atomic.Int64          // the derived delay in ns; 0 until minSamples samples

	mu sync.Mutex // held while recomputing delay, so that one goroutine does it
}

func (l *latencies) record(d time.Duration) {
	i := l.n.Add(1) - 1
	l.ring[i%samples].Store(int64(max(d, 0)))
	if n := i + 1; n == minSamples || n > minSamples && n%recomputeEvery == 0 {
		l.recompute(n)
	}
}

// recompute sets delay to the quantile of the first min(n, samples) slots,
// by nearest rank, and at least floor. When another goroutine is already
// recomputing it returns at once: the next refresh catches up.
func (l *latencies) recompute(n uint64) {
	if !l.mu.TryLock() {
		return
	}
	defer l.mu.Unlock()
	var buf [samples]int64
	s := buf[:min(n, samples)]
	for i := range s {
		s[i] = l.ring[i].Load()
	}
	slices.Sort(s)
	// The epsilon keeps float error from bumping an exact rank up by one
	// (0.95 × 20 must be rank 19).
	rank := int(math.Ceil(l.quantile*float64(len(s)) - 1e-9))
	rank = min(max(rank, 1), len(s))
	l.delay.Store(max(s[rank-1], int64(l.floor)))
}

// current returns the derived delay, and false while there are too few
// samples to derive one.
func (l *latencies) current() (time.Duration, bool) {
	d := l.delay.Load()
	return time.Duration(d), d > 0
}
