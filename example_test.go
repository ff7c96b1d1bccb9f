package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-resilience/resilience"
)

// logging is a custom policy in one line.
func logging(name string) resilience.Policy[string] {
	return resilience.PolicyFunc[string](func(ctx context.Context, next resilience.Func[string]) (string, error) {
		fmt.Println("enter", name)
		defer fmt.Println("leave", name)
		return next(ctx)
	})
}

func ExampleCompose() {
	exec := resilience.Compose(logging("outer"), logging("inner"))
	greeting, err := exec.Execute(context.Background(), func(ctx context.Context) (string, error) {
		fmt.Println("work")
		return "hello", nil
	})
	fmt.Println(greeting, err)
	// Output:
	// enter outer
	// enter inner
	// work
	// leave inner
	// leave outer
	// hello <nil>
}

func ExampleExecutor_Run() {
	exec := resilience.Compose(logging("guard"))
	err := exec.Run(context.Background(), func(ctx context.Context) error {
		return errors.New("disk full")
	})
	fmt.Println(err)
	// Output:
	// enter guard
	// leave guard
	// disk full
}

func ExamplePolicyFunc() {
	// A policy that turns empty results into errors, so that retries and
	// breakers treat them as failures.
	nonEmpty := resilience.PolicyFunc[string](func(ctx context.Context, next resilience.Func[string]) (string, error) {
		s, err := next(ctx)
		if err == nil && s == "" {
			err = errors.New("empty answer")
		}
		return s, err
	})
	_, err := resilience.Compose[string](nonEmpty).Execute(context.Background(), func(context.Context) (string, error) {
		return "", nil
	})
	fmt.Println(err)
	// Output: empty answer
}

func ExamplePermanent() {
	err := resilience.Permanent(fmt.Errorf("user 42: %w", errNotFound))
	fmt.Println(resilience.IsPermanent(err), errors.Is(err, errNotFound), err)
	// Output: true true user 42: not found
}

var errNotFound = errors.New("not found")

func ExampleSetObserver() {
	resilience.SetObserver(resilience.ObserverFunc(func(ctx context.Context, e resilience.Event) {
		fmt.Printf("%s %s attempt=%d delay=%v\n", e.Policy, e.Kind, e.Attempt, e.Delay)
	}))
	defer resilience.SetObserver(nil)

	// Policies report through Emit; a custom one can too.
	resilience.Emit(context.Background(), nil, resilience.Event{
		Policy: "retry", Kind: resilience.EventRetry, Attempt: 1, Delay: 200 * time.Millisecond,
	})
	// Output: retry retry attempt=1 delay=200ms
}

func ExampleDiscard() {
	ctx := resilience.WithDiscard(context.Background(), func(r string) {
		fmt.Println("closing", r)
	})
	// A policy that drops a result hands it back instead of leaking it.
	resilience.Discard(ctx, "response #1")
	// Output: closing response #1
}

func ExampleCallerEnded() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), -time.Second)
	defer cancel2()
	fmt.Println(resilience.CallerEnded(ctx), resilience.CallerEnded(expired))
	// Output: true false
}
