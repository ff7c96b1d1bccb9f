package httpx

import (
	"fmt"

	"github.com/go-resilience/resilience/circuitbreaker"
)

// A Strategy says in which order a [Failover] tries its endpoints. Whatever
// the strategy picks first, the others follow in configuration order
// (wrapping around) until one answers.
type Strategy int

// The strategies of a Failover.
const (
	// Ordered always starts with the first endpoint: a primary with backups
	// tried in turn, like a chain of responsibility.
	Ordered Strategy = iota
	// RoundRobin starts each request at the endpoint after the one the
	// previous request started at.
	RoundRobin
	// Weighted spreads requests in proportion to the endpoints' Weight with
	// smooth weighted round robin (as nginx does: weights 5, 1, 1 give
	// a a b a c a a, not a a a a a b c), over the endpoints that are
	// healthy and whose breaker is not open.
	Weighted
	// LeastInFlight starts at the available endpoint with the fewest
	// requests in flight (headers sent, body not yet closed); ties go round
	// robin.
	LeastInFlight
)

var strategyNames = [...]string{"ordered", "round-robin", "weighted", "least-in-flight"}

// String returns the strategy's name, e.g. "round-robin".
func (s Strategy) String() string {
	if s >= 0 && int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return fmt.Sprintf("Strategy(%d)", int(s))
}

// foStackEndpoints is how many endpoints a request orders without
// allocating.
const foStackEndpoints = 16

// order appends to dst the indices of f's endpoints in the order one
// request tries them: the one the strategy picks, then the others in
// configuration order, wrapping around.
func (f *Failover) order(dst []int) []int {
	n := len(f.eps)
	first := 0
	switch f.strategy {
	case RoundRobin:
		first = int((f.cursor.Add(1) - 1) % uint64(n))
	case Weighted:
		first = f.pickWeighted()
	case LeastInFlight:
		first = f.pickLeastInFlight()
	}
	for k := range n {
		dst = append(dst, (first+k)%n)
	}
	return dst
}

// usable reports whether e may be tried now: its breaker is not open
// (half-open is: the breaker admits its trials itself) and it is healthy,
// or no endpoint is (health is then ignored).
func (f *Failover) usable(e *foEndpoint) bool {
	switch e.breaker.State() {
	case circuitbreaker.Open, circuitbreaker.ForcedOpen:
		return false
	}
	return f.healthOK(e)
}

// healthOK reports whether e's health lets a request use it: it passes its
// health check, or no endpoint does.
func (f *Failover) healthOK(e *foEndpoint) bool {
	return e.healthy.Load() || f.healthy.Load() == 0
}

// usableSet fills dst (len(dst) == len(f.eps)) with usable(e) for every
// endpoint and reports whether any is usable. It runs before f.mu is
// taken: State may run the breaker's hooks.
func (f *Failover) usableSet(dst []bool) bool {
	found := false
	for i, e := range f.eps {
		dst[i] = f.usable(e)
		found = found || dst[i]
	}
	return found
}

func (f *Failover) boolBuf(buf *[foStackEndpoints]bool) []bool {
	if len(f.eps) <= len(buf) {
		return buf[:len(f.eps)]
	}
	return make([]bool, len(f.eps))
}

// pickWeighted returns the endpoint smooth weighted round robin picks
// among the usable ones (among all when none is): each candidate's current
// weight grows by its weight, the largest wins and gives back the total.
func (f *Failover) pickWeighted() int {
	var buf [foStackEndpoints]bool
	ok := f.boolBuf(&buf)
	if !f.usableSet(ok) {
		for i := range ok {
			ok[i] = true
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	best, total := -1, int64(0)
	for i, e := range f.eps {
		if !ok[i] {
			continue
		}
		e.current += e.weight
		total += e.weight
		if best < 0 || e.current > f.eps[best].current {
			best = i
		}
	}
	f.eps[best].current -= total
	return best
}

// pickLeastInFlight returns the usable endpoint with the fewest requests
// in flight (among all when none is usable), scanning from a rotating
// start so that ties are shared round robin.
func (f *Failover) pickLeastInFlight() int {
	var buf [foStackEndpoints]bool
	ok := f.boolBuf(&buf)
	if !f.usableSet(ok) {
		for i := range ok {
			ok[i] = true
		}
	}
	n := len(f.eps)
	start := int((f.cursor.Add(1) - 1) % uint64(n))
	best, least := -1, int64(0)
	for k := range n {
		i := (start + k) % n
		if !ok[i] {
			continue
		}
		if in := f.eps[i].inFlight.Load(); best < 0 || in < least {
			best, least = i, in
		}
	}
	return best
}
