package hedge_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-resilience/resilience"
)

// step says how one attempt behaves.
type step struct {
	after     time.Duration // when it returns, unless its ctx ends first
	r         int
	err       error
	panic     any  // panic with this after `after`
	ignoreCtx bool // return only after `after`, even when cancelled
	onCancel  any  // panic with this when cancelled
}

// script plays steps, one per attempt in the order attempts start, and
// records what each attempt saw.
type script struct {
	t0    time.Time
	steps []step

	mu          sync.Mutex
	started     []time.Duration // since t0
	causes      []error         // context.Cause when the attempt ended early, by attempt
	callerEnded []bool          // resilience.CallerEnded then
	returned    int
	discarded   []int
}

func newScript(steps ...step) *script {
	return &script{t0: time.Now(), steps: steps}
}

// ctx returns a context whose discarded results s records.
func (s *script) ctx() context.Context {
	return resilience.WithDiscard(context.Background(), func(r int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.discarded = append(s.discarded, r)
	})
}

func (s *script) call(ctx context.Context) (int, error) {
	s.mu.Lock()
	i := len(s.started)
	s.started = append(s.started, time.Since(s.t0))
	s.causes = append(s.causes, nil)
	s.callerEnded = append(s.callerEnded, false)
	s.mu.Unlock()
	if i >= len(s.steps) {
		panic(fmt.Sprintf("attempt %d not in the script", i+1))
	}
	st := s.steps[i]
	defer func() {
		s.mu.Lock()
		s.returned++
		s.mu.Unlock()
	}()
	timer := time.NewTimer(st.after)
	defer timer.Stop()
	if st.ignoreCtx {
		<-timer.C
	} else {
		select {
		case <-timer.C:
		case <-ctx.Done():
			s.mu.Lock()
			s.causes[i] = context.Cause(ctx)
			s.callerEnded[i] = resilience.CallerEnded(ctx)
			s.mu.Unlock()
			if st.onCancel != nil {
				panic(st.onCancel)
			}
			return -(i + 1), context.Cause(ctx)
		}
	}
	if st.panic != nil {
		panic(st.panic)
	}
	return st.r, st.err
}

func (s *script) since() time.Duration { return time.Since(s.t0) }

func (s *script) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.started)
}

func (s *script) discards() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.discarded...)
}

func (s *script) startTimes() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.started...)
}

func (s *script) returns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.returned
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }
