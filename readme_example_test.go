package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		// Three attempts in all, 10ms apart; none against an open breaker.
		retry.New(retry.Config[string]{Backoff: retry.Constant(10 * time.Millisecond)}),
		// Sees every attempt; opens when half of the last 100 failed.
		circuitbreaker.New(circuitbreaker.Config[string]{Name: "pricing"}),
		// Bounds each attempt.
		timeout.New[string](timeout.Config{Timeout: time.Second}),
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

// TestQuickStartStopsRetryingOnceTheBreakerOpens runs the quick start's
// stack against a dependency that always fails: once the breaker opens,
// the retry neither waits out its backoff against it nor retries into it,
// and the fallback answers at once.
func TestQuickStartStopsRetryingOnceTheBreakerOpens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		exec := resilience.Compose(
			fallback.Value("price unavailable"),
			retry.New(retry.Config[string]{Backoff: retry.Constant(10 * time.Millisecond)}),
			circuitbreaker.New(circuitbreaker.Config[string]{Name: "pricing"}),
			timeout.New[string](timeout.Config{Timeout: time.Second}),
		)
		calls := 0
		down := func(context.Context) (string, error) { calls++; return "", errors.New("connection reset") }
		run := func() (elapsed time.Duration, made int) {
			start, before := time.Now(), calls
			price, err := exec.Execute(context.Background(), down)
			require.NoError(t, err)
			require.Equal(t, "price unavailable", price)
			return time.Since(start), calls - before
		}
		// The breaker opens on the 20th failed call: the second attempt of
		// the 7th execution, after six of three attempts each.
		for i := 1; i <= 6; i++ {
			elapsed, made := run()
			assert.Equal(t, 20*time.Millisecond, elapsed, "execution %d: two delays", i)
			assert.Equal(t, 3, made, "execution %d: calls", i)
		}
		elapsed, made := run()
		assert.Equal(t, 10*time.Millisecond, elapsed, "execution 7: no delay after the attempt that opened the breaker")
		assert.Equal(t, 2, made, "execution 7: calls")
		elapsed, made = run()
		assert.Zero(t, elapsed, "execution 8: rejected at once, no delay")
		assert.Zero(t, made, "execution 8: calls")
	})
}
