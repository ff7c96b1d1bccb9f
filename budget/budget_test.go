package budget_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/budget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newMock() *clock.Mock {
	m := clock.NewMock()
	m.Set(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	return m
}

// spend calls AllowRetry until it refuses (at most limit times) and
// returns how many it allowed.
func spend(b *budget.Budget, limit int) int {
	for i := range limit {
		if b.AllowRetry() != nil {
			return i
		}
	}
	return limit
}

func record(b *budget.Budget, n int) {
	for range n {
		b.RecordRequest()
	}
}

func TestPercentBoundary(t *testing.T) {
	tests := []struct {
		percent  float64
		requests int
		want     int
	}{
		{0.2, 100, 20},
		{0.2, 99, 19},
		{0.2, 4, 0},
		{0.2, 5, 1},
		{0.57, 100, 57}, // 0.57*100 is 56.99999999999999 in float64
		{0.1, 30, 3},
		{0.3, 10, 3},
		{0.7, 10, 7},
		{1, 7, 7},
		{0.01, 1000, 10},
	}
	for _, tt := range tests {
		b := budget.New(budget.Config{Percent: tt.percent, MinPerSecond: budget.NoFloor, Clock: newMock()})
		record(b, tt.requests)
		got := spend(b, 10*tt.requests+10)
		assert.Equal(t, tt.want, got, "Percent %v of %d requests allowed %d retries, want %d", tt.percent, tt.requests, got, tt.want)
		m := b.Metrics()
		assert.Equal(t, budget.Metrics{Requests: tt.requests, Retries: tt.want, Refused: 1, Allowance: tt.want}, m)
	}
}

func TestRefusalIsExceededError(t *testing.T) {
	b := budget.New(budget.Config{Name: "users", MinPerSecond: budget.NoFloor, Clock: newMock()})
	record(b, 100)
	require.Equal(t, 20, spend(b, 20))
	err := b.AllowRetry()
	require.Error(t, err, "the 21st retry of 100 requests at 20% must be refused")
	assert.ErrorIs(t, err, budget.ErrExceeded)
	var ee *budget.ExceededError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "budget: users: exceeded", err.Error())
	assert.Equal(t, "budget: exceeded", budget.ErrExceeded.Error())

	b.RecordRequest()
	assert.Error(t, b.AllowRetry(), "101 requests still allow 20 retries")
	record(b, 4)
	assert.NoError(t, b.AllowRetry(), "105 requests allow 21 retries")
}

func TestUnnamedAndZeroExceededError(t *testing.T) {
	b := budget.New(budget.Config{MinPerSecond: budget.NoFloor, Clock: newMock()})
	err := b.AllowRetry()
	require.Error(t, err)
	assert.Equal(t, "budget: exceeded", err.Error())

	var zero budget.ExceededError
	assert.Equal(t, "budget: exceeded", zero.Error())
	assert.Equal(t, time.Duration(0), zero.RetryAfter())
	assert.ErrorIs(t, &zero, budget.ErrExceeded)
}

func TestFloor(t *testing.T) {
	tests := []struct {
		name      string
		perSecond float64
		window    time.Duration
		requests  int
		want      int
	}{
		{"default floor without traffic", 0, 0, 0, 100},
		{"fractional rate rounds down", 0.55, 10 * time.Second, 0, 5},
		{"short window", 10, 100 * time.Millisecond, 0, 1},
		{"floor above the percentage", 1, 10 * time.Second, 30, 10},
		{"percentage above the floor: max, not sum", 1, 10 * time.Second, 100, 20},
		{"no floor", budget.NoFloor, 10 * time.Second, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := budget.New(budget.Config{MinPerSecond: tt.perSecond, Window: tt.window, Clock: newMock()})
			record(b, tt.requests)
			got := spend(b, 1000)
			assert.Equal(t, tt.want, got, "MinPerSecond %v, Window %v, %d requests: allowed %d, want %d",
				tt.perSecond, tt.window, tt.requests, got, tt.want)
		})
	}
}

func TestWindowAges(t *testing.T) {
	mock := newMock()
	// Ten buckets of 1s; 50 requests in bucket 0.
	b := budget.New(budget.Config{MinPerSecond: budget.NoFloor, Clock: mock})
	record(b, 50)
	mock.Add(5 * time.Second)
	record(b, 50) // bucket 5
	require.Equal(t, 20, spend(b, 100))

	mock.Add(4*time.Second + 999*time.Millisecond) // t = 9.999s: nothing aged yet
	assert.Equal(t, budget.Metrics{Requests: 100, Retries: 20, Refused: 1, Allowance: 20}, b.Metrics())

	mock.Add(time.Millisecond) // t = 10s: bucket 0 aged out
	m := b.Metrics()
	assert.Equal(t, budget.Metrics{Requests: 50, Retries: 20, Refused: 1, Allowance: 10, Remaining: 0}, m,
		"after 10s the first 50 requests age out")
	assert.Error(t, b.AllowRetry(), "20 retries against an allowance of 10")

	mock.Add(5 * time.Second) // t = 15s: bucket 5 aged out too
	assert.Equal(t, budget.Metrics{Refused: 1}, b.Metrics(), "only the refusal at 10s is left")
	record(b, 10)
	assert.Equal(t, 2, spend(b, 10))

	mock.Add(time.Hour) // a long idle gap empties every bucket once
	assert.Equal(t, budget.Metrics{}, b.Metrics())
}

func TestClockGoingBackCountsInNewestBucket(t *testing.T) {
	mock := newMock()
	start := mock.Now()
	b := budget.New(budget.Config{MinPerSecond: budget.NoFloor, Clock: mock})
	mock.Add(3 * time.Second)
	record(b, 5)
	mock.Set(start.Add(-time.Minute))
	record(b, 5)
	assert.Equal(t, 10, b.Metrics().Requests)
	mock.Set(start.Add(13 * time.Second)) // the newest bucket, 3, ages out at 13s
	assert.Equal(t, 0, b.Metrics().Requests)
}

func TestRetryAfter(t *testing.T) {
	mock := newMock()
	// A floor of 10 per 10s; 100 requests in bucket 0.
	b := budget.New(budget.Config{MinPerSecond: 1, Clock: mock})
	record(b, 100)
	mock.Add(2 * time.Second)
	require.Equal(t, 20, spend(b, 100)) // bucket 2
	mock.Add(1500 * time.Millisecond)

	err := b.AllowRetry()
	var ee *budget.ExceededError
	require.ErrorAs(t, err, &ee)
	// At 10s the requests age out but the 20 retries stay above the floor
	// of 10; at 12s they age out too.
	assert.Equal(t, 8500*time.Millisecond, ee.RetryAfter(), "RetryAfter at 3.5s")

	mock.Add(8500 * time.Millisecond)
	assert.Equal(t, time.Duration(0), ee.RetryAfter(), "RetryAfter once there is room")
	assert.NoError(t, b.AllowRetry())
}

func TestRetryAfterFloorOnly(t *testing.T) {
	mock := newMock()
	b := budget.New(budget.Config{MinPerSecond: 1, Clock: mock})
	mock.Add(2500 * time.Millisecond)
	require.Equal(t, 10, spend(b, 100)) // bucket 2
	err := b.AllowRetry()
	var ee *budget.ExceededError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 9500*time.Millisecond, ee.RetryAfter(), "the floor's retries of bucket 2 age out at 12s")
}

func TestRetryAfterWithoutFloor(t *testing.T) {
	mock := newMock()
	b := budget.New(budget.Config{MinPerSecond: budget.NoFloor, Clock: mock})
	record(b, 10)
	require.Equal(t, 2, spend(b, 10))
	var ee *budget.ExceededError
	require.ErrorAs(t, b.AllowRetry(), &ee)
	assert.Equal(t, time.Duration(0), ee.RetryAfter(), "without a floor only new requests make room")
}

func TestRefusalEvent(t *testing.T) {
	var events []resilience.Event
	obs := resilience.ObserverFunc(func(_ context.Context, e resilience.Event) { events = append(events, e) })
	b := budget.New(budget.Config{Name: "db", MinPerSecond: budget.NoFloor, Observer: obs, Clock: newMock()})
	record(b, 5)
	require.NoError(t, b.AllowRetry())
	require.Error(t, b.AllowRetry())
	require.Len(t, events, 1, "one event per refusal, none per allowed retry")
	e := events[0]
	assert.Equal(t, "budget", e.Policy)
	assert.Equal(t, "db", e.Name)
	assert.Equal(t, resilience.EventRejected, e.Kind)
	assert.ErrorIs(t, e.Err, budget.ErrExceeded)
}

// TestConcurrentInvariant races requests and retries from many goroutines
// and checks that the budget never allows more than max(floor, pct*reqs).
func TestConcurrentInvariant(t *testing.T) {
	for _, floor := range []float64{budget.NoFloor, 2} {
		t.Run(fmt.Sprintf("MinPerSecond=%v", floor), func(t *testing.T) {
			mock := newMock()
			b := budget.New(budget.Config{Percent: 0.25, MinPerSecond: floor, Clock: mock})
			floorN := 0
			if floor > 0 {
				floorN = int(floor * 10)
			}
			var requests, granted atomic.Int64
			var wg sync.WaitGroup
			stop := make(chan struct{})
			var violations atomic.Int64
			wg.Go(func() { // checks the window's own view while others write
				for {
					select {
					case <-stop:
						return
					default:
					}
					if m := b.Metrics(); m.Retries > max(floorN, m.Requests/4) {
						violations.Add(1)
					}
				}
			})
			var workers sync.WaitGroup
			for g := range 8 {
				workers.Go(func() {
					for i := range 500 {
						if (i+g)%3 == 0 {
							b.RecordRequest()
							requests.Add(1)
						}
						if b.AllowRetry() == nil {
							granted.Add(1)
						}
					}
				})
			}
			workers.Wait()
			close(stop)
			wg.Wait()
			reqs, got := int(requests.Load()), int(granted.Load())
			want := max(floorN, reqs/4)
			assert.Equal(t, want, got, "%d requests at 25%% (floor %d) granted %d retries, want exactly %d", reqs, floorN, got, want)
			assert.Zero(t, violations.Load(), "Metrics saw Retries above the allowance")
			m := b.Metrics()
			assert.Equal(t, reqs, m.Requests)
			assert.Equal(t, got, m.Retries)
			assert.Equal(t, 8*500-got, m.Refused)
		})
	}
}

// Requests recorded while the window ages: none is counted twice, and
// nothing outlives a whole idle window.
func TestRecordingRacesAging(t *testing.T) {
	mock := newMock()
	b := budget.New(budget.Config{Window: 10 * time.Second, Clock: mock})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 2000 {
				b.RecordRequest()
			}
		})
	}
	wg.Go(func() {
		for range 200 {
			mock.Add(100 * time.Millisecond)
		}
	})
	wg.Wait()
	m := b.Metrics()
	assert.LessOrEqual(t, m.Requests, 8000, "requests in the window after 8000 recorded")
	for range 50 {
		b.RecordRequest()
	}
	assert.Equal(t, m.Requests+50, b.Metrics().Requests, "50 more with the clock still")
	mock.Add(10 * time.Second)
	assert.Zero(t, b.Metrics().Requests, "requests a whole window later")
}

func TestNoAllocations(t *testing.T) {
	b := budget.New(budget.Config{})
	assert.Zero(t, testing.AllocsPerRun(1000, b.RecordRequest), "RecordRequest allocates")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = b.AllowRetry() }), "AllowRetry allocates")
	refusing := budget.New(budget.Config{MinPerSecond: budget.NoFloor})
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		if refusing.AllowRetry() == nil {
			panic("a budget without requests or floor allowed a retry")
		}
	}), "a refusing AllowRetry allocates")
}

var errUnavailable = errors.New("unavailable")

// TestRetryStorm runs a minimal retry loop of its own against a dependency
// that always fails: without a budget 3 attempts per call would triple the
// load; with one, the extra attempts stay within 20% of the calls.
func TestRetryStorm(t *testing.T) {
	b := budget.New(budget.Config{MinPerSecond: budget.NoFloor, Clock: newMock()})
	var attempts int
	call := func() error {
		attempts++
		return errUnavailable
	}
	do := func() error {
		b.RecordRequest()
		err := call()
		for attempt := 2; attempt <= 3 && err != nil; attempt++ {
			if berr := b.AllowRetry(); berr != nil {
				return errors.Join(err, berr)
			}
			err = call()
		}
		return err
	}
	var refused int
	for range 1000 {
		err := do()
		require.ErrorIs(t, err, errUnavailable)
		if errors.Is(err, budget.ErrExceeded) {
			refused++
		}
	}
	assert.Equal(t, 1200, attempts, "1000 calls + 20%% retries")
	assert.Equal(t, 1000, refused, "the allowance grows by 0.2 a call, so every call ends refused")
}

func BenchmarkRecordRequest(b *testing.B) {
	bud := budget.New(budget.Config{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bud.RecordRequest()
		}
	})
}

func BenchmarkAllowRetry(b *testing.B) {
	bud := budget.New(budget.Config{Percent: 1})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bud.RecordRequest()
			_ = bud.AllowRetry()
		}
	})
}
