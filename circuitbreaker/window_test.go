package circuitbreaker_test

import (
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/circuitbreaker"
)

// TestRateBoundaryIsExact opens a breaker with k failures in a full window
// of n calls, for every k and n up to 40 and several rates, and checks the
// verdict against exact rational arithmetic: at the threshold it opens, one
// failure below it does not.
func TestRateBoundaryIsExact(t *testing.T) {
	rates := []struct {
		f        float64
		num, den int64 // the rate the float stands for
	}{
		{0.1, 1, 10},
		{0.3, 3, 10},
		{0.7, 7, 10},
		{0.5, 1, 2},
		{0.05, 1, 20},
		{0.9, 9, 10},
		{1.0 / 3, 1, 3},
		{2.0 / 3, 2, 3},
		{1.0 / 7, 1, 7},
		{0.35, 7, 20},
		{1, 1, 1},
	}
	for _, r := range rates {
		want := big.NewRat(r.num, r.den)
		for n := 1; n <= 40; n++ {
			for k := 0; k <= n; k++ {
				b := circuitbreaker.New(circuitbreaker.Config[int]{
					WindowSize: n, MinCalls: n, FailureRate: r.f, Clock: newMock(),
				})
				// Successes first, so that the window is full only at the last call.
				runAll(t, b, repeat('S', n-k)+repeat('F', k))
				opens := big.NewRat(int64(k), int64(n)).Cmp(want) >= 0
				got := b.State() == circuitbreaker.Open
				require.Equal(t, opens, got, "FailureRate %v: %d failures of %d: open = %v, want %v", r.f, k, n, got, opens)
			}
		}
	}
}

func TestRateBoundaryExamples(t *testing.T) {
	tests := []struct {
		rate        float64
		fails, size int
		open        bool
	}{
		{0.7, 7, 10, true},
		{0.7, 6, 10, false},
		{0.1, 1, 10, true}, // the float 0.1 is above 1/10: float division would say no
		{0.3, 3, 10, true},
		{0.3, 2, 10, false},
		{1.0 / 3, 1, 3, true},
		{1.0 / 3, 33, 100, false},
		{1.0 / 3, 34, 100, true},
		{1, 9, 10, false},
		{1, 10, 10, true},
	}
	for _, tt := range tests {
		b := circuitbreaker.New(circuitbreaker.Config[int]{
			WindowSize: tt.size, MinCalls: tt.size, FailureRate: tt.rate, Clock: newMock(),
		})
		runAll(t, b, repeat('S', tt.size-tt.fails)+repeat('F', tt.fails))
		assert.Equal(t, tt.open, b.State() == circuitbreaker.Open,
			"FailureRate %v, %d of %d failed: open = %v, want %v", tt.rate, tt.fails, tt.size, !tt.open, tt.open)
	}
}

func TestMinCallsGatesRates(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{WindowSize: 10, MinCalls: 5, Clock: newMock()})
	runAll(t, b, "FFFF")
	assert.Equal(t, circuitbreaker.Closed, b.State(), "4 failures of 4 calls with MinCalls 5")
	runAll(t, b, "S")
	assert.Equal(t, circuitbreaker.Open, b.State(), "4 failures of 5 calls with MinCalls 5")
}

func TestConsecutiveFailuresOpenBeforeMinCalls(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 3, Clock: newMock()})
	runAll(t, b, "FFSFF")
	assert.Equal(t, circuitbreaker.Closed, b.State(), "a success breaks the run: FFSFF")
	assert.Equal(t, 2, b.Metrics().ConsecutiveFailures)
	runAll(t, b, "F")
	assert.Equal(t, circuitbreaker.Open, b.State(), "3 failures in a row, 6 calls, MinCalls 20")
}

func TestSlowCallRule(t *testing.T) {
	clk := newMock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		WindowSize: 4, MinCalls: 4, SlowCallDuration: time.Second, SlowCallRate: 0.5, Clock: clk,
	})
	ctx := t.Context()
	_, err := b.Execute(ctx, slowFn(clk, time.Second-1, nil))
	require.NoError(t, err)
	_, err = b.Execute(ctx, slowFn(clk, time.Second, nil)) // exactly SlowCallDuration is slow
	require.NoError(t, err)
	runAll(t, b, "S")
	m := b.Metrics()
	assert.Equal(t, 3, m.Calls)
	assert.Equal(t, 1, m.SlowCalls, "calls of 1s-1ns, 1s and 0s: slow calls")
	assert.Zero(t, m.Failures, "slow successes are not failures")
	assert.InDelta(t, 1.0/3, m.SlowCallRate, 1e-12)
	_, err = b.Execute(ctx, slowFn(clk, 2*time.Second, nil))
	require.NoError(t, err)
	assert.Equal(t, circuitbreaker.Open, b.State(), "2 slow calls of 4 at SlowCallRate 0.5")
}

func TestSlowCallRateDefaultsToOne(t *testing.T) {
	clk := newMock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		WindowSize: 3, MinCalls: 3, SlowCallDuration: time.Second, Clock: clk,
	})
	for i := range 3 {
		require.Equal(t, circuitbreaker.Closed, b.State(), "State after %d slow calls of 3", i)
		_, _ = b.Execute(t.Context(), slowFn(clk, time.Second, nil))
	}
	assert.Equal(t, circuitbreaker.Open, b.State(), "3 slow calls of 3 with the default SlowCallRate 1")
}

func TestCountWindowSlides(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		WindowSize: 5, MinCalls: 5, FailureRate: 0.6, Clock: newMock(),
	})
	runAll(t, b, "FFSSS")
	runAll(t, b, "FF") // window SSSFF: the first two failures slid out
	m := b.Metrics()
	assert.Equal(t, circuitbreaker.Closed, m.State, "window SSSFF is 2/5 < 0.6")
	assert.Equal(t, 5, m.Calls)
	assert.Equal(t, 2, m.Failures)
	runAll(t, b, "F")
	assert.Equal(t, circuitbreaker.Open, b.State(), "window SSFFF is 3/5")
}

func TestTimeWindowAges(t *testing.T) {
	clk := newMock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		WindowPeriod: 10 * time.Second, MinCalls: 4, FailureRate: 0.5, Clock: clk,
	})
	runAll(t, b, "FFF")
	clk.Add(10*time.Second - 1) // still in the first bucket's window
	assert.Equal(t, 3, b.Metrics().Calls, "Calls 10s-1ns after 3 calls in a 10s window")
	clk.Add(1) // the first bucket ages out
	m := b.Metrics()
	assert.Equal(t, 0, m.Calls, "Calls 10s after 3 calls in a 10s window")
	assert.Equal(t, 0, m.Failures)
	runAll(t, b, "SSSF") // 1/4 now; with the old failures it would be 4/7
	assert.Equal(t, circuitbreaker.Closed, b.State(), "1 failure of 4 after the old ones aged out")
}

func TestTimeWindowBuckets(t *testing.T) {
	clk := newMock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		WindowPeriod: 10 * time.Second, MinCalls: 1, FailureRate: 1, Clock: clk,
	})
	// One success per second for 15 seconds: the window keeps the last ten
	// one-second buckets.
	for i := range 15 {
		runAll(t, b, "S")
		assert.Equal(t, min(i+1, 10), b.Metrics().Calls, "Calls after %d seconds", i+1)
		clk.Add(time.Second)
	}
	clk.Add(time.Hour)
	assert.Zero(t, b.Metrics().Calls, "Calls after an idle hour")
	runAll(t, b, "SF")
	m := b.Metrics()
	assert.Equal(t, 2, m.Calls)
	assert.Equal(t, circuitbreaker.Closed, m.State, "1 of 2 at FailureRate 1")
}

func TestTimeWindowOpens(t *testing.T) {
	clk := newMock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		WindowPeriod: time.Minute, MinCalls: 10, FailureRate: 0.3, Clock: clk,
	})
	for i := range 7 {
		runAll(t, b, "S")
		clk.Add(5 * time.Second)
		require.Equal(t, circuitbreaker.Closed, b.State(), "after %d successes", i+1)
	}
	runAll(t, b, "FF")
	assert.Equal(t, circuitbreaker.Closed, b.State(), "2 failures of 9 calls: below MinCalls 10")
	runAll(t, b, "F")
	assert.Equal(t, circuitbreaker.Open, b.State(), "3 failures of 10 at 0.3")
}

// A success can open a time window: the call that brings it to MinCalls
// while failures are still in it. The failure here sits in the oldest
// bucket the window still covers; a skipped trip check (a success added to
// a window thought to hold no failure) would leave it closed.
func TestTimeWindowSuccessOpensAtMinCalls(t *testing.T) {
	for _, wait := range []time.Duration{0, time.Second, 10*time.Second - 1} {
		clk := newMock()
		b := circuitbreaker.New(circuitbreaker.Config[int]{
			WindowPeriod: 10 * time.Second, MinCalls: 2, FailureRate: 0.5, Clock: clk,
		})
		runAll(t, b, "F")
		clk.Add(wait)
		runAll(t, b, "S")
		assert.Equal(t, circuitbreaker.Open, b.State(), "1 failure of 2 at 0.5, the success %v after the failure", wait)
	}
	clk := newMock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{
		WindowPeriod: 10 * time.Second, MinCalls: 2, FailureRate: 0.5, Clock: clk,
	})
	runAll(t, b, "F")
	clk.Add(10 * time.Second)
	runAll(t, b, "S")
	assert.Equal(t, circuitbreaker.Closed, b.State(), "the failure aged out before the success")
}

// TestTimeWindowDefaultMinCalls checks the time window's documented MinCalls
// default of 20.
func TestTimeWindowDefaultMinCalls(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{WindowPeriod: time.Minute, Clock: newMock()})
	runAll(t, b, repeat('F', 19))
	assert.Equal(t, circuitbreaker.Closed, b.State(), "19 failures in a time window")
	runAll(t, b, "F")
	assert.Equal(t, circuitbreaker.Open, b.State(), "20 failures in a time window")
}

func TestTimeWindowCountsOutcomesTimedBeforeItInTheNewestBucket(t *testing.T) {
	clk := &fakeClock{}
	b := circuitbreaker.New(circuitbreaker.Config[int]{WindowPeriod: 10 * time.Second, Clock: clk})
	clk.Add(100 * time.Second)
	runAll(t, b, "F")
	clk.Add(-5 * time.Second) // a clock stepped back, still within the window
	runAll(t, b, "F")
	assert.Equal(t, 2, b.Metrics().Failures, "an outcome 5s before the newest, in a 10s window")
	clk.Add(-60 * time.Second) // before the window
	runAll(t, b, "F")
	assert.Equal(t, 3, b.Metrics().Failures, "an outcome timed 65s before the newest")
	clk.Add(74 * time.Second) // 9s after the newest bucket began
	assert.Equal(t, 3, b.Metrics().Failures, "all three counted in the newest bucket")
	clk.Add(time.Second)
	assert.Zero(t, b.Metrics().Failures, "once the newest bucket aged out")
}
