package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/ratelimit"
	"github.com/go-resilience/resilience/resiliencetest"
)

// A panicValue is what a callback of the panic table panics with: a
// pointer, so that "unchanged" means the very same value.
type panicValue struct{ where string }

// TestPanicInAnyCallbackSpendsOnlyTheTokensOfCallsThatRan injects a panic
// into every user-supplied function a limiter calls and checks that the
// panic reaches the caller unchanged, that a token stays spent only for a
// call that ran (a refused call or a wait that a hook cut short spends
// none), and that nothing was discarded (a limiter drops no result). A
// callback added to the package gets a row here.
func TestPanicInAnyCallbackSpendsOnlyTheTokensOfCallsThatRan(t *testing.T) {
	tests := []struct {
		name  string
		meets string // "a token": one is there; "a wait": it comes after 1s; "no token": not within MaxWait
		arm   func(cfg *ratelimit.Config, fn *resilience.Func[int], boom func())
		ran   bool          // the call ran, so its token stays spent
		check time.Duration // when, after the start, the call's token would be the one there
	}{
		{name: "guarded fn", meets: "a token", ran: true, arm: func(_ *ratelimit.Config, fn *resilience.Func[int], boom func()) {
			*fn = func(context.Context) (int, error) { boom(); return 1, nil }
		}},
		{name: "guarded fn after a wait", meets: "a wait", ran: true, check: time.Second, arm: func(_ *ratelimit.Config, fn *resilience.Func[int], boom func()) {
			*fn = func(context.Context) (int, error) { boom(); return 1, nil }
		}},
		{name: "Observer seeing EventAcquired", meets: "a wait", check: time.Second, arm: func(cfg *ratelimit.Config, _ *resilience.Func[int], boom func()) {
			cfg.Observer = panicOn(resilience.EventAcquired, boom)
		}},
		{name: "process-wide Observer seeing EventAcquired", meets: "a wait", check: time.Second, arm: func(_ *ratelimit.Config, _ *resilience.Func[int], boom func()) {
			resilience.SetObserver(panicOn(resilience.EventAcquired, boom))
		}},
		{name: "OnRejected", meets: "no token", check: time.Second, arm: func(cfg *ratelimit.Config, _ *resilience.Func[int], boom func()) {
			cfg.OnRejected = func(context.Context, error) { boom() }
		}},
		{name: "Observer seeing EventRejected", meets: "no token", check: time.Second, arm: func(cfg *ratelimit.Config, _ *resilience.Func[int], boom func()) {
			cfg.Observer = panicOn(resilience.EventRejected, boom)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := resiliencetest.NewClock()
			want := &panicValue{tt.name}
			cfg := ratelimit.Config{Rate: 1, Clock: clk} // a token a second, none in store
			fn := resilience.Func[int](ok)
			tt.arm(&cfg, &fn, func() { panic(want) })
			defer resilience.SetObserver(nil)
			switch tt.meets {
			case "a wait":
				cfg.MaxWait = time.Second
			case "no token":
				cfg.MaxWait = time.Second - 1
			}
			l := ratelimit.New[int](cfg)
			if tt.meets != "a token" {
				assert.True(t, l.Allow(), "the bucket's one token, spent before the call")
			}
			discards := 0
			ctx := resilience.WithDiscard(t.Context(), func(int) { discards++ })
			start := clk.Now()
			got := make(chan any, 1)
			go func() {
				defer func() { got <- recover() }()
				_, _ = l.Execute(ctx, fn)
			}()
			var v any
			select {
			case v = <-got: // no wait
			case d := <-clk.Waits(): // the call waits for its token
				clk.Add(d)
				v = <-got
			}
			assert.Same(t, want, v, "the panic value reaching the caller")
			assert.Zero(t, discards, "results discarded")

			clk.Set(start.Add(tt.check))
			assert.Equal(t, !tt.ran, l.Allow(), "Allow() at %v: true unless the panicking call spent the token", tt.check)
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
