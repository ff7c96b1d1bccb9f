package timeout_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/timeout"
)

// retryLoop is a minimal retry policy: up to n attempts while next fails,
// delay apart, each wait ending with ctx.
func retryLoop(n int, delay time.Duration) resilience.PolicyFunc[int] {
	return func(ctx context.Context, next resilience.Func[int]) (int, error) {
		var r int
		var err error
		for i := range n {
			if i > 0 {
				select {
				case <-time.After(delay):
				case <-ctx.Done():
					return r, ctx.Err()
				}
			}
			if r, err = next(ctx); err == nil {
				return r, nil
			}
		}
		return r, err
	}
}

func TestTimeoutInsideRetryBoundsEachAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var deadlines []time.Duration
		var errs []error
		exec := resilience.Compose[int](
			retryLoop(3, 0),
			resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
				r, err := next(ctx)
				errs = append(errs, err)
				return r, err
			}),
			timeout.New[int](timeout.Config{Timeout: time.Second}),
		)
		got, err := exec.Execute(context.Background(), func(ctx context.Context) (int, error) {
			d, _ := ctx.Deadline()
			deadlines = append(deadlines, d.Sub(start))
			if len(deadlines) < 3 {
				<-ctx.Done()
				return 0, ctx.Err()
			}
			return 7, nil
		})
		require.NoError(t, err)
		assert.Equal(t, 7, got)
		assert.Equal(t, 2*time.Second, time.Since(start), "two attempts timed out after 1s each")
		assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}, deadlines,
			"each attempt gets its own deadline")
		require.Len(t, errs, 3)
		assert.ErrorIs(t, errs[0], timeout.ErrExceeded)
		assert.ErrorIs(t, errs[1], timeout.ErrExceeded)
		assert.NoError(t, errs[2])
	})
}

func TestTimeoutOutsideRetryBoundsTheWhole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		flaky := errors.New("flaky")
		start := time.Now()
		attempts := 0
		exec := resilience.Compose[int](
			timeout.New[int](timeout.Config{Timeout: 2500 * time.Millisecond}),
			retryLoop(10, time.Second),
		)
		_, err := exec.Execute(context.Background(), func(context.Context) (int, error) {
			attempts++
			return 0, flaky
		})
		requireExceeded(t, err, 2500*time.Millisecond)
		assert.Equal(t, 2500*time.Millisecond, time.Since(start), "the timeout cut a retry delay short")
		assert.Equal(t, 3, attempts, "attempts at 0s, 1s and 2s")
	})
}
