package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/ratelimit"
)

func Example() {
	// 100 calls a second, up to 20 at once after a quiet spell.
	api := ratelimit.New[string](ratelimit.Config{Name: "api", Rate: 100, Burst: 20})
	exec := resilience.Compose[string](api)

	reply, err := exec.Execute(context.Background(), func(ctx context.Context) (string, error) {
		return "pong", nil // the call
	})
	fmt.Println(reply, err)
	// Output: pong <nil>
}

func ExampleNew() {
	// Smooth: 2 per second means one every 500ms, no bursts.
	l := ratelimit.New[int](ratelimit.Config{Rate: 2})
	fmt.Println(l.Interval())
	// Output: 500ms
}

func ExampleLimiter_Execute() {
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Name: "api", Rate: 4, Clock: mock}) // one per 250ms
	call := func(context.Context) (int, error) { return 1, nil }
	ctx := context.Background()

	_, err := l.Execute(ctx, call)
	fmt.Println(err)
	_, err = l.Execute(ctx, call)
	fmt.Println(errors.Is(err, ratelimit.ErrExceeded), err)
	mock.Add(250 * time.Millisecond)
	_, err = l.Execute(ctx, call)
	fmt.Println(err)
	// Output:
	// <nil>
	// true ratelimit: exceeded (api: next permit in 250ms)
	// <nil>
}

func ExampleLimiter_Allow() {
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Rate: 1, Period: time.Minute, Burst: 3, Clock: mock})
	for range 4 {
		fmt.Print(l.Allow(), " ")
	}
	mock.Add(time.Minute)
	fmt.Println(l.Allow())
	// Output: true true true false true
}

func ExampleLimiter_Wait() {
	l := ratelimit.New[int](ratelimit.Config{Rate: 1000, MaxWait: time.Second})
	for range 3 {
		if err := l.Wait(context.Background()); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println("three permits, a millisecond apart")
	// Output: three permits, a millisecond apart
}

func ExampleLimiter_Reserve() {
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Rate: 10, MaxWait: time.Second, Clock: mock})

	now, _ := l.Reserve()
	later, _ := l.Reserve()
	fmt.Println(now.Delay(), later.Delay())

	// Plans changed: give the later token back for someone else.
	fmt.Println(later.Cancel())
	next, _ := l.Reserve()
	fmt.Println(next.Delay())
	// Output:
	// 0s 100ms
	// true
	// 100ms
}

func ExampleExceededError_RetryAfter() {
	mock := clock.NewMock()
	l := ratelimit.New[int](ratelimit.Config{Rate: 1, Period: 10 * time.Second, Clock: mock})
	l.Allow()
	mock.Add(3 * time.Second)

	err := l.Wait(context.Background())
	var ex *ratelimit.ExceededError
	if errors.As(err, &ex) {
		// An HTTP server would answer 429 with "Retry-After: 7".
		fmt.Println(ex.RetryAfter())
	}
	// Output: 7s
}

func ExampleAs() {
	// One upstream quota shared by calls of different result types.
	mock := clock.NewMock()
	users := ratelimit.New[string](ratelimit.Config{Rate: 1, Clock: mock})
	counts := ratelimit.As[int](users)

	fmt.Println(users.Allow(), counts.Allow())
	// Output: true false
}

func ExampleConfig_Validate() {
	err := ratelimit.Config{Rate: 5, Burst: -1}.Validate()
	fmt.Println(err)
	fmt.Println(errors.Is(err, resilience.ErrInvalidConfig))
	// Output:
	// ratelimit: Burst = -1: must be >= 0 (0 = 1, smooth)
	// true
}
