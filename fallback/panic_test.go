package fallback_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/fallback"
	"github.com/go-resilience/resilience/resiliencetest"
)

// A panicValue is what a callback of the panic table panics with: a
// pointer, so that "unchanged" means the very same value.
type panicValue struct{ where string }

// TestPanicInAnyCallbackDiscardsEveryDroppedResult injects a panic into
// every user-supplied function a fallback policy calls and checks that the
// panic reaches the caller unchanged and that every result produced but
// not returned was discarded exactly once. In every row next answers
// (1, errFailed), the first alternative (2, errFailed) and the second
// (3, nil). A callback added to the package gets a row here.
func TestPanicInAnyCallbackDiscardsEveryDroppedResult(t *testing.T) {
	errFailed := errors.New("failed")
	answer := func(r int, err error) resilience.Func[int] {
		return func(context.Context) (int, error) { return r, err }
	}
	type hooks struct {
		next         resilience.Func[int]
		failureIf    func(int, error) bool
		fallback     func(context.Context, int, error) (int, error)
		onFallback   func(fallback.Event[int])
		observer     resilience.Observer
		alternatives []resilience.Func[int]
	}
	tests := []struct {
		name     string
		chain    bool
		arm      func(h *hooks, boom func())
		discards []int
	}{
		{name: "guarded fn", arm: func(h *hooks, boom func()) {
			h.next = func(context.Context) (int, error) { boom(); return 1, nil }
		}},
		{name: "FailureIf", arm: func(h *hooks, boom func()) {
			h.failureIf = func(int, error) bool { boom(); return true }
		}, discards: []int{1}},
		{name: "OnFallback", arm: func(h *hooks, boom func()) {
			h.onFallback = func(fallback.Event[int]) { boom() }
		}, discards: []int{1}},
		{name: "Observer", arm: func(h *hooks, boom func()) {
			h.observer = panicOn(resilience.EventFallback, boom)
		}, discards: []int{1}},
		{name: "process-wide Observer", arm: func(_ *hooks, boom func()) {
			resilience.SetObserver(panicOn(resilience.EventFallback, boom))
		}, discards: []int{1}},
		{name: "Fallback", arm: func(h *hooks, boom func()) {
			h.fallback = func(context.Context, int, error) (int, error) { boom(); return 0, nil }
		}, discards: []int{1}},
		{name: "chain: guarded fn", chain: true, arm: func(h *hooks, boom func()) {
			h.next = func(context.Context) (int, error) { boom(); return 1, nil }
		}},
		{name: "chain: FailureIf of next", chain: true, arm: func(h *hooks, boom func()) {
			h.failureIf = func(int, error) bool { boom(); return true }
		}, discards: []int{1}},
		{name: "chain: FailureIf of an alternative", chain: true, arm: func(h *hooks, boom func()) {
			h.failureIf = func(r int, err error) bool {
				if r == 2 {
					boom()
				}
				return err != nil
			}
		}, discards: []int{1, 2}},
		{name: "chain: OnFallback", chain: true, arm: func(h *hooks, boom func()) {
			h.onFallback = func(fallback.Event[int]) { boom() }
		}, discards: []int{1}},
		{name: "chain: OnFallback before the second alternative", chain: true, arm: func(h *hooks, boom func()) {
			h.onFallback = func(e fallback.Event[int]) {
				if e.Attempt == 2 {
					boom()
				}
			}
		}, discards: []int{1, 2}},
		{name: "chain: Observer", chain: true, arm: func(h *hooks, boom func()) {
			h.observer = panicOn(resilience.EventFallback, boom)
		}, discards: []int{1}},
		{name: "chain: first alternative", chain: true, arm: func(h *hooks, boom func()) {
			h.alternatives[0] = func(context.Context) (int, error) { boom(); return 2, nil }
		}, discards: []int{1}},
		{name: "chain: second alternative", chain: true, arm: func(h *hooks, boom func()) {
			h.alternatives[1] = func(context.Context) (int, error) { boom(); return 3, nil }
		}, discards: []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := &panicValue{tt.name}
			h := hooks{
				next:         answer(1, errFailed),
				fallback:     func(context.Context, int, error) (int, error) { return 9, nil },
				alternatives: []resilience.Func[int]{answer(2, errFailed), answer(3, nil)},
			}
			tt.arm(&h, func() { panic(want) })
			defer resilience.SetObserver(nil)
			var p *fallback.Policy[int]
			if tt.chain {
				p = fallback.NewChain(fallback.ChainConfig[int]{
					Alternatives: h.alternatives, FailureIf: h.failureIf, OnFallback: h.onFallback, Observer: h.observer,
				})
			} else {
				p = fallback.New(fallback.Config[int]{
					Fallback: h.fallback, FailureIf: h.failureIf, OnFallback: h.onFallback, Observer: h.observer,
				})
			}
			var discards resiliencetest.Discards[int]
			ctx := discards.Context(context.Background())
			got := func() (v any) {
				defer func() { v = recover() }()
				_, _ = resilience.Compose[int](p).Execute(ctx, h.next)
				return nil
			}()
			assert.Same(t, want, got, "the panic value reaching the caller")
			discarded := discards.All()
			slices.Sort(discarded)
			assert.Equal(t, tt.discards, discarded, "results discarded, each once")
		})
	}
}

// panicOn returns an Observer that calls boom on each event of kind.
func panicOn(kind resilience.EventKind, boom func()) resilience.Observer {
	return resilience.ObserverFunc(func(_ context.Context, e resilience.Event) {
		if e.Kind == kind {
			boom()
		}
	})
}
