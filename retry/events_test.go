package retry_test

import (
	"context"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/resiliencetest"
	"github.com/go-resilience/resilience/retry"
)

func TestObserverEvents(t *testing.T) {
	rec := &resiliencetest.Events{}
	mock := clock.NewMock()
	cfg := retry.Config[int]{Name: "db", MaxAttempts: 3, Backoff: retry.Constant(0), Observer: rec, Clock: mock}
	fn, _ := script(func(n int) (int, error) {
		mock.Add(time.Second)
		return n, errBoom
	})
	_, _ = retry.New(cfg).Execute(context.Background(), fn)
	want := []resilience.Event{
		{Policy: "retry", Name: "db", Kind: resilience.EventRetry, Attempt: 1, Err: errBoom, Duration: time.Second},
		{Policy: "retry", Name: "db", Kind: resilience.EventRetry, Attempt: 2, Err: errBoom, Duration: 2 * time.Second},
		{Policy: "retry", Name: "db", Kind: resilience.EventExhausted, Attempt: 3, Err: errBoom, Duration: 3 * time.Second, Reason: resilience.ReasonAttempts},
	}
	assert.Equal(t, want, rec.All(), "events")
}

func TestProcessWideObserver(t *testing.T) {
	rec := &resiliencetest.Events{}
	resilience.SetObserver(rec)
	defer resilience.SetObserver(nil)
	fn, _ := failing(2)
	_, err := retry.New(now(3)).Execute(context.Background(), fn)
	require.NoError(t, err)
	events := rec.All()
	require.Len(t, events, 1, "events")
	assert.Equal(t, resilience.EventRetry, events[0].Kind, "kind")
}

func TestObserverSetDuringTheLoop(t *testing.T) {
	// Nothing timed the loop when it started, so its first failure stands
	// in for the start.
	defer resilience.SetObserver(nil)
	mock := clock.NewMock()
	rec := &resiliencetest.Events{}
	fn, _ := script(func(n int) (int, error) {
		mock.Add(time.Second)
		resilience.SetObserver(rec)
		return n, errBoom
	})
	cfg := retry.Config[int]{MaxAttempts: 2, Backoff: retry.Constant(0), Clock: mock}
	_, err := retry.New(cfg).Execute(context.Background(), fn)
	assert.ErrorIs(t, err, retry.ErrExhausted)
	want := []resilience.Event{
		{Policy: "retry", Kind: resilience.EventRetry, Attempt: 1, Err: errBoom},
		{Policy: "retry", Kind: resilience.EventExhausted, Attempt: 2, Err: errBoom, Duration: time.Second, Reason: resilience.ReasonAttempts},
	}
	assert.Equal(t, want, rec.All(), "events")

	// Giving up after one attempt, the loop was never timed.
	resilience.SetObserver(nil)
	rec = &resiliencetest.Events{}
	cfg.MaxAttempts = 1
	_, _ = retry.New(cfg).Execute(context.Background(), fn)
	want = []resilience.Event{{Policy: "retry", Kind: resilience.EventExhausted, Attempt: 1, Err: errBoom, Reason: resilience.ReasonAttempts}}
	assert.Equal(t, want, rec.All(), "events")
}

func TestOnRetryEvent(t *testing.T) {
	mock := clock.NewMock()
	var got []retry.Event[int]
	cfg := retry.Config[int]{
		MaxAttempts: 3,
		Backoff:     retry.Constant(0),
		Clock:       mock,
		OnRetry:     func(e retry.Event[int]) { got = append(got, e) },
		FailureIf:   func(r int, err error) bool { return err != nil || r == 2 },
	}
	fn, _ := script(func(n int) (int, error) {
		mock.Add(time.Second)
		if n == 2 {
			return n, nil
		}
		return n, errBoom
	})
	_, _ = retry.New(cfg).Execute(context.Background(), fn)
	want := []retry.Event[int]{
		{Attempt: 1, Result: 1, Err: errBoom, Elapsed: time.Second},
		{Attempt: 2, Result: 2, Err: nil, Elapsed: 2 * time.Second},
	}
	assert.Equal(t, want, got, "OnRetry events")
}
