package reliability_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/bulkhead"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/retry"
)

// The soak's shape.
const (
	soakWorkers      = 12 // goroutines calling through the composed stack
	soakPermitters   = 4  // goroutines calling through Breaker.Allow
	soakConcurrent   = 4  // the bulkhead's permits
	soakAttempts     = 4  // the retry's MaxAttempts
	soakWindow       = 50 // the breaker's count window
	soakSamples      = 5  // heap and goroutine samples, the first after warm-up
	soakHeapSlack    = 1 << 20
	soakPhase        = 50 * time.Millisecond // healthy and failing phases alternate
	soakOpenDelay    = 5 * time.Millisecond
	soakHealthyFails = 5  // percent of calls failing in a healthy phase
	soakOutageFails  = 90 // percent in a failing phase
)

var errFlaky = errors.New("flaky")

func soakDuration(t *testing.T) time.Duration {
	if s := os.Getenv("SOAK_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		require.NoError(t, err, "SOAK_DURATION")
		return d
	}
	return soakDefault
}

// soak is the shared state of one soak run.
type soak struct {
	start   time.Time
	gate    sync.RWMutex // workers hold it shared per call; the sampler takes it to pause them
	inside  atomic.Int64 // calls inside the bulkhead right now
	trials  atomic.Int64 // half-open trial permits in use right now
	seq     atomic.Int64 // result ids
	execs   atomic.Int64
	calls   atomic.Int64
	rejects atomic.Int64

	mu         sync.Mutex // guards the fields below
	violations []string
	nViolation int
	state      circuitbreaker.State // the last state announced
	changes    map[[2]circuitbreaker.State]int
}

func (s *soak) violate(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nViolation++
	if len(s.violations) < 10 {
		s.violations = append(s.violations, fmt.Sprintf(format, args...))
	}
}

// failPct is the failure percentage of the current phase.
func (s *soak) failPct() int {
	if time.Since(s.start)/soakPhase%2 == 1 {
		return soakOutageFails
	}
	return soakHealthyFails
}

// onStateChange checks that announced changes chain (each from is the
// last to) and follow the automatic state machine.
func (s *soak) onStateChange(from, to circuitbreaker.State) {
	s.mu.Lock()
	last := s.state
	s.state = to
	s.changes[[2]circuitbreaker.State{from, to}]++
	s.mu.Unlock()
	if from != last {
		s.violate("state change %v>%v announced after a change to %v", from, to, last)
	}
	switch [2]circuitbreaker.State{from, to} {
	case [2]circuitbreaker.State{circuitbreaker.Closed, circuitbreaker.Open},
		[2]circuitbreaker.State{circuitbreaker.Open, circuitbreaker.HalfOpen},
		[2]circuitbreaker.State{circuitbreaker.HalfOpen, circuitbreaker.Open},
		[2]circuitbreaker.State{circuitbreaker.HalfOpen, circuitbreaker.Closed}:
	default:
		s.violate("state change %v>%v is not an edge of the state machine", from, to)
	}
}

// execution tracks one Execute: every result it produced must come back
// exactly once, returned or discarded.
type execution struct {
	s         *soak
	produced  []int
	discarded []int
}

func (e *execution) call(context.Context) (int, error) {
	s := e.s
	if n := s.inside.Add(1); n > soakConcurrent {
		s.violate("bulkhead: %d calls inside, MaxConcurrent %d", n, soakConcurrent)
	}
	defer s.inside.Add(-1)
	s.calls.Add(1)
	id := int(s.seq.Add(1))
	e.produced = append(e.produced, id)
	if len(e.produced) > soakAttempts {
		s.violate("retry: attempt %d of an execution, MaxAttempts %d", len(e.produced), soakAttempts)
	}
	if rand.IntN(100) < s.failPct() {
		return id, errFlaky
	}
	return id, nil
}

// check verifies that the produced results are the returned one (if any)
// and the discarded ones, each once.
func (e *execution) check(r int) {
	seen := make(map[int]int, len(e.produced))
	for _, id := range e.discarded {
		if id != 0 { // the zero result of an attempt a policy refused: nothing to release
			seen[id]++
		}
	}
	if r != 0 {
		seen[r]++
	}
	for _, id := range e.produced {
		if seen[id] != 1 {
			e.s.violate("retry: result %d returned or discarded %d times, want once", id, seen[id])
		}
		delete(seen, id)
	}
	for id := range seen {
		e.s.violate("retry: result %d returned or discarded but never produced", id)
	}
}

func TestSoak(t *testing.T) {
	d := soakDuration(t)
	s := &soak{start: time.Now(), changes: map[[2]circuitbreaker.State]int{}}
	breaker := circuitbreaker.New(circuitbreaker.Config[int]{
		WindowSize: soakWindow, MinCalls: 10, FailureRate: 0.5, OpenDelay: soakOpenDelay,
		HalfOpenCalls: 1, OnStateChange: s.onStateChange,
	})
	bh := bulkhead.New[int](bulkhead.Config{MaxConcurrent: soakConcurrent, MaxWait: time.Millisecond})
	exec := resilience.Compose[int](
		retry.New(retry.Config[int]{
			MaxAttempts: soakAttempts,
			Backoff:     retry.Exponential{Initial: 10 * time.Microsecond, Max: 200 * time.Microsecond, Jitter: retry.FullJitter},
		}),
		breaker,
		bh,
	)

	ctx, stop := context.WithTimeout(context.Background(), d)
	defer stop()
	var wg sync.WaitGroup
	for range soakWorkers {
		wg.Go(func() {
			for ctx.Err() == nil {
				s.gate.RLock()
				s.executeOnce(exec)
				s.gate.RUnlock()
			}
		})
	}
	for range soakPermitters {
		wg.Go(func() {
			for ctx.Err() == nil {
				s.gate.RLock()
				s.permitOnce(breaker)
				s.gate.RUnlock()
			}
		})
	}

	var heap, goroutines []uint64
	sample := func() {
		s.gate.Lock() // every worker is between two calls
		defer s.gate.Unlock()
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = append(heap, ms.HeapAlloc)
		goroutines = append(goroutines, uint64(runtime.NumGoroutine()))
		checkMetrics(t, breaker.Metrics())
		assert.Zero(t, bh.InFlight(), "bulkhead permits held while every worker is paused")
	}
	tick := time.NewTicker(d / soakSamples)
	defer tick.Stop()
	for len(heap) < soakSamples-1 {
		select {
		case <-tick.C:
			sample()
		case <-ctx.Done():
			t.Fatal("the soak ended before its samples")
		}
	}
	<-ctx.Done()
	wg.Wait()
	sample()

	s.mu.Lock()
	defer s.mu.Unlock()
	t.Logf("soak %v: %d executions, %d calls, %d breaker rejections; state changes %v; heap after warm-up %v, goroutines %v",
		d, s.execs.Load(), s.calls.Load(), s.rejects.Load(), s.changes, heap, goroutines)
	assert.Zero(t, s.nViolation, "invariant violations, the first ones: %q", s.violations)
	assert.Positive(t, s.changes[[2]circuitbreaker.State{circuitbreaker.Closed, circuitbreaker.Open}], "the breaker opened")
	assert.Positive(t, s.changes[[2]circuitbreaker.State{circuitbreaker.HalfOpen, circuitbreaker.Closed}], "and closed again")
	for i := 1; i < len(heap); i++ {
		assert.LessOrEqual(t, heap[i], heap[0]+soakHeapSlack, "heap at sample %d grew from %d to %d bytes after warm-up", i, heap[0], heap[i])
	}
	for i := 1; i < len(goroutines)-1; i++ {
		assert.LessOrEqual(t, goroutines[i], goroutines[0]+2, "goroutines at sample %d", i)
	}
	assert.LessOrEqual(t, goroutines[len(goroutines)-1], goroutines[0]-soakWorkers-soakPermitters+2, "goroutines once the workers are gone")
}

func (s *soak) executeOnce(exec *resilience.Executor[int]) {
	s.execs.Add(1)
	e := &execution{s: s}
	ctx := resilience.WithDiscard(context.Background(), func(r int) { e.discarded = append(e.discarded, r) })
	r, err := exec.Execute(ctx, e.call)
	var oe *circuitbreaker.OpenError
	if errors.As(err, &oe) {
		s.rejects.Add(1)
		if ra := oe.RetryAfter(); ra < 0 || ra > soakOpenDelay {
			s.violate("breaker: RetryAfter %v outside [0, %v]", ra, soakOpenDelay)
		}
	}
	switch {
	case err == nil && r == 0:
		s.violate("a success without its result")
	case err != nil && !errors.Is(err, errFlaky) && !errors.Is(err, circuitbreaker.ErrOpen) && !errors.Is(err, bulkhead.ErrFull):
		s.violate("unexpected error %v", err)
	}
	e.check(r)
}

// permitOnce makes one call through Breaker.Allow; a trial call checks
// that it is the only trial in flight (HalfOpenCalls is 1, and a new
// half-open period starts only after the last trial ended).
func (s *soak) permitOnce(b *circuitbreaker.Breaker[int]) {
	p, err := b.Allow(context.Background())
	if err != nil {
		s.rejects.Add(1)
		runtime.Gosched()
		return
	}
	trial := p.Trial()
	if trial {
		if n := s.trials.Add(1); n > 1 {
			s.violate("breaker: %d trial calls in flight, HalfOpenCalls 1", n)
		}
	}
	s.calls.Add(1)
	var callErr error
	if rand.IntN(100) < s.failPct() {
		callErr = errFlaky
	}
	runtime.Gosched()
	if trial {
		s.trials.Add(-1)
	}
	p.Done(1, callErr)
}

func checkMetrics(t *testing.T, m circuitbreaker.Metrics) {
	t.Helper()
	assert.True(t, 0 <= m.Failures && m.Failures <= m.Calls && m.Calls <= soakWindow,
		"metrics: %d failures of %d calls, window %d", m.Failures, m.Calls, soakWindow)
	assert.True(t, m.FailureRate >= 0 && m.FailureRate <= 1, "metrics: failure rate %v", m.FailureRate)
	assert.True(t, m.ConsecutiveFailures >= 0 && m.ConsecutiveFailures <= m.Calls || m.Calls == soakWindow,
		"metrics: %d consecutive failures of %d calls", m.ConsecutiveFailures, m.Calls)
	assert.GreaterOrEqual(t, m.InState, time.Duration(0))
}
