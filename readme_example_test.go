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
	"github.com/go-resilience/resilience/timeout"
)

// The README's quick start. Its body must stay the body of the README's
// main func: internal/doccheck compares the two.
func Example_quickStart() {
	// Build one executor per call site, once. Policies run outermost first.
	exec := resilience.Compose(
		// Answers when everything below failed.
		fallback.Value("price unavailable"),
		// Three attempts in all, 10ms apart.
		retry.New(retry.Config[string]{Backoff: retry.Constant(10 * time.Millisecond)}),
		// Sees every attempt; opens when half of the last 100 failed.
		circuitbreaker.New(circuitbreaker.Config[string]{Name: "pricing"}),
		// Bounds each attempt.
		timeout.New(timeout.Config[string]{Timeout: time.Second}),
	)

	attempts := 0
	price, err := exec.Execute(context.Background(), func(ctx context.Context) (string, error) {
		attempts++
		if attempts < 3 {
			return "", errors.New("connection reset")
		}
		return "42.00 EUR", nil
	})
	fmt.Println(price, err, attempts)
	// Output: 42.00 EUR <nil> 3
}
