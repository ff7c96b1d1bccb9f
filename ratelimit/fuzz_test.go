package ratelimit_test

import (
	"testing"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience/ratelimit"
)

// manualClock is a clock.Clock whose Now is set by hand, without the
// real-time pauses of clock.Mock; only Now is implemented, which is all
// Allow and Reserve read. Not resiliencetest.Clock: the fuzzer sets the
// time by hand at every step, and a limiter that started a timer should
// panic on the nil clock.Clock, not wait.
type manualClock struct {
	clock.Clock
	now time.Time
}

func (c *manualClock) Now() time.Time { return c.now }

// FuzzAllow drives a limiter through arbitrary steps of time and checks
// the token bucket's promises: never more than Burst + elapsed/interval
// permits, and a refused call's RetryAfter is exact: one nanosecond less
// is still refused, RetryAfter later is admitted.
func FuzzAllow(f *testing.F) {
	f.Add(uint16(3), uint16(1000), uint8(0), []byte{0, 0, 1, 200, 3, 255, 0, 0})
	f.Add(uint16(10), uint16(1), uint8(5), []byte{0, 0, 0, 0, 0, 0, 0, 9, 9, 9})
	f.Add(uint16(7), uint16(3), uint8(2), []byte{17, 0, 250, 1, 1, 1, 64})
	f.Fuzz(func(t *testing.T, rate, periodMs uint16, burst uint8, steps []byte) {
		cfg := ratelimit.Config{Rate: int(rate), Period: time.Duration(periodMs) * time.Millisecond, Burst: int(burst)}
		if cfg.Validate() != nil {
			return
		}
		clk := &manualClock{now: time.Unix(0, 0)}
		cfg.Clock = clk
		l := ratelimit.New[int](cfg)
		interval := l.Interval()
		capacity := int64(max(burst, 1))

		var elapsed time.Duration
		var admitted int64
		advance := func(d time.Duration) {
			clk.now = clk.now.Add(d)
			elapsed += d
		}
		for _, s := range steps {
			advance(interval * time.Duration(s) / 16) // steps of 1/16 interval
			r, err := l.Reserve()                     // MaxWait 0: admits only a token there now
			if err == nil {
				if d := r.Delay(); d != 0 {
					t.Fatalf("at %v: admitted with Delay() = %v, want 0", elapsed, d)
				}
				admitted++
				if bound := capacity + int64(elapsed/interval); admitted > bound {
					t.Fatalf("at %v: %d admitted, want <= %d (Burst %d + elapsed/%v)", elapsed, admitted, bound, capacity, interval)
				}
				continue
			}
			ex, ok := err.(*ratelimit.ExceededError)
			if !ok || ex.RetryAfter() <= 0 {
				t.Fatalf("at %v: Reserve() = %v, want an *ExceededError with RetryAfter > 0", elapsed, err)
			}
			advance(ex.RetryAfter() - 1)
			if l.Allow() {
				t.Fatalf("at %v: admitted 1ns before RetryAfter %v", elapsed, ex.RetryAfter())
			}
			advance(1)
			if !l.Allow() {
				t.Fatalf("at %v: refused at RetryAfter %v", elapsed, ex.RetryAfter())
			}
			admitted++
		}
	})
}
