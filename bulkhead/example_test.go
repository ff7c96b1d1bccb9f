package bulkhead_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/bulkhead"
)

func Example() {
	// At most 10 queries at once; an 11th waits up to 100ms for a permit.
	db := bulkhead.New[string](bulkhead.Config{Name: "db", MaxConcurrent: 10, MaxWait: 100 * time.Millisecond})
	exec := resilience.Compose[string](db)

	name, err := exec.Execute(context.Background(), func(ctx context.Context) (string, error) {
		return "Ada", nil // the query
	})
	fmt.Println(name, err)
	// Output: Ada <nil>
}

func ExampleNew() {
	b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 4})
	fmt.Println(b.MaxConcurrent(), b.InFlight())
	// Output: 4 0
}

func ExampleBulkhead_Execute() {
	b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1})
	ctx := context.Background()

	release, _ := b.Acquire(ctx) // someone holds the only permit
	_, err := b.Execute(ctx, func(context.Context) (int, error) { return 1, nil })
	fmt.Println(errors.Is(err, bulkhead.ErrFull))
	fmt.Println(err)
	release()

	n, err := b.Execute(ctx, func(context.Context) (int, error) { return 1, nil })
	fmt.Println(n, err)
	// Output:
	// true
	// bulkhead: full (1 in flight)
	// 1 <nil>
}

func ExampleBulkhead_Acquire() {
	b := bulkhead.New[struct{}](bulkhead.Config{MaxConcurrent: 2})

	release, err := b.Acquire(context.Background())
	if err != nil {
		fmt.Println("busy:", err)
		return
	}
	fmt.Println("in flight:", b.InFlight())
	release()
	fmt.Println("in flight:", b.InFlight())
	// Output:
	// in flight: 1
	// in flight: 0
}

func ExampleBulkhead_Waiting() {
	b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1, MaxWait: time.Minute})
	ctx := context.Background()
	release, _ := b.Acquire(ctx)

	done := make(chan error)
	go func() {
		_, err := b.Execute(ctx, func(context.Context) (int, error) { return 1, nil })
		done <- err
	}()
	for b.Waiting() == 0 {
		runtime.Gosched()
	}
	fmt.Println("waiting:", b.Waiting(), "in flight:", b.InFlight())
	release()
	fmt.Println(<-done)
	// Output:
	// waiting: 1 in flight: 1
	// <nil>
}

func ExampleBulkhead_InFlight() {
	b := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 3})
	_, _ = b.Execute(context.Background(), func(context.Context) (int, error) {
		fmt.Println("during:", b.InFlight())
		return 0, nil
	})
	fmt.Println("after:", b.InFlight())
	// Output:
	// during: 1
	// after: 0
}

func ExampleAs() {
	// One database, one pool of permits, queries of different result types.
	users := bulkhead.New[string](bulkhead.Config{Name: "db", MaxConcurrent: 1})
	counts := bulkhead.As[int](users)

	release, _ := users.Acquire(context.Background())
	_, err := counts.Execute(context.Background(), func(context.Context) (int, error) { return 42, nil })
	fmt.Println(err)
	release()
	// Output: bulkhead: full (db: 1 in flight)
}

func ExampleConfig_Validate() {
	err := bulkhead.Config{MaxConcurrent: 0}.Validate()
	fmt.Println(err)
	fmt.Println(errors.Is(err, resilience.ErrInvalidConfig))
	// Output:
	// bulkhead: MaxConcurrent = 0: must be > 0
	// true
}

func ExampleFullError() {
	b := bulkhead.New[int](bulkhead.Config{Name: "api", MaxConcurrent: 1})
	release, _ := b.Acquire(context.Background())
	defer release()

	_, err := b.Execute(context.Background(), func(context.Context) (int, error) { return 1, nil })
	var full *bulkhead.FullError
	if errors.As(err, &full) {
		fmt.Println(full.Name, full.MaxConcurrent)
	}
	// Output: api 1
}
