package ratelimit_test

import (
	"math"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/ratelimit"
)

const year = 365 * 24 * time.Hour

// TestTokensDueBeyondTheClockAreRefused books tokens a century apart with
// a MaxWait of 250 years: the third would leave the next due past the
// last instant a time.Duration can tell (about 292 years after New), so
// it and every later one is refused, never granted early.
func TestTokensDueBeyondTheClockAreRefused(t *testing.T) {
	clk := &manualClock{now: time.Unix(0, 0)}
	l := ratelimit.New[int](ratelimit.Config{Rate: 1, Period: 100 * year, MaxWait: 250 * year, Clock: clk})
	for i := range 2 {
		r, err := l.Reserve()
		require.NoError(t, err, "reservation %d", i+1)
		assert.Equal(t, time.Duration(i)*100*year, r.Delay(), "reservation %d: Delay()", i+1)
	}
	for i := 2; i < 6; i++ {
		r, err := l.Reserve()
		assert.ErrorIs(t, err, ratelimit.ErrExceeded, "reservation %d: Reserve() = %+v, %v", i+1, r, err)
		assert.False(t, l.Allow(), "Allow() after reservation %d", i+1)
	}
}

// TestClockSetBackFarAdmitsNothing sets the clock back 250 years after a
// token a century long was spent: however far back the clock goes, the
// bucket stays empty.
func TestClockSetBackFarAdmitsNothing(t *testing.T) {
	clk := &manualClock{now: time.Unix(0, 0)}
	l := ratelimit.New[int](ratelimit.Config{Rate: 1, Period: 100 * year, Clock: clk})
	require.True(t, l.Allow(), "the first call of a full bucket")
	clk.now = clk.now.Add(-250 * year)
	for i := range 3 {
		assert.False(t, l.Allow(), "Allow() %d after the clock went back 250 years", i+1)
	}
	clk.now = clk.now.Add(250 * year).Add(100*year - 1)
	assert.False(t, l.Allow(), "Allow() a nanosecond before the token is back")
	clk.now = clk.now.Add(1)
	assert.True(t, l.Allow(), "Allow() once the token is back")
}

// FuzzAdmittedWithinRate checks the limiter's promise for any valid
// config, at any scale, and any forward steps of time: in every span of
// time [a, b] between two admissions, at most Burst + Rate*(b-a)/Period
// calls are admitted, Reservations counted at the time they are due.
func FuzzAdmittedWithinRate(f *testing.F) {
	f.Add(int64(1), int64(math.MaxInt64), uint16(0), int64(0), []byte{1, 1, 2, 3})
	f.Add(int64(1), int64(100*year), uint16(0), int64(250*year), []byte{0x80, 0x80, 0x80, 0x80, 0x80})
	f.Add(int64(3), int64(time.Second), uint16(2), int64(time.Second), []byte{0, 0, 0, 9, 9, 130, 5, 250})
	f.Add(int64(1e9), int64(0), uint16(65535), int64(0), []byte{7, 7, 7, 7})
	f.Fuzz(func(t *testing.T, rate, period int64, burst uint16, maxWait int64, steps []byte) {
		cfg := ratelimit.Config{Rate: int(rate), Period: time.Duration(period), Burst: int(burst), MaxWait: time.Duration(maxWait)}
		if cfg.Validate() != nil || len(steps) > 64 {
			return
		}
		start := time.Unix(0, 0)
		clk := &manualClock{now: start}
		cfg.Clock = clk
		l := ratelimit.New[int](cfg)
		interval := l.Interval()
		per := cfg.Period
		if per == 0 {
			per = time.Second
		}

		var admitted []time.Duration // due times, since start
		var last *ratelimit.Reservation
		for _, s := range steps {
			// The low bits pick a move of the clock, from none to decades;
			// the top bits what to ask.
			moves := [...]time.Duration{0, 1, interval / 3, interval - 1, interval, 2 * interval, time.Hour, 30 * year}
			if d := moves[s&7]; clk.now.Sub(start) < time.Duration(math.MaxInt64)-d {
				clk.now = clk.now.Add(d)
			}
			now := clk.now.Sub(start)
			switch s >> 6 {
			case 0, 1:
				if l.Allow() {
					admitted = append(admitted, now)
				}
			case 2:
				if r, err := l.Reserve(); err == nil {
					admitted = append(admitted, now+r.Delay())
					last = &r
				}
			case 3:
				if last != nil && last.Cancel() {
					admitted = admitted[:len(admitted)-1] // the token went back: the latest booking
				}
				last = nil
			}
		}
		slices.Sort(admitted)
		capacity := big.NewInt(int64(max(burst, 1)))
		for i := range admitted {
			for j := i; j < len(admitted); j++ {
				// n admitted in [admitted[i], admitted[j]] <= Burst + Rate*span/Period.
				span := big.NewInt(int64(admitted[j] - admitted[i]))
				bound := span.Mul(span, big.NewInt(rate))
				bound.Div(bound, big.NewInt(int64(per)))
				bound.Add(bound, capacity)
				if n := big.NewInt(int64(j - i + 1)); n.Cmp(bound) > 0 {
					t.Fatalf("Rate %d, Period %v, Burst %d, MaxWait %v: %d admitted between %v and %v, want <= %v (Burst + Rate*span/Period)",
						rate, per, burst, cfg.MaxWait, j-i+1, admitted[i], admitted[j], bound)
				}
			}
		}
	})
}
