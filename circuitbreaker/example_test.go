package circuitbreaker_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
)

func Example() {
	clk := clock.NewMock() // tests drive time; leave Clock nil in production
	cb := circuitbreaker.New(circuitbreaker.Config[string]{
		Name:                "inventory",
		ConsecutiveFailures: 3,
		OpenDelay:           10 * time.Second,
		Clock:               clk,
		OnStateChange: func(from, to circuitbreaker.State) {
			fmt.Println("breaker:", from, "->", to)
		},
	})
	down := func(context.Context) (string, error) { return "", errors.New("connection refused") }
	up := func(context.Context) (string, error) { return "42 in stock", nil }

	ctx := context.Background()
	for range 3 {
		_, _ = cb.Execute(ctx, down)
	}
	_, err := cb.Execute(ctx, up) // not called: the breaker is open
	fmt.Println(err)

	clk.Add(10 * time.Second)
	got, err := cb.Execute(ctx, up) // the trial call
	fmt.Println(got, err)
	// Output:
	// breaker: closed -> open
	// circuitbreaker: open (inventory)
	// breaker: open -> half-open
	// breaker: half-open -> closed
	// 42 in stock <nil>
}

func ExampleNew() {
	// Open when half of the last 20 calls (at least 10 of them) failed or
	// took over 2s; stay open 30s; close after 3 successful trials.
	cb := circuitbreaker.New(circuitbreaker.Config[int]{
		WindowSize:       20,
		MinCalls:         10,
		FailureRate:      0.5,
		SlowCallDuration: 2 * time.Second,
		SlowCallRate:     0.5,
		OpenDelay:        30 * time.Second,
		HalfOpenCalls:    3,
	})
	fmt.Println(cb.State())
	// Output: closed
}

func ExampleBreaker_Execute() {
	cb := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1})
	// Usually composed: resilience.Compose(retryPolicy, cb, timeoutPolicy).
	exec := resilience.Compose[int](cb)
	ctx := context.Background()

	_, err := exec.Execute(ctx, func(context.Context) (int, error) { return 0, errors.New("boom") })
	fmt.Println(err)
	_, err = exec.Execute(ctx, func(context.Context) (int, error) { return 1, nil })
	fmt.Println(errors.Is(err, circuitbreaker.ErrOpen))
	// Output:
	// boom
	// true
}

func ExampleBreaker_Allow() {
	cb := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1})
	// A middleware sees the start and the end of a call apart.
	permit, err := cb.Allow(context.Background())
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	status := 503 // ... the call happens ...
	if status >= 500 {
		permit.Done(status, errors.New("server error"))
	} else {
		permit.Done(status, nil)
	}
	_, err = cb.Allow(context.Background())
	fmt.Println("next call:", err)
	// Output: next call: circuitbreaker: open
}

func ExampleShare() {
	type user struct{ Name string }
	type order struct{ ID int }
	users := circuitbreaker.New(circuitbreaker.Config[user]{Name: "db", ConsecutiveFailures: 2})
	orders := circuitbreaker.Share[order](users, nil) // same breaker, other result type

	ctx := context.Background()
	_, _ = users.Execute(ctx, func(context.Context) (user, error) { return user{}, errors.New("db down") })
	_, _ = orders.Execute(ctx, func(context.Context) (order, error) { return order{}, errors.New("db down") })
	fmt.Println(users.State(), orders.State())
	// Output: open open
}

func ExampleOpenError_RetryAfter() {
	clk := clock.NewMock()
	cb := circuitbreaker.New(circuitbreaker.Config[int]{ConsecutiveFailures: 1, OpenDelay: time.Minute, Clock: clk})
	ctx := context.Background()
	_, _ = cb.Execute(ctx, func(context.Context) (int, error) { return 0, errors.New("boom") })
	clk.Add(15 * time.Second)

	_, err := cb.Execute(ctx, func(context.Context) (int, error) { return 1, nil })
	var oe *circuitbreaker.OpenError
	if errors.As(err, &oe) {
		fmt.Println("Retry-After:", oe.RetryAfter())
	}
	// Output: Retry-After: 45s
}

func ExampleBreaker_Metrics() {
	cb := circuitbreaker.New(circuitbreaker.Config[int]{WindowSize: 10})
	ctx := context.Background()
	for i := range 8 {
		_, _ = cb.Execute(ctx, func(context.Context) (int, error) {
			if i%4 == 0 {
				return 0, errors.New("boom")
			}
			return i, nil
		})
	}
	m := cb.Metrics()
	fmt.Printf("%v: %d calls, %d failed (%.0f%%)\n", m.State, m.Calls, m.Failures, 100*m.FailureRate)
	// Output: closed: 8 calls, 2 failed (25%)
}

func ExampleBreaker_ForceOpen() {
	cb := circuitbreaker.New(circuitbreaker.Config[int]{})
	ctx := context.Background()
	call := func(context.Context) (int, error) { return 1, nil }

	cb.ForceOpen() // e.g. during a dependency's maintenance window
	_, err := cb.Execute(ctx, call)
	fmt.Println(cb.State(), err)

	cb.Disable() // admit everything, record nothing
	_, err = cb.Execute(ctx, call)
	fmt.Println(cb.State(), err)

	cb.MetricsOnly() // record, but never open
	_, _ = cb.Execute(ctx, call)
	fmt.Println(cb.State(), cb.Metrics().Calls)

	cb.Reset() // back to normal, with an empty window
	fmt.Println(cb.State(), cb.Metrics().Calls)
	// Output:
	// forced-open circuitbreaker: open
	// disabled <nil>
	// metrics-only 1
	// closed 0
}

func ExampleConfig_timeWindow() {
	clk := clock.NewMock()
	cb := circuitbreaker.New(circuitbreaker.Config[int]{
		WindowPeriod: time.Minute, // ten buckets of 6s
		MinCalls:     2,
		FailureRate:  1,
		Clock:        clk,
	})
	ctx := context.Background()
	fail := func(context.Context) (int, error) { return 0, errors.New("boom") }

	_, _ = cb.Execute(ctx, fail)
	clk.Add(time.Minute) // the failure ages out
	_, _ = cb.Execute(ctx, fail)
	fmt.Println(cb.State(), cb.Metrics().Calls)
	_, _ = cb.Execute(ctx, fail)
	fmt.Println(cb.State())
	// Output:
	// closed 1
	// open
}

type doubling struct{}

func (doubling) Delay(attempt int, prev time.Duration) time.Duration {
	if prev == 0 {
		return time.Second
	}
	return min(2*prev, time.Minute)
}

func ExampleConfig_openBackoff() {
	clk := clock.NewMock()
	cb := circuitbreaker.New(circuitbreaker.Config[int]{
		ConsecutiveFailures: 1,
		OpenBackoff:         doubling{}, // retry.Exponential fits here too
		Clock:               clk,
	})
	ctx := context.Background()
	fail := func(context.Context) (int, error) { return 0, errors.New("still down") }
	var oe *circuitbreaker.OpenError
	for range 3 {
		_, _ = cb.Execute(ctx, fail) // opens, or a failed trial reopens
		_, err := cb.Execute(ctx, fail)
		errors.As(err, &oe)
		fmt.Println("open for", oe.RetryAfter())
		clk.Add(oe.RetryAfter())
	}
	// Output:
	// open for 1s
	// open for 2s
	// open for 4s
}

func ExampleConfig_halfOpenMaxWait() {
	clk := clock.NewMock()
	cb := circuitbreaker.New(circuitbreaker.Config[int]{
		ConsecutiveFailures: 1,
		OpenDelay:           time.Second,
		HalfOpenMaxWait:     10 * time.Second,
		Clock:               clk,
	})
	ctx := context.Background()
	_, _ = cb.Execute(ctx, func(context.Context) (int, error) { return 0, errors.New("down") })
	clk.Add(time.Second)
	trial, _ := cb.Allow(ctx) // the trial call hangs: no Done for 10s
	fmt.Println(cb.State())
	clk.Add(10 * time.Second)
	fmt.Println(cb.State())
	trial.Done(1, nil) // returns at last, from a half-open period that has ended
	fmt.Println(cb.State())
	// Output:
	// half-open
	// open
	// open
}

func ExampleConfig_consecutiveFailuresAlone() {
	// Open after 3 failures in a row and on nothing else: failsafe-go's
	// WithFailureThreshold(3), gobreaker's ReadyToTrip on
	// ConsecutiveFailures.
	cb := circuitbreaker.New(circuitbreaker.Config[int]{
		ConsecutiveFailures: 3,
		FailureRate:         circuitbreaker.RateOff,
	})
	ctx := context.Background()
	fail := func(context.Context) (int, error) { return 0, errors.New("boom") }
	succeed := func(context.Context) (int, error) { return 1, nil }
	for range 20 { // two of every three calls fail, never three in a row
		_, _ = cb.Execute(ctx, fail)
		_, _ = cb.Execute(ctx, fail)
		_, _ = cb.Execute(ctx, succeed)
	}
	fmt.Println(cb.State(), cb.Metrics().Failures)
	_, _ = cb.Execute(ctx, fail)
	_, _ = cb.Execute(ctx, fail)
	_, _ = cb.Execute(ctx, fail)
	fmt.Println(cb.State())
	// Output:
	// closed 40
	// open
}

func ExampleConfig_ignoreIf() {
	errNotFound := errors.New("not found")
	cb := circuitbreaker.New(circuitbreaker.Config[int]{
		ConsecutiveFailures: 2,
		// A miss is an answer of a healthy dependency: count it neither way.
		IgnoreIf: func(_ int, err error) bool { return errors.Is(err, errNotFound) },
	})
	ctx := context.Background()
	miss := func(context.Context) (int, error) { return 0, errNotFound }
	var err error
	for range 5 {
		_, err = cb.Execute(ctx, miss)
	}
	fmt.Println(err) // returned as it is
	fmt.Println(cb.State(), cb.Metrics().Calls)
	// Output:
	// not found
	// closed 0
}

func ExampleConfig_Validate() {
	cfg := circuitbreaker.Config[int]{WindowSize: 10, MinCalls: 20} // e.g. read from a file
	if err := cfg.Validate(); err != nil {
		fmt.Println(err)
		fmt.Println(errors.Is(err, resilience.ErrInvalidConfig))
	}
	// Output:
	// circuitbreaker: MinCalls = 20: must be <= WindowSize (10)
	// true
}
