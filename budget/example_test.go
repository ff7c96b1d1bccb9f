package budget_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/go-resilience/resilience/budget"
)

// A budget of 20% of requests, without a floor: 100 requests allow 20
// retries, and the 21st is refused.
func Example() {
	b := budget.New(budget.Config{Percent: 0.2, MinPerSecond: budget.NoFloor})
	for range 100 {
		b.RecordRequest()
	}
	allowed := 0
	for b.AllowRetry() == nil {
		allowed++
	}
	fmt.Println("retries allowed:", allowed)
	fmt.Println(b.AllowRetry())
	// Output:
	// retries allowed: 20
	// budget: exceeded
}

// The floor lets a quiet caller retry even with no traffic at all.
func ExampleNew() {
	b := budget.New(budget.Config{MinPerSecond: 1, Window: 5 * time.Second})
	fmt.Println(b.AllowRetry() == nil, b.Metrics().Remaining)
	// Output: true 4
}

func ExampleBudget_Metrics() {
	b := budget.New(budget.Config{Name: "users-api"})
	for range 1000 {
		b.RecordRequest()
	}
	_ = b.AllowRetry()
	fmt.Printf("%+v\n", b.Metrics())
	// Output: {Requests:1000 Retries:1 Refused:0 Allowance:200 Remaining:199}
}

func ExampleExceededError_RetryAfter() {
	mock := clock.NewMock()
	b := budget.New(budget.Config{MinPerSecond: 1, Window: 10 * time.Second, Clock: mock})
	for b.AllowRetry() == nil { // spend the floor of 10
	}
	mock.Add(3 * time.Second)

	var exceeded *budget.ExceededError
	if errors.As(b.AllowRetry(), &exceeded) {
		fmt.Println("ask again in", exceeded.RetryAfter())
	}
	// Output: ask again in 7s
}

func ExampleConfig_Validate() {
	err := budget.Config{Percent: 20}.Validate()
	fmt.Println(err)
	// Output: budget: Percent = 20: must be in (0, 1], a fraction (0.2 = 20%), or 0 (0.2)
}

func ExampleBudget_RecordRequest() {
	b := budget.New(budget.Config{Percent: 0.5, MinPerSecond: budget.NoFloor})
	fmt.Println(b.AllowRetry() != nil)
	b.RecordRequest()
	b.RecordRequest()
	fmt.Println(b.AllowRetry() == nil)
	// Output:
	// true
	// true
}

func ExampleBudget_AllowRetry() {
	b := budget.New(budget.Config{MinPerSecond: budget.NoFloor})
	err := b.AllowRetry()
	fmt.Println(errors.Is(err, budget.ErrExceeded))
	// Output: true
}
