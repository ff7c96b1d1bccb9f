package budget_test

import (
	"context"
	"errors"
	"testing"

	"github.com/go-resilience/resilience/budget"
	"github.com/go-resilience/resilience/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWithRetryPolicy shares one budget between retry policies of two
// result types and checks that retries stop once it is spent.
func TestWithRetryPolicy(t *testing.T) {
	b := budget.New(budget.Config{Percent: 0.5, MinPerSecond: budget.NoFloor, Clock: newMock()})
	ints := retry.New(retry.Config[int]{MaxAttempts: 3, Backoff: retry.Constant(0), Budget: b})
	strs := retry.New(retry.Config[string]{MaxAttempts: 3, Backoff: retry.Constant(0), Budget: b})

	var calls int
	failInt := func(context.Context) (int, error) { calls++; return 0, errUnavailable }
	failStr := func(context.Context) (string, error) { calls++; return "", errUnavailable }
	for range 5 {
		_, err := ints.Execute(context.Background(), failInt)
		require.ErrorIs(t, err, retry.ErrExhausted)
		_, err = strs.Execute(context.Background(), failStr)
		require.ErrorIs(t, err, retry.ErrExhausted)
	}
	// 10 executions at 50%: 5 retries in all, whichever policy spent them.
	assert.Equal(t, 15, calls, "10 executions + 5 retries")
	m := b.Metrics()
	assert.Equal(t, 10, m.Requests)
	assert.Equal(t, 5, m.Retries)

	_, err := ints.Execute(context.Background(), failInt)
	assert.ErrorIs(t, err, budget.ErrExceeded, "a refusal is reachable through retry's error")
	assert.True(t, errors.Is(err, errUnavailable), "and so is the last attempt's error")
}
