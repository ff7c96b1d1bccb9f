package budget_test

import (
	"context"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/budget"
)

// A panicValue is what a callback of the panic table panics with: a
// pointer, so that "unchanged" means the very same value.
type panicValue struct{ where string }

// nowHook is a mock clock whose Now runs a hook once armed.
type nowHook struct {
	*clock.Mock
	hook func()
}

func (c *nowHook) Now() time.Time {
	if c.hook != nil {
		c.hook()
	}
	return c.Mock.Now()
}

// TestPanicInAnyCallbackLeavesTheBudgetConsistent injects a panic into
// every user-supplied function a budget calls and checks that the panic
// reaches the caller unchanged, that the window counts exactly what was
// decided before the panic (a refusal the observer heard of stays
// refused, nothing is spent), and that the budget's lock is free. A
// callback added to the package gets a row here.
func TestPanicInAnyCallbackLeavesTheBudgetConsistent(t *testing.T) {
	tests := []struct {
		name string
		arm  func(cfg *budget.Config, clk *nowHook, boom func())
		want budget.Metrics // after 5 requests, one retry allowed and one asked for that panics
	}{
		{
			name: "Observer seeing EventRejected",
			arm: func(cfg *budget.Config, _ *nowHook, boom func()) {
				cfg.Observer = resilience.ObserverFunc(func(context.Context, resilience.Event) { boom() })
			},
			want: budget.Metrics{Requests: 5, Retries: 1, Refused: 1, Allowance: 1},
		},
		{
			name: "process-wide Observer",
			arm: func(_ *budget.Config, _ *nowHook, boom func()) {
				resilience.SetObserver(resilience.ObserverFunc(func(context.Context, resilience.Event) { boom() }))
			},
			want: budget.Metrics{Requests: 5, Retries: 1, Refused: 1, Allowance: 1},
		},
		{
			name: "Clock",
			arm:  func(_ *budget.Config, clk *nowHook, boom func()) { clk.hook = boom },
			want: budget.Metrics{Requests: 5, Retries: 1, Allowance: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := &panicValue{tt.name}
			armed := false // no panic while the test sets the window up
			clk := &nowHook{Mock: newMock()}
			cfg := budget.Config{MinPerSecond: budget.NoFloor, Clock: clk} // 20% of 5 requests: one
			tt.arm(&cfg, clk, func() {
				if armed {
					panic(want)
				}
			})
			defer resilience.SetObserver(nil)
			b := budget.New(cfg)
			record(b, 5)
			assert.NoError(t, b.AllowRetry())
			armed = true
			got := func() (v any) {
				defer func() { v = recover() }()
				_ = b.AllowRetry()
				return nil
			}()
			assert.Same(t, want, got, "the panic value reaching the caller")
			armed = false
			assert.Equal(t, tt.want, b.Metrics(), "Metrics() after the panic (the lock is free)")
		})
	}
}
