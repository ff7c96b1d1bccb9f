package retry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/resiliencetest"
	"github.com/go-resilience/resilience/retry"
)

// now is a Config with no delays, for tests of the loop's logic.
func now(maxAttempts int) retry.Config[int] {
	return retry.Config[int]{MaxAttempts: maxAttempts, Backoff: retry.Constant(0)}
}

func TestSucceedsFirst(t *testing.T) {
	fn, calls := failing(1)
	r, err := retry.New(now(0)).Execute(context.Background(), fn)
	require.NoError(t, err)
	assert.Equal(t, 1, r, "result")
	assert.Equal(t, 1, *calls, "calls")
}

func TestRetriesUntilSuccess(t *testing.T) {
	fn, calls := failing(3)
	r, err := retry.New(now(5)).Execute(context.Background(), fn)
	require.NoError(t, err)
	assert.Equal(t, 3, r, "result")
	assert.Equal(t, 3, *calls, "calls")
}

func TestMaxAttempts(t *testing.T) {
	tests := []struct {
		maxAttempts int
		wantCalls   int
	}{
		{0, 3}, // the default
		{1, 1},
		{2, 2},
		{7, 7},
	}
	for _, tt := range tests {
		fn, calls := failing(0)
		r, err := retry.New(now(tt.maxAttempts)).Execute(context.Background(), fn)
		assert.Equal(t, tt.wantCalls, *calls, "MaxAttempts %d: calls", tt.maxAttempts)
		assert.Equal(t, tt.wantCalls, r, "MaxAttempts %d: the last result is returned", tt.maxAttempts)
		assert.ErrorIs(t, err, retry.ErrExhausted, "MaxAttempts %d", tt.maxAttempts)
		assert.ErrorIs(t, err, errBoom, "MaxAttempts %d", tt.maxAttempts)
		var ee *retry.ExhaustedError
		require.True(t, errors.As(err, &ee), "MaxAttempts %d: err = %T, want *ExhaustedError", tt.maxAttempts, err)
		assert.Equal(t, tt.wantCalls, ee.Attempts, "MaxAttempts %d: Attempts", tt.maxAttempts)
		assert.Equal(t, errBoom, ee.Last, "MaxAttempts %d: Last", tt.maxAttempts)
		assert.NoError(t, ee.Reason, "MaxAttempts %d: Reason", tt.maxAttempts)
	}
}

func TestExhaustedMessage(t *testing.T) {
	fn, _ := failing(0)
	_, err := retry.New(now(3)).Execute(context.Background(), fn)
	assert.EqualError(t, err, "retry: exhausted after 3 attempts: boom")
	_, err = retry.New(now(1)).Execute(context.Background(), fn)
	assert.EqualError(t, err, "retry: exhausted after 1 attempt: boom")
}

func TestUnlimitedAttempts(t *testing.T) {
	fn, calls := failing(100)
	r, err := retry.New(now(-1)).Execute(context.Background(), fn)
	require.NoError(t, err)
	assert.Equal(t, 100, r, "result")
	assert.Equal(t, 100, *calls, "calls")
}

func TestFailureIfOnResults(t *testing.T) {
	cfg := now(4)
	cfg.FailureIf = func(r int, err error) bool { return err != nil || r < 0 }

	fn, calls := script(func(n int) (int, error) {
		if n < 3 {
			return -n, nil
		}
		return 42, nil
	})
	r, err := retry.New(cfg).Execute(context.Background(), fn)
	require.NoError(t, err)
	assert.Equal(t, 42, r, "result")
	assert.Equal(t, 3, *calls, "calls")

	// A failing result with a nil error is returned with an error wrapping
	// ErrExhausted.
	fn, calls = script(func(n int) (int, error) { return -n, nil })
	r, err = retry.New(cfg).Execute(context.Background(), fn)
	assert.Equal(t, -4, r, "the last failing result is returned")
	assert.Equal(t, 4, *calls, "calls")
	assert.ErrorIs(t, err, retry.ErrExhausted)
	var ee *retry.ExhaustedError
	require.True(t, errors.As(err, &ee), "err = %T, want *ExhaustedError", err)
	assert.NoError(t, ee.Last, "Last")
	assert.EqualError(t, err, "retry: exhausted after 4 attempts: the last result was a failure")
}

func TestFailureIfTurnsAnErrorIntoSuccess(t *testing.T) {
	errNotFound := errors.New("not found")
	cfg := now(3)
	cfg.FailureIf = func(_ int, err error) bool { return err != nil && !errors.Is(err, errNotFound) }
	fn, calls := script(func(int) (int, error) { return 0, errNotFound })
	_, err := retry.New(cfg).Execute(context.Background(), fn)
	assert.Same(t, errNotFound, err, "err")
	assert.Equal(t, 1, *calls, "calls")
}

func TestAbortIf(t *testing.T) {
	cfg := now(5)
	var asked []int
	cfg.AbortIf = func(r int, err error) bool {
		asked = append(asked, r)
		return errors.Is(err, errFatal)
	}
	fn, calls := script(func(n int) (int, error) {
		if n == 3 {
			return n, errFatal
		}
		return n, errBoom
	})
	r, err := retry.New(cfg).Execute(context.Background(), fn)
	assert.Same(t, errFatal, err, "AbortIf's outcome is returned as is")
	assert.Equal(t, 3, r, "result")
	assert.Equal(t, 3, *calls, "calls")
	assert.Equal(t, []int{1, 2, 3}, asked, "AbortIf sees each failure")
}

func TestPermanentIsNotRetried(t *testing.T) {
	perm := resilience.Permanent(fmt.Errorf("wrapped: %w", errBoom))
	fn, calls := script(func(n int) (int, error) { return n, perm })
	r, err := retry.New(now(5)).Execute(context.Background(), fn)
	assert.Same(t, perm, err, "a Permanent error is returned as is")
	assert.True(t, resilience.IsPermanent(err), "IsPermanent")
	assert.ErrorIs(t, err, errBoom)
	assert.Equal(t, 1, r, "result")
	assert.Equal(t, 1, *calls, "calls")
}

func TestStopsWhenCallerEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fn, calls := script(func(n int) (int, error) {
		cancel()
		return n, errBoom
	})
	r, err := retry.New(now(5)).Execute(ctx, fn)
	assert.Same(t, errBoom, err, "the outcome is returned as is")
	assert.Equal(t, 1, r, "result")
	assert.Equal(t, 1, *calls, "calls")
}

func TestStopsWhenDeadlinePassed(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	fn, calls := script(func(n int) (int, error) { return n, ctx.Err() })
	_, err := retry.New(now(5)).Execute(ctx, fn)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, retry.ErrExhausted)
	assert.Equal(t, 1, *calls, "calls")
}

func TestDiscardsEachDroppedResult(t *testing.T) {
	tests := []struct {
		name        string
		succeedAt   int
		wantDropped []int
		wantResult  int
	}{
		{"success on 3", 3, []int{1, 2}, 3},
		{"exhausted", 0, []int{1, 2, 3}, 4}, // the last result is returned, not discarded
		{"first", 1, nil, 1},
	}
	for _, tt := range tests {
		var log []string
		var dropped []int
		ctx := resilience.WithDiscard(context.Background(), func(r int) {
			dropped = append(dropped, r)
			log = append(log, fmt.Sprint("discard ", r))
		})
		cfg := now(4)
		cfg.OnRetry = func(e retry.Event[int]) { log = append(log, fmt.Sprint("retry ", e.Attempt)) }
		fn, _ := failing(tt.succeedAt)
		counted := func(ctx context.Context) (int, error) {
			r, err := fn(ctx)
			log = append(log, fmt.Sprint("attempt ", r))
			return r, err
		}
		r, _ := retry.New(cfg).Execute(ctx, counted)
		assert.Equal(t, tt.wantResult, r, "%s: result", tt.name)
		assert.Equal(t, tt.wantDropped, dropped, "%s: discarded results", tt.name)
		if tt.succeedAt == 3 {
			want := []string{"attempt 1", "retry 1", "discard 1", "attempt 2", "retry 2", "discard 2", "attempt 3"}
			assert.Equal(t, want, log, "%s: OnRetry, then Discard, then the next attempt", tt.name)
		}
	}
}

func TestBudget(t *testing.T) {
	errSpent := errors.New("budget spent")

	// The budget allows one retry: the second retry is refused.
	b := &fakeBudget{allow: 1, err: errSpent}
	cfg := now(5)
	cfg.Budget = b
	fn, calls := failing(0)
	r, err := retry.New(cfg).Execute(context.Background(), fn)
	assert.Equal(t, 2, *calls, "calls")
	assert.Equal(t, 2, r, "the last result is returned")
	assert.ErrorIs(t, err, retry.ErrExhausted)
	assert.ErrorIs(t, err, errSpent)
	assert.ErrorIs(t, err, errBoom)
	var ee *retry.ExhaustedError
	require.True(t, errors.As(err, &ee), "err = %T, want *ExhaustedError", err)
	assert.Equal(t, errSpent, ee.Reason, "Reason")
	assert.EqualError(t, err, "retry: exhausted after 2 attempts: budget spent: boom")
	assert.Equal(t, 1, b.requests, "RecordRequest calls")
	assert.Equal(t, 2, b.asked, "AllowRetry calls")

	// A generous budget is asked once per retry, not for the first attempt
	// nor once attempts are used up.
	b = &fakeBudget{allow: 100}
	cfg.Budget = b
	cfg.MaxAttempts = 3
	for range 2 {
		fn, _ = failing(0)
		_, _ = retry.New(cfg).Execute(context.Background(), fn)
	}
	fn, _ = failing(1)
	_, _ = retry.New(cfg).Execute(context.Background(), fn)
	assert.Equal(t, 3, b.requests, "RecordRequest calls")
	assert.Equal(t, 4, b.asked, "AllowRetry calls")
}

func TestPanicPropagates(t *testing.T) {
	type boom struct{ n int }
	ctx := resilience.WithDiscard(context.Background(), func(int) {})
	fn, _ := script(func(n int) (int, error) {
		if n == 2 {
			panic(boom{n})
		}
		return n, errBoom
	})
	assert.PanicsWithValue(t, boom{2}, func() { _, _ = retry.New(now(5)).Execute(ctx, fn) })
}

func TestNilArguments(t *testing.T) {
	p := retry.New(now(3))
	fn, calls := failing(1)
	//lint:ignore SA1012 a nil ctx on purpose: Execute must reject it with ErrInvalidArgument
	_, err := p.Execute(nil, fn)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "nil ctx")
	_, err = p.Execute(context.Background(), nil)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "nil next")
	assert.Zero(t, *calls, "calls")

	b := &fakeBudget{allow: 10}
	cfg := now(3)
	cfg.Budget = b
	_, _ = retry.New(cfg).Execute(context.Background(), nil)
	assert.Zero(t, b.requests, "a rejected call records no request")
}

func TestMaxDurationCutsOffWithoutWaiting(t *testing.T) {
	mock := newNoWaitClock()
	cfg := retry.Config[int]{
		MaxAttempts: 10,
		MaxDuration: 5 * time.Second,
		Backoff:     retry.Constant(4 * time.Second),
		Clock:       mock,
	}
	fn, calls := script(func(n int) (int, error) {
		mock.Add(2 * time.Second) // the attempt takes 2s
		return n, errBoom
	})
	r, err := retry.New(cfg).Execute(context.Background(), fn)
	assert.Equal(t, 1, *calls, "calls: 2s elapsed + 4s delay > 5s, so no retry")
	assert.Equal(t, 1, r, "the last result is returned")
	assert.ErrorIs(t, err, retry.ErrExhausted)
	assert.ErrorIs(t, err, errBoom)
	assert.EqualError(t, err, "retry: exhausted after 1 attempt: next delay 4s would pass MaxDuration 5s (2s elapsed): boom")
	assert.Empty(t, *mock.timers, "delays waited")

	// Slow attempts use up MaxDuration even without delays.
	cfg.Backoff = retry.Constant(0)
	fn, calls = script(func(n int) (int, error) {
		mock.Add(2 * time.Second)
		return n, errBoom
	})
	_, err = retry.New(cfg).Execute(context.Background(), fn)
	assert.Equal(t, 3, *calls, "calls: the 3rd attempt ends at 6s > 5s")
	assert.ErrorIs(t, err, retry.ErrExhausted)
}

func TestMaxDurationWaitsOnTheClock(t *testing.T) {
	for _, tt := range []struct {
		maxDuration time.Duration
		wantCalls   int
	}{
		{5 * time.Second, 2}, // 3s + 3s > 5s: no second delay
		{6 * time.Second, 3}, // 3s + 3s = 6s: the third attempt starts at 6s
	} {
		pc := resiliencetest.NewClock()
		cfg := retry.Config[int]{MaxAttempts: 3, MaxDuration: tt.maxDuration, Backoff: retry.Constant(3 * time.Second), Clock: pc}
		fn, calls := failing(0)
		done := make(chan error, 1)
		go func() {
			_, err := retry.New(cfg).Execute(context.Background(), fn)
			done <- err
		}()
		var err error
	wait:
		for {
			select {
			case d := <-pc.Waits():
				pc.Add(d)
			case err = <-done:
				break wait
			}
		}
		assert.Equal(t, tt.wantCalls, *calls, "MaxDuration %v: calls", tt.maxDuration)
		assert.ErrorIs(t, err, retry.ErrExhausted, "MaxDuration %v", tt.maxDuration)
		assert.Equal(t, time.Duration(tt.wantCalls-1)*3*time.Second, pc.Since(time.Unix(0, 0)), "MaxDuration %v: time waited", tt.maxDuration)
	}
}

func TestDeadlineCutsOffWithoutWaiting(t *testing.T) {
	mock := newNoWaitClock()
	for _, tt := range []struct {
		delay     time.Duration
		wantCalls int
	}{
		{5 * time.Second, 1}, // past the deadline
		{3 * time.Second, 1}, // at the deadline: ctx would be done
	} {
		ctx, cancel := mock.WithTimeout(context.Background(), 3*time.Second)
		cfg := retry.Config[int]{MaxAttempts: 5, Backoff: retry.Constant(tt.delay), Clock: mock}
		fn, calls := failing(0)
		r, err := retry.New(cfg).Execute(ctx, fn)
		cancel()
		assert.Empty(t, *mock.timers, "delay %v: delays waited", tt.delay)
		assert.Equal(t, tt.wantCalls, *calls, "delay %v: calls", tt.delay)
		assert.Equal(t, 1, r, "delay %v: the last result is returned", tt.delay)
		assert.ErrorIs(t, err, retry.ErrExhausted, "delay %v", tt.delay)
		assert.ErrorIs(t, err, errBoom, "delay %v", tt.delay)
		assert.NotErrorIs(t, err, context.DeadlineExceeded, "delay %v: the deadline has not passed", tt.delay)
		assert.EqualError(t, err, fmt.Sprintf("retry: exhausted after 1 attempt: next delay %v would reach the context deadline (3s left): boom", tt.delay))
	}
}

func TestThroughCompose(t *testing.T) {
	var seen int
	count := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
		seen++
		return next(ctx)
	})
	exec := resilience.Compose[int](retry.New(now(4)), count)
	fn, calls := failing(3)
	r, err := exec.Execute(context.Background(), fn)
	require.NoError(t, err)
	assert.Equal(t, 3, r, "result")
	assert.Equal(t, 3, *calls, "calls")
	assert.Equal(t, 3, seen, "the inner policy sees every attempt")

	runs := 0
	err = exec.Run(context.Background(), func(context.Context) error {
		runs++
		return errBoom
	})
	assert.ErrorIs(t, err, retry.ErrExhausted)
	assert.Equal(t, 4, runs, "Run attempts")
}
