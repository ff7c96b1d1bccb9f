package circuitbreaker

import "time"

// Metrics is a snapshot of a breaker, from [Breaker.Metrics]. The counts
// are those of the window of the last Closed or MetricsOnly period (in
// Open and HalfOpen, the window that opened the breaker; in Disabled,
// nothing).
type Metrics struct {
	State               State
	InState             time.Duration // how long the breaker has been in State
	Calls               int           // outcomes in the window
	Failures            int           // failed outcomes in the window
	SlowCalls           int           // slow outcomes in the window (failed or not)
	FailureRate         float64       // Failures / Calls; 0 without calls
	SlowCallRate        float64       // SlowCalls / Calls; 0 without calls
	ConsecutiveFailures int           // failures in a row at the end of the window
}

// Metrics returns a snapshot of the breaker. Counts taken while calls are
// being recorded may be off by those calls.
func (b *Breaker[R]) Metrics() Metrics {
	c := b.c
	c.state() // an Open breaker past its delay is HalfOpen
	now := c.now()
	c.mu.Lock()
	word, since, w := c.word.Load(), c.since, c.win.Load()
	c.mu.Unlock()
	t := w.fast(now)
	return Metrics{
		State:               stateOf(word),
		InState:             time.Duration(max(subSat(now, since), 0)),
		Calls:               int(t.calls),
		Failures:            int(t.failures),
		SlowCalls:           int(t.slow),
		FailureRate:         rate(int(t.failures), int(t.calls)),
		SlowCallRate:        rate(int(t.slow), int(t.calls)),
		ConsecutiveFailures: int(w.consec.Load()),
	}
}
