package timeout_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/timeout"
)

// A timeout inside a retry bounds each attempt; one outside bounds the whole.
func Example() {
	perAttempt := timeout.New[string](timeout.Config{Timeout: 20 * time.Millisecond})
	exec := resilience.Compose[string](perAttempt)

	_, err := exec.Execute(context.Background(), func(ctx context.Context) (string, error) {
		select { // a call that honours ctx but takes too long
		case <-time.After(time.Minute):
			return "late", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, timeout.ErrExceeded), errors.Is(err, context.DeadlineExceeded))
	// Output:
	// timeout: exceeded after 20ms
	// true true
}

func ExampleNew() {
	p := timeout.New[int](timeout.Config{Name: "pricing", Timeout: time.Second})
	price, err := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
		return 1299, nil // arrives well before the deadline
	})
	fmt.Println(price, err)
	// Output: 1299 <nil>
}

func ExamplePolicy_Execute() {
	p := timeout.New[int](timeout.Config{
		Timeout: 10 * time.Millisecond,
		OnTimeout: func(e timeout.Event) {
			fmt.Println("timed out after", e.Timeout)
		},
	})
	_, err := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
		<-ctx.Done()
		fmt.Println("cause:", context.Cause(ctx))
		return 0, ctx.Err()
	})
	fmt.Println("error:", err)
	// Output:
	// cause: timeout: exceeded after 10ms
	// timed out after 10ms
	// error: timeout: exceeded after 10ms
}

// The caller's own cancellation passes through unchanged.
func ExamplePolicy_Execute_callerCancels() {
	p := timeout.New[int](timeout.Config{Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	_, err := p.Execute(ctx, func(ctx context.Context) (int, error) {
		cancel()
		<-ctx.Done()
		return 0, ctx.Err()
	})
	fmt.Println(err, errors.Is(err, timeout.ErrExceeded))
	// Output: context canceled false
}

func ExamplePolicy_Timeout() {
	p := timeout.New[int](timeout.Config{Timeout: 1500 * time.Millisecond})
	fmt.Println(p.Timeout())
	// Output: 1.5s
}

func ExampleConfig_Validate() {
	err := timeout.Config{}.Validate()
	fmt.Println(err)
	fmt.Println(errors.Is(err, resilience.ErrInvalidConfig))
	// Output:
	// timeout: Timeout = 0s: must be > 0
	// true
}

func ExampleExceededError() {
	p := timeout.New[int](timeout.Config{Timeout: 10 * time.Millisecond})
	_, err := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, fmt.Errorf("load profile: %w", ctx.Err())
	})
	var ee *timeout.ExceededError
	if errors.As(err, &ee) {
		fmt.Println("timeout:", ee.Limit)
		fmt.Println("next said:", ee.Err)
	}
	// Output:
	// timeout: 10ms
	// next said: load profile: context deadline exceeded
}

// Tests drive the deadline with a mock clock instead of sleeping.
func ExampleConfig_mockClock() {
	mock := clock.NewMock()
	p := timeout.New[int](timeout.Config{Timeout: time.Minute, Clock: mock})

	parked := make(chan struct{})
	go func() {
		<-parked
		mock.Add(time.Minute) // the call is waiting: let a minute pass
	}()
	_, err := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
		close(parked)
		<-ctx.Done()
		return 0, ctx.Err()
	})
	fmt.Println(err)
	// Output: timeout: exceeded after 1m0s
}
