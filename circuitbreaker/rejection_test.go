package circuitbreaker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
)

func TestARejectionMatchesErrRejected(t *testing.T) {
	b := circuitbreaker.New(circuitbreaker.Config[int]{Clock: newMock()})
	b.ForceOpen()
	_, err := b.Execute(context.Background(), succeed)
	assert.ErrorIs(t, err, resilience.ErrRejected, "a refused call")
	assert.ErrorIs(t, err, circuitbreaker.ErrOpen)
	_, err = circuitbreaker.New(circuitbreaker.Config[int]{}).Execute(context.Background(), fail)
	assert.NotErrorIs(t, err, resilience.ErrRejected, "a call that ran")
}

func TestTheFailureThatOpensTheBreakerTellsWhenItAdmitsAgain(t *testing.T) {
	mock := newMock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 2, OpenDelay: 5 * time.Second, Clock: mock})
	ctx := context.Background()

	_, err := b.Execute(ctx, fail)
	require.Equal(t, errBoom, err, "a failure that leaves the breaker closed is returned as it is")
	rej, _ := resilience.Rejection(err)
	assert.Nil(t, rej, "no rejection after a failure that leaves the breaker closed")

	_, err = b.Execute(ctx, fail)
	var opened *circuitbreaker.OpenedError
	require.ErrorAs(t, err, &opened, "the failure that opened the breaker")
	assert.Equal(t, errBoom, opened.Err, "Err is the call's own error")
	assert.Equal(t, "boom", err.Error(), "the message is the call's own")
	assert.ErrorIs(t, err, errBoom)
	assert.NotErrorIs(t, err, circuitbreaker.ErrOpen, "the call ran: it was not rejected")
	assert.NotErrorIs(t, err, resilience.ErrRejected, "the call ran: it was not rejected")

	mock.Add(2 * time.Second)
	rej, wait := resilience.Rejection(err)
	assert.ErrorIs(t, rej, circuitbreaker.ErrOpen, "the rejection the next call gets")
	assert.Equal(t, 3*time.Second, wait, "until the breaker admits a trial, from now")
	_, next := b.Execute(ctx, succeed)
	assert.Equal(t, rej, next, "the next call gets that rejection")

	mock.Add(3 * time.Second) // half-open: the trial fails and reopens it
	_, err = b.Execute(ctx, fail)
	rej, wait = resilience.Rejection(err)
	assert.ErrorIs(t, rej, circuitbreaker.ErrOpen, "a failed trial reopens the breaker")
	assert.Equal(t, 5*time.Second, wait, "the new opening's delay")
}

func TestOnlyAFailureWithAnErrorIsMarked(t *testing.T) {
	ctx := context.Background()
	byResult := circuitbreaker.New(circuitbreaker.Config[int]{
		ConsecutiveFailures: 1, FailureIf: func(r int, _ error) bool { return r < 0 }, Clock: newMock(),
	})
	r, err := byResult.Execute(ctx, func(context.Context) (int, error) { return -1, nil })
	assert.Equal(t, -1, r)
	assert.NoError(t, err, "a failure result opens the breaker but keeps its nil error")
	assert.Equal(t, circuitbreaker.Open, byResult.State())

	forced := circuitbreaker.New(circuitbreaker.Config[int]{Clock: newMock()})
	_, err = forced.Execute(ctx, func(context.Context) (int, error) {
		forced.ForceOpen()
		return 0, errBoom
	})
	rej, _ := resilience.Rejection(err)
	assert.ErrorIs(t, rej, circuitbreaker.ErrOpen, "a failure while the breaker was forced open")

	forced.Reset()
	_, err = forced.Execute(ctx, func(context.Context) (int, error) {
		forced.ForceOpen()
		return 1, nil
	})
	assert.NoError(t, err, "a success is returned as it is")
	assert.False(t, errors.Is(err, circuitbreaker.ErrOpen))
}
