package budget

import (
	"context"
	"math"
	"math/bits"
	"sync"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/internal/monoclock"
)

// scale is the fixed-point unit of Percent: the allowance is computed in
// integers so that float rounding never decides a boundary (0.57 × 100
// requests allows 57 extra attempts, not 56).
const scale = 1_000_000_000

// A Budget caps the extra attempts (retries and hedges) of every execution
// that shares it to a share of recent requests, with a floor, so that a
// failing dependency is not hit by a retry storm. It implements
// resilience.Budget: give the same *Budget to the Config.Budget of retry
// and hedge policies, which call RecordRequest once per execution and
// AllowRetry before each extra attempt.
//
// Build one with New. A Budget is safe for concurrent use by multiple
// goroutines; each method takes one short mutex and allocates nothing.
type Budget struct {
	name      string
	observer  resilience.Observer
	clock     monoclock.Clock
	ppb       uint64        // Percent in parts per scale
	floor     uint64        // extra attempts every window allows
	width     time.Duration // of one bucket
	exceeded  ExceededError // what AllowRetry returns on refusal
	exceedMsg string        // exceeded.Error()

	mu    sync.Mutex       // guards the fields below
	ring  [buckets]counter // ring[i % buckets] counts bucket i
	head  int64            // index of the newest bucket, in widths since epoch
	total counter          // the sum of ring
}

// counter counts the events of one bucket, or of the whole window.
type counter struct {
	requests, retries, refused uint64
}

func (c *counter) sub(o counter) {
	c.requests -= o.requests
	c.retries -= o.retries
	c.refused -= o.refused
}

// New returns a Budget for cfg. It panics with the error of cfg.Validate
// if cfg is invalid; call Validate first for configs read at run time.
func New(cfg Config) *Budget {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	pct := cfg.Percent
	if pct == 0 {
		pct = DefaultPercent
	}
	perSecond := cfg.MinPerSecond
	switch perSecond {
	case 0:
		perSecond = DefaultMinPerSecond
	case NoFloor:
		perSecond = 0
	}
	window := cfg.Window
	if window == 0 {
		window = DefaultWindow
	}
	b := &Budget{
		name:     cfg.Name,
		observer: cfg.Observer,
		ppb:      uint64(math.Round(pct * scale)),
		floor:    uint64(min(math.Floor(perSecond*window.Seconds()), math.MaxInt64)),
		width:    window / buckets,
	}
	b.clock = monoclock.New(cfg.Clock) // its start is the start of bucket 0
	b.exceeded.b = b
	b.exceedMsg = ErrExceeded.Error()
	if b.name != "" {
		b.exceedMsg = "budget: " + b.name + ": exceeded"
	}
	return b
}

// RecordRequest records one request: an execution's first attempt, which
// the budget never refuses. Each raises the allowance by Percent.
func (b *Budget) RecordRequest() {
	now := b.clock.Elapsed()
	b.mu.Lock()
	b.advance(now)
	b.ring[b.head%buckets].requests++
	b.total.requests++
	b.mu.Unlock()
}

// AllowRetry spends one extra attempt and returns nil if the window has
// room: fewer extra attempts than the larger of the floor and
// Percent × requests. Otherwise it spends nothing and returns an
// *ExceededError, which matches ErrExceeded and estimates when to ask
// again.
func (b *Budget) AllowRetry() error {
	now := b.clock.Elapsed()
	b.mu.Lock()
	b.advance(now)
	cur := &b.ring[b.head%buckets]
	if b.total.retries < b.allowance(b.total.requests) {
		cur.retries++
		b.total.retries++
		b.mu.Unlock()
		return nil
	}
	cur.refused++
	b.total.refused++
	b.mu.Unlock()
	if resilience.Observing(b.observer) {
		resilience.Emit(context.Background(), b.observer, resilience.Event{
			Policy: "budget", Name: b.name, Kind: resilience.EventRejected, Err: &b.exceeded,
		})
	}
	return &b.exceeded
}

// Metrics is a snapshot of a Budget's window.
type Metrics struct {
	Requests  int // requests recorded in the window
	Retries   int // extra attempts allowed in the window
	Refused   int // extra attempts refused in the window
	Allowance int // extra attempts the window allows in all: max(floor, Percent × Requests)
	Remaining int // Allowance - Retries, or 0 when aging requests shrank Allowance below Retries
}

// Metrics returns the counts of the current window.
func (b *Budget) Metrics() Metrics {
	now := b.clock.Elapsed()
	b.mu.Lock()
	b.advance(now)
	t := b.total
	allowance := b.allowance(t.requests)
	b.mu.Unlock()
	m := Metrics{
		Requests:  int(t.requests),
		Retries:   int(t.retries),
		Refused:   int(t.refused),
		Allowance: int(min(allowance, math.MaxInt64)),
	}
	m.Remaining = max(m.Allowance-m.Retries, 0)
	return m
}

// allowance returns the extra attempts a window with this many requests
// allows: the larger of the floor and Percent × requests, rounded down.
func (b *Budget) allowance(requests uint64) uint64 {
	// Percent <= 1 keeps ppb <= scale, so hi < scale and Div64 cannot
	// overflow.
	hi, lo := bits.Mul64(requests, b.ppb)
	q, _ := bits.Div64(hi, lo, scale)
	return max(q, b.floor)
}

// advance moves the window to now, emptying the buckets that aged out.
// A time before the newest bucket (callers race to the lock, or a mock
// clock went back) counts in the newest bucket. It requires b.mu held.
func (b *Budget) advance(now time.Duration) {
	idx := int64(now / b.width)
	if idx <= b.head {
		return
	}
	for i := b.head + 1; i <= idx && i <= b.head+buckets; i++ {
		c := &b.ring[i%buckets]
		b.total.sub(*c)
		*c = counter{}
	}
	b.head = idx
}

// retryAfter estimates how long from now until aging alone gives the
// window room for one extra attempt: 0 if it has room now or if only new
// requests can make room (no floor). It requires b.mu held and the window
// advanced to now.
func (b *Budget) retryAfter(now time.Duration) time.Duration {
	t := b.total
	if t.retries < b.allowance(t.requests) {
		return 0
	}
	// After k more bucket widths, buckets head-buckets+1 .. head-buckets+k
	// have aged out.
	for k := int64(1); k <= buckets; k++ {
		if i := b.head - buckets + k; i >= 0 {
			t.sub(b.ring[i%buckets])
		}
		if t.retries < b.allowance(t.requests) {
			return b.untilBucket(k, now)
		}
	}
	return 0
}

// untilBucket returns how long from now until bucket head+k begins, or
// the longest Duration if that is further away than a Duration holds (a
// clock set back centuries). Written so that no step overflows: head ×
// width is at most the latest reading and k × width at most Window.
func (b *Budget) untilBucket(k int64, now time.Duration) time.Duration {
	began := time.Duration(b.head) * b.width // the newest bucket
	ahead := time.Duration(k) * b.width
	if now >= began {
		return max(ahead-(now-began), 0)
	}
	// The clock went back: it must also make up for that.
	if behind := began - now; behind > 0 && behind <= math.MaxInt64-ahead {
		return ahead + behind
	}
	return math.MaxInt64
}
