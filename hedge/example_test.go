package hedge_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/hedge"
)

// Attempt 1 is stuck; 10ms later a hedge asks again, answers at once and
// wins. The stuck attempt is cancelled and waited for.
func Example() {
	p := hedge.New(hedge.Config[string]{Delay: 10 * time.Millisecond})
	var calls atomic.Int32
	answer, err := p.Execute(context.Background(), func(ctx context.Context) (string, error) {
		if calls.Add(1) == 1 {
			<-ctx.Done() // stuck until the hedge wins
			fmt.Println("attempt 1 cancelled:", context.Cause(ctx))
			return "", ctx.Err()
		}
		return "from attempt 2", nil
	})
	fmt.Println(answer, err)
	// Output:
	// attempt 1 cancelled: hedge: another attempt decided the outcome
	// from attempt 2 <nil>
}

// With a zero Config the delay is the 95th percentile of recent
// latencies; until 20 are known the policy does not hedge.
func ExampleNew() {
	p := hedge.New(hedge.Config[int]{MaxHedges: 2})
	_, known := p.Delay()
	fmt.Println("delay known:", known)
	// Output: delay known: false
}

func ExamplePolicy_Delay() {
	p := hedge.New(hedge.Config[int]{MinDelay: 50 * time.Millisecond})
	for range 20 {
		_, _ = p.Execute(context.Background(), func(context.Context) (int, error) { return 1, nil })
	}
	d, ok := p.Delay()
	fmt.Println(d, ok) // the calls were faster than MinDelay
	// Output: 50ms true
}

// Work that must not be repeated speculatively runs once.
func ExamplePolicy_Execute() {
	p := hedge.New(hedge.Config[int]{Delay: time.Millisecond})
	ctx := resilience.WithoutRepeat(context.Background())
	var calls atomic.Int32
	_, _ = p.Execute(ctx, func(context.Context) (int, error) {
		calls.Add(1)
		time.Sleep(5 * time.Millisecond)
		return 1, nil
	})
	fmt.Println("calls:", calls.Load())
	// Output: calls: 1
}

func ExampleConfig_Validate() {
	err := hedge.Config[int]{Quantile: 95}.Validate()
	fmt.Println(err)
	fmt.Println(errors.Is(err, resilience.ErrInvalidConfig))
	// Output:
	// hedge: Quantile = 95: must be in (0, 1], or 0 (0.95)
	// true
}
