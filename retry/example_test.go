package retry_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/retry"
)

func ExampleNew() {
	p := retry.New(retry.Config[string]{
		MaxAttempts: 4,
		Backoff:     retry.Exponential{Initial: time.Millisecond, Jitter: retry.FullJitter},
	})
	attempts := 0
	greeting, err := p.Execute(context.Background(), func(context.Context) (string, error) {
		attempts++
		if attempts < 3 {
			return "", errors.New("connection refused")
		}
		return "hello", nil
	})
	fmt.Println(greeting, err, attempts)
	// Output: hello <nil> 3
}

func ExampleNew_exhausted() {
	errDown := errors.New("service down")
	p := retry.New(retry.Config[int]{MaxAttempts: 3, Backoff: retry.Constant(time.Millisecond)})
	_, err := p.Execute(context.Background(), func(context.Context) (int, error) {
		return 0, errDown
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, retry.ErrExhausted), errors.Is(err, errDown))
	var ee *retry.ExhaustedError
	if errors.As(err, &ee) {
		fmt.Println("attempts:", ee.Attempts)
	}
	// Output:
	// retry: exhausted after 3 attempts: service down
	// true true
	// attempts: 3
}

func ExampleNew_compose() {
	// Compose runs the retry outermost; the logging policy sees each attempt.
	logAttempts := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
		n, err := next(ctx)
		fmt.Println("attempt:", n, err)
		return n, err
	})
	exec := resilience.Compose[int](retry.New(retry.Config[int]{Backoff: retry.Constant(0)}), logAttempts)
	calls := 0
	n, err := exec.Execute(context.Background(), func(context.Context) (int, error) {
		calls++
		if calls == 1 {
			return calls, errors.New("timeout")
		}
		return calls, nil
	})
	fmt.Println("result:", n, err)
	// Output:
	// attempt: 1 timeout
	// attempt: 2 <nil>
	// result: 2 <nil>
}

func ExampleConstant() {
	b := retry.Constant(500 * time.Millisecond)
	for attempt := 1; attempt <= 3; attempt++ {
		fmt.Println(b.Delay(attempt, 0))
	}
	// Output:
	// 500ms
	// 500ms
	// 500ms
}

func ExampleExponential() {
	b := retry.Exponential{Initial: 100 * time.Millisecond, Max: 2 * time.Second}
	var delays []time.Duration
	for attempt := 1; attempt <= 7; attempt++ {
		delays = append(delays, b.Delay(attempt, 0))
	}
	fmt.Println(delays)

	// With jitter, each delay is drawn at random, but never above Max.
	b.Jitter = retry.FullJitter
	d := b.Delay(1000, 0)
	fmt.Println(d >= 0 && d <= b.Max)
	// Output:
	// [100ms 200ms 400ms 800ms 1.6s 2s 2s]
	// true
}

func ExampleExponential_Validate() {
	err := retry.Exponential{Initial: time.Second, Max: 500 * time.Millisecond}.Validate()
	fmt.Println(err)
	fmt.Println(errors.Is(err, resilience.ErrInvalidConfig))
	// Output:
	// retry: Exponential.Max = 500ms: must be >= Initial (1s)
	// true
}

func ExampleLinear() {
	b := retry.Linear{Step: time.Second, Max: 3 * time.Second}
	var delays []time.Duration
	for attempt := 1; attempt <= 5; attempt++ {
		delays = append(delays, b.Delay(attempt, 0))
	}
	fmt.Println(delays)
	// Output: [1s 2s 3s 3s 3s]
}

// busyError is a failure that says how long to wait before trying again.
type busyError struct{ retryAfter time.Duration }

func (e *busyError) Error() string { return fmt.Sprintf("busy, retry after %v", e.retryAfter) }

func ExampleConfig_delayFunc() {
	p := retry.New(retry.Config[int]{
		Backoff: retry.Constant(time.Millisecond),
		// Wait as long as the server asks; otherwise (-1) use the Backoff.
		DelayFunc: func(attempt int, _ int, err error) time.Duration {
			var busy *busyError
			if errors.As(err, &busy) {
				return busy.retryAfter
			}
			return -1
		},
		OnRetry: func(e retry.Event[int]) { fmt.Printf("attempt %d: %v; waiting %v\n", e.Attempt, e.Err, e.Delay) },
	})
	calls := 0
	_, _ = p.Execute(context.Background(), func(context.Context) (int, error) {
		calls++
		if calls == 1 {
			return 0, &busyError{retryAfter: 2 * time.Millisecond}
		}
		return 0, errors.New("reset")
	})
	// Output:
	// attempt 1: busy, retry after 2ms; waiting 2ms
	// attempt 2: reset; waiting 1ms
}

func ExampleConfig_onRetry() {
	p := retry.New(retry.Config[*string]{
		Backoff: retry.Constant(time.Millisecond),
		// A nil result is a failure too.
		FailureIf: func(s *string, err error) bool { return err != nil || s == nil },
		OnRetry: func(e retry.Event[*string]) {
			fmt.Printf("attempt %d failed (err %v, result %v); retrying in %v\n", e.Attempt, e.Err, e.Result, e.Delay)
		},
	})
	calls := 0
	s, err := p.Execute(context.Background(), func(context.Context) (*string, error) {
		calls++
		switch calls {
		case 1:
			return nil, errors.New("EOF")
		case 2:
			return nil, nil
		}
		s := "ready"
		return &s, nil
	})
	fmt.Println(*s, err)
	// Output:
	// attempt 1 failed (err EOF, result <nil>); retrying in 1ms
	// attempt 2 failed (err <nil>, result <nil>); retrying in 1ms
	// ready <nil>
}

func ExampleConfig_Validate() {
	cfg := retry.Config[int]{MaxAttempts: -2}
	fmt.Println(cfg.Validate())
	// Output: retry: MaxAttempts = -2: must be -1 (unlimited) or >= 0
}

// A retry around a circuit breaker stops at the failure that opens the
// breaker: that failure says the next attempt would be rejected, so the
// retry returns it rather than wait out its backoff for a rejection.
func ExampleConfig_maxRejectionWait() {
	exec := resilience.Compose(
		retry.New(retry.Config[string]{
			MaxAttempts: 5,
			Backoff:     retry.Constant(time.Millisecond),
			// 0, the default: never wait past the backoff for an open
			// breaker. Set it (or -1) to wait for the breaker's trial call.
			MaxRejectionWait: 0,
			Observer: resilience.ObserverFunc(func(_ context.Context, e resilience.Event) {
				if e.Kind == resilience.EventExhausted {
					fmt.Println("gave up:", e.Reason)
				}
			}),
		}),
		circuitbreaker.New(circuitbreaker.Config[string]{Name: "geo", ConsecutiveFailures: 2}),
	)
	calls := 0
	_, err := exec.Execute(context.Background(), func(context.Context) (string, error) {
		calls++
		return "", errors.New("connection refused")
	})
	fmt.Println(calls, "calls")
	fmt.Println(err)
	fmt.Println(errors.Is(err, retry.ErrExhausted), errors.Is(err, circuitbreaker.ErrOpen))
	// Output:
	// gave up: rejected
	// 2 calls
	// retry: exhausted after 2 attempts: circuitbreaker: open (geo) for longer than MaxRejectionWait 0s: connection refused
	// true true
}
