package resiliencetest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/bulkhead"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/resiliencetest"
	"github.com/go-resilience/resilience/retry"
)

// A test moves the clock only once the call is parked on it: NextWait
// says when, and with which duration.
func ExampleClock() {
	clk := resiliencetest.NewClock()
	b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1, MaxWait: time.Second, Clock: clk})
	release, _ := b.Acquire(context.Background()) // the only permit
	defer release()

	result := make(chan error)
	go func() {
		_, err := b.Execute(context.Background(), func(context.Context) (int, error) { return 1, nil })
		result <- err
	}()
	d, _ := clk.AdvanceNext(context.Background()) // queued with its MaxWait timer set: let it pass
	fmt.Println(d, errors.Is(<-result, bulkhead.ErrFull))
	// Output: 1s true
}

// Waits, in a select with the call's result, moves time through every
// delay of a retry.
func ExampleClock_Waits() {
	clk := resiliencetest.NewClock()
	rt := retry.New(retry.Config[int]{MaxAttempts: 3, Backoff: retry.Constant(2 * time.Second), Clock: clk})
	done := make(chan error, 1)
	go func() {
		_, err := rt.Execute(context.Background(), func(context.Context) (int, error) { return 0, errors.New("down") })
		done <- err
	}()
	for {
		select {
		case d := <-clk.Waits():
			fmt.Println("waits", d)
			clk.Add(d)
		case err := <-done:
			fmt.Println(errors.Is(err, retry.ErrExhausted))
			return
		}
	}
	// Output:
	// waits 2s
	// waits 2s
	// true
}

func ExampleTrip() {
	t := &testing.T{} // in a test, the test's t
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 3})
	resiliencetest.Trip(t, b, errors.New("down"))
	fmt.Println(b.State())
	b.Reset()
	fmt.Println(b.State())
	// Output:
	// open
	// closed
}

func ExampleHalfOpen() {
	t := &testing.T{} // in a test, the test's t
	clk := resiliencetest.NewClock()
	b := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1, OpenDelay: time.Minute, Clock: clk})
	resiliencetest.HalfOpen(t, b, clk, time.Minute, errors.New("down"))
	fmt.Println(b.State())
	// Output: half-open
}

func ExampleEvents() {
	var seen resiliencetest.Events
	rt := retry.New(retry.Config[int]{MaxAttempts: 2, Backoff: retry.Constant(0), Observer: &seen})
	_, _ = rt.Execute(context.Background(), func(context.Context) (int, error) { return 0, errors.New("down") })
	for _, e := range seen.All() {
		fmt.Println(e.Policy, e.Kind)
	}
	var _ resilience.Observer = &seen
	// Output:
	// retry retry
	// retry exhausted
}

func ExampleDiscards() {
	var dropped resiliencetest.Discards[int]
	rt := retry.New(retry.Config[int]{MaxAttempts: 3, Backoff: retry.Constant(0)})
	attempt := 0
	r, err := rt.Execute(dropped.Context(context.Background()), func(context.Context) (int, error) {
		attempt++
		return attempt, errors.New("down") // each result but the last is dropped for a retry
	})
	fmt.Println(r, errors.Is(err, retry.ErrExhausted), dropped.All())
	// Output: 3 true [1 2]
}
