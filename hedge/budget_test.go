package hedge_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/budget"
	"github.com/go-resilience/resilience/hedge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBudgetCapsHedges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 100%, no floor: each execution's own request pays for one hedge.
		b := budget.New(budget.Config{Percent: 1, MinPerSecond: budget.NoFloor})
		s := newScript(step{after: time.Second, r: 1}, step{after: time.Second, r: 2})
		p := hedge.New(hedge.Config[int]{Delay: ms(10), MaxHedges: 3, Budget: b})
		r, err := p.Execute(s.ctx(), s.call)
		require.NoError(t, err)
		assert.Equal(t, 1, r)
		assert.Equal(t, []time.Duration{0, ms(10)}, s.startTimes(), "the budget refused the second hedge, and no later one was tried")
		assert.Equal(t, budget.Metrics{Requests: 1, Retries: 1, Refused: 1, Allowance: 1}, b.Metrics())
	})
}

func TestBudgetRefusesEveryHedge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := budget.New(budget.Config{MinPerSecond: budget.NoFloor})
		s := newScript(step{after: ms(3), r: 1, err: errBusy})
		p := hedge.New(hedge.Config[int]{Delay: ms(10), Budget: b})
		r, err := p.Execute(s.ctx(), s.call)
		assert.ErrorIs(t, err, errBusy, "a refusal is no error: the attempt's outcome is returned")
		assert.False(t, errors.Is(err, budget.ErrExceeded))
		assert.Equal(t, 1, r)
		assert.Equal(t, 1, s.calls())
		assert.Equal(t, ms(3), s.since())
	})
}

// countingBudget allows every extra attempt and counts the calls.
type countingBudget struct {
	mu               sync.Mutex
	requests, allows int
}

func (c *countingBudget) RecordRequest() { c.mu.Lock(); c.requests++; c.mu.Unlock() }
func (c *countingBudget) AllowRetry() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.allows++
	return nil
}

func TestBudgetRecordsEveryExecution(t *testing.T) {
	b := &countingBudget{}
	p := hedge.New(hedge.Config[int]{Delay: time.Hour, Budget: b})
	ok := func(context.Context) (int, error) { return 1, nil }
	for range 3 {
		_, err := p.Execute(context.Background(), ok)
		require.NoError(t, err)
	}
	_, err := p.Execute(resilience.WithoutRepeat(context.Background()), ok)
	require.NoError(t, err)
	assert.Equal(t, 4, b.requests, "every execution is a request, hedged or not")
	assert.Equal(t, 0, b.allows)
}
