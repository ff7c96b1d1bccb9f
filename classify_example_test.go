package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/fallback"
	"github.com/go-resilience/resilience/retry"
)

// A stack says once that "no such user" is an answer, not a failure: the
// retry does not retry it, the breaker does not count it and the fallback
// does not replace it. None of the three repeats it in its Config.
func ExampleComposeWith() {
	errNoSuchUser := errors.New("no such user")
	exec := resilience.ComposeWith(
		resilience.Options[string]{FailureIf: func(_ string, err error) bool {
			return err != nil && !errors.Is(err, errNoSuchUser)
		}},
		fallback.Value("guest"),
		circuitbreaker.New(circuitbreaker.Config[string]{Name: "users", ConsecutiveFailures: 1}),
		retry.New(retry.Config[string]{MaxAttempts: 3, DelayFunc: func(int, string, error) time.Duration { return 0 }}),
	)

	attempts := 0
	_, err := exec.Execute(context.Background(), func(context.Context) (string, error) {
		attempts++
		return "", errNoSuchUser
	})
	fmt.Println(err, "after", attempts, "attempt")

	attempts = 0
	name, err := exec.Execute(context.Background(), func(context.Context) (string, error) {
		attempts++
		return "", errors.New("connection refused")
	})
	fmt.Println(name, err, "after", attempts, "attempts")
	// Output:
	// no such user after 1 attempt
	// guest <nil> after 3 attempts
}
