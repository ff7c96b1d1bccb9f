package hedge_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/hedge"
	"github.com/stretchr/testify/assert"
)

func TestPanicInHedgeRepanicsOnCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(100), r: 1}, step{after: ms(2), panic: "boom"})
		p := hedge.New(hedge.Config[int]{Delay: ms(10)})
		assert.PanicsWithValue(t, "boom", func() { _, _ = p.Execute(s.ctx(), s.call) })
		assert.Equal(t, ms(12), s.since())
		assert.Equal(t, 2, s.returns(), "both attempts ended before the panic went on")
		assert.ErrorIs(t, s.causes[0], hedge.ErrLost)
		assert.Equal(t, []int{-1}, s.discards())
	})
}

func TestPanicInFirstAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type custom struct{ code int }
		s := newScript(step{after: ms(1), panic: custom{7}})
		p := hedge.New(hedge.Config[int]{Delay: ms(10)})
		assert.PanicsWithValue(t, custom{7}, func() { _, _ = p.Execute(s.ctx(), s.call) })
		assert.Equal(t, 1, s.calls())
	})
}

func TestPanicInLoserAfterWin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(100), r: 1, onCancel: "late"}, step{after: ms(2), r: 2})
		p := hedge.New(hedge.Config[int]{Delay: ms(10)})
		assert.PanicsWithValue(t, "late", func() { _, _ = p.Execute(s.ctx(), s.call) },
			"a panic is never swallowed, even a loser's")
		assert.Equal(t, []int{2}, s.discards(), "the winner's result is dropped, so discarded")
	})
}

func TestTwoPanicsFirstWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(100), onCancel: "second"}, step{after: ms(2), panic: "first"})
		p := hedge.New(hedge.Config[int]{Delay: ms(10)})
		assert.PanicsWithValue(t, "first", func() { _, _ = p.Execute(s.ctx(), s.call) })
	})
}

func TestGoexitInAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(100), r: 1})
		p := hedge.New(hedge.Config[int]{Delay: ms(10)})
		var calls atomic.Int32
		fn := func(ctx context.Context) (int, error) {
			if calls.Add(1) == 2 {
				runtime.Goexit()
			}
			return s.call(ctx)
		}
		done := make(chan bool)
		go func() {
			returned := false
			defer func() { done <- returned }()
			_, _ = p.Execute(s.ctx(), fn)
			returned = true
		}()
		assert.False(t, <-done, "Goexit in an attempt must end the caller's goroutine too")
		assert.Equal(t, 1, s.returns(), "after the other attempt returned")
	})
}

// A panicValue is what a callback of the panic table panics with: a
// pointer, so that "unchanged" means the very same value.
type panicValue struct{ where string }

// hookBudget is a resilience.Budget that allows every extra attempt,
// counts the calls, and runs a hook at each.
type hookBudget struct {
	onRecord, onAllow func()

	mu               sync.Mutex
	requests, allows int
}

func (b *hookBudget) RecordRequest() {
	b.mu.Lock()
	b.requests++
	b.mu.Unlock()
	if b.onRecord != nil {
		b.onRecord()
	}
}

func (b *hookBudget) AllowRetry() error {
	if b.onAllow != nil {
		b.onAllow()
	}
	b.mu.Lock()
	b.allows++
	b.mu.Unlock()
	return nil
}

// TestPanicInAnyCallbackReleasesEveryAttempt injects a panic into every
// user-supplied function a hedge calls and checks that the panic reaches
// the caller unchanged, only once every attempt has returned, that every
// result produced but not returned was discarded exactly once, and that
// the budget was charged once per hedge started. (goleak, in TestMain,
// checks that no goroutine or timer outlives the test.) A callback added
// to the package gets a row here.
func TestPanicInAnyCallbackReleasesEveryAttempt(t *testing.T) {
	tests := []struct {
		name     string
		steps    []step
		arm      func(cfg *hedge.Config[int], b *hookBudget, boom func())
		calls    int   // attempts started
		discards []int // in any order; a cancelled attempt i returns -i
	}{
		{
			name:  "a hedge attempt",
			steps: []step{{after: ms(100), r: 1}, {after: ms(2), panic: true}},
			calls: 2, discards: []int{-1},
		},
		{
			name:  "a loser, once cancelled",
			steps: []step{{after: ms(100), r: 1, onCancel: true}, {after: ms(2), r: 2}},
			calls: 2, discards: []int{2},
		},
		{
			name:  "FailureIf, before any hedge",
			steps: []step{{after: ms(5), r: 1}},
			arm: func(cfg *hedge.Config[int], _ *hookBudget, boom func()) {
				cfg.FailureIf = func(int, error) bool { boom(); return false }
			},
			calls: 1, discards: []int{1},
		},
		{
			name: "FailureIf, with hedges running",
			// Attempt 2 fails at 15ms and starts attempt 3; attempt 1's
			// result, at 100ms, makes FailureIf panic.
			steps: []step{{after: ms(100), r: 1}, {after: ms(5), r: 2, err: errBusy}, {after: ms(100), r: 3}},
			arm: func(cfg *hedge.Config[int], _ *hookBudget, boom func()) {
				cfg.MaxHedges = 2
				cfg.FailureIf = func(r int, err error) bool {
					if r == 1 {
						boom()
					}
					return err != nil
				}
			},
			calls: 3, discards: []int{1, 2, -3},
		},
		{
			name:  "OnHedge",
			steps: []step{{after: ms(100), r: 1}, {after: ms(100), r: 2}},
			arm: func(cfg *hedge.Config[int], _ *hookBudget, boom func()) {
				cfg.OnHedge = func(hedge.Event) { boom() }
			},
			calls: 2, discards: []int{-1, -2},
		},
		{
			name:  "Observer",
			steps: []step{{after: ms(100), r: 1}, {after: ms(100), r: 2}},
			arm: func(cfg *hedge.Config[int], _ *hookBudget, boom func()) {
				cfg.Observer = resilience.ObserverFunc(func(_ context.Context, e resilience.Event) {
					if e.Kind == resilience.EventHedge {
						boom()
					}
				})
			},
			calls: 2, discards: []int{-1, -2},
		},
		{
			name:  "process-wide Observer",
			steps: []step{{after: ms(100), r: 1}, {after: ms(100), r: 2}},
			arm: func(_ *hedge.Config[int], _ *hookBudget, boom func()) {
				resilience.SetObserver(resilience.ObserverFunc(func(_ context.Context, e resilience.Event) {
					if e.Kind == resilience.EventHedge {
						boom()
					}
				}))
			},
			calls: 2, discards: []int{-1, -2},
		},
		{
			name:  "Budget.AllowRetry",
			steps: []step{{after: ms(100), r: 1}},
			arm:   func(_ *hedge.Config[int], b *hookBudget, boom func()) { b.onAllow = boom },
			calls: 1, discards: []int{-1},
		},
		{
			name: "Budget.RecordRequest",
			arm:  func(_ *hedge.Config[int], b *hookBudget, boom func()) { b.onRecord = boom },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				want := &panicValue{tt.name}
				for i := range tt.steps {
					// A step's panic or onCancel of true stands for want.
					if tt.steps[i].panic != nil {
						tt.steps[i].panic = want
					}
					if tt.steps[i].onCancel != nil {
						tt.steps[i].onCancel = want
					}
				}
				s := newScript(tt.steps...)
				b := &hookBudget{}
				cfg := hedge.Config[int]{Delay: ms(10), Budget: b}
				if tt.arm != nil {
					tt.arm(&cfg, b, func() { panic(want) })
				}
				defer resilience.SetObserver(nil)
				p := hedge.New(cfg)
				got := func() (v any) {
					defer func() { v = recover() }()
					_, _ = p.Execute(s.ctx(), s.call)
					return nil
				}()
				assert.Same(t, want, got, "the panic value reaching the caller")
				assert.Equal(t, tt.calls, s.calls(), "attempts started")
				assert.Equal(t, tt.calls, s.returns(), "attempts that returned before the panic went on")
				assert.ElementsMatch(t, tt.discards, s.discards(), "results discarded, each once")
				assert.Equal(t, 1, b.requests, "requests recorded")
				assert.Equal(t, max(tt.calls-1, 0), b.allows, "hedges charged to the budget")
			})
		})
	}
}
