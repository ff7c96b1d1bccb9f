package circuitbreaker_test

import (
	"time"

	"github.com/go-resilience/resilience/circuitbreaker"
)

// This file checks the breaker against a reference model: a plain,
// single-threaded description of the state machine, with the window kept as
// a list of outcomes. Random sequences of admissions, outcomes (completed
// in any order, so calls overlap and straddle changes of state), caller
// cancellations, panics, manual changes and clock moves drive both, and
// after every step their states, windows, rejections and announced changes
// must agree.
//
// Run with CB_MODEL_SEED=<seed> to replay a logged seed.

type modelRate struct {
	f        float64
	num, den int64 // the exact rate f stands for
}

var modelRates = []modelRate{{0.5, 1, 2}, {0.3, 3, 10}, {0.7, 7, 10}, {1.0 / 3, 1, 3}, {0.25, 1, 4}, {1, 1, 1}, {0.1, 1, 10}}

type modelOutcome struct {
	epoch        int64
	failed, slow bool
}

type modelPermit struct {
	gen   int
	state circuitbreaker.State
	start time.Duration
	real  circuitbreaker.Permit[int]
}

type model struct {
	// configuration
	windowSize    int   // count window; 0 for a time window
	width         int64 // time window's bucket span
	minCalls      int
	fail, slowR   modelRate
	slowCall      time.Duration
	consecLimit   int
	rateOff       bool // FailureRate: RateOff
	openDelay     time.Duration
	backoff       func(n int, prev time.Duration) time.Duration // nil = openDelay
	halfOpenCalls int
	halfOpenWait  time.Duration // 0 = no limit

	// state
	state             circuitbreaker.State
	gen               int
	since, until      time.Duration
	openings          int
	lastDelay         time.Duration
	trials, successes int
	outs              []modelOutcome
	consec            int
	changes           []string
}

func (m *model) epoch(now time.Duration) int64 {
	if m.width == 0 {
		return 0
	}
	return int64(now) / m.width
}

// window returns the outcomes the window holds at now.
func (m *model) window(now time.Duration) []modelOutcome {
	if m.width == 0 {
		return m.outs
	}
	e := m.epoch(now)
	var in []modelOutcome
	for _, o := range m.outs {
		if o.epoch > e-10 {
			in = append(in, o)
		}
	}
	m.outs = in
	return in
}

func (m *model) totals(now time.Duration) (calls, failures, slow int) {
	for _, o := range m.window(now) {
		calls++
		if o.failed {
			failures++
		}
		if o.slow {
			slow++
		}
	}
	return
}

func (m *model) tripped(now time.Duration) bool {
	if m.consecLimit > 0 && m.consec >= m.consecLimit {
		return true
	}
	calls, failures, slow := m.totals(now)
	if calls < m.minCalls {
		return false
	}
	return !m.rateOff && int64(failures)*m.fail.den >= int64(calls)*m.fail.num ||
		m.slowCall > 0 && int64(slow)*m.slowR.den >= int64(calls)*m.slowR.num
}

func (m *model) move(to circuitbreaker.State, now, delay time.Duration) {
	from := m.state
	m.gen++
	switch to {
	case circuitbreaker.Closed, circuitbreaker.MetricsOnly, circuitbreaker.Disabled:
		m.openings, m.lastDelay = 0, 0
		m.outs, m.consec = nil, 0
	case circuitbreaker.Open:
		m.openings++
		m.lastDelay = delay
		m.until = now + delay
	}
	m.trials, m.successes = 0, 0
	m.since = now
	m.state = to
	if from != to {
		m.changes = append(m.changes, from.String()+">"+to.String())
	}
}

func (m *model) nextDelay(fromOutcome time.Duration) time.Duration {
	switch {
	case fromOutcome > 0:
		return fromOutcome
	case m.backoff != nil:
		return max(m.backoff(m.openings+1, m.lastDelay), 0)
	}
	return m.openDelay
}

// expire moves an Open breaker whose delay has passed to HalfOpen, and a
// HalfOpen one that has waited halfOpenWait back to Open, as often as the
// time allows.
func (m *model) expire(now time.Duration) {
	for {
		switch {
		case m.state == circuitbreaker.Open && now >= m.until:
			m.move(circuitbreaker.HalfOpen, now, 0)
		case m.state == circuitbreaker.HalfOpen && m.halfOpenWait > 0 && now-m.since >= m.halfOpenWait:
			m.move(circuitbreaker.Open, now, m.nextDelay(0))
		default:
			return
		}
	}
}

// allow returns whether a call is admitted and, if not, the rejection's
// state and RetryAfter.
func (m *model) allow(now time.Duration) (ok bool, state circuitbreaker.State, retry time.Duration) {
	m.expire(now)
	switch m.state {
	case circuitbreaker.Open:
		return false, m.state, m.until - now
	case circuitbreaker.HalfOpen:
		if m.trials < m.halfOpenCalls {
			m.trials++
			return true, 0, 0
		}
		return false, m.state, 0
	case circuitbreaker.ForcedOpen:
		return false, m.state, m.openDelay
	}
	return true, 0, 0
}

func (m *model) done(p *modelPermit, failed bool, delayFromOutcome, now time.Duration) {
	if p.state == circuitbreaker.Disabled || p.gen != m.gen {
		return
	}
	slow := m.slowCall > 0 && now-p.start >= m.slowCall
	switch p.state {
	case circuitbreaker.Closed, circuitbreaker.MetricsOnly:
		m.outs = append(m.outs, modelOutcome{epoch: m.epoch(now), failed: failed, slow: slow})
		if m.windowSize > 0 && len(m.outs) > m.windowSize {
			m.outs = m.outs[1:]
		}
		if failed {
			m.consec++
		} else {
			m.consec = 0
		}
		if p.state == circuitbreaker.Closed && m.tripped(now) {
			m.move(circuitbreaker.Open, now, m.nextDelay(delayFromOutcome))
		}
	case circuitbreaker.HalfOpen:
		if failed || slow {
			m.move(circuitbreaker.Open, now, m.nextDelay(delayFromOutcome))
			return
		}
		m.successes++
		if m.successes >= m.halfOpenCalls {
			m.move(circuitbreaker.Closed, now, 0)
		}
	}
}

func (m *model) cancel(p *modelPermit) {
	if p.state == circuitbreaker.HalfOpen && p.gen == m.gen && m.trials > m.successes {
		m.trials--
	}
}

func (m *model) force(to circuitbreaker.State, now time.Duration) {
	if m.state != to || to == circuitbreaker.Closed {
		m.move(to, now, 0)
	}
}
