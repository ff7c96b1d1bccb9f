package budget_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/budget"
)

const year = 365 * 24 * time.Hour

// TestRetryAfterOfTheLongestWindow: with the longest Window there is, 30
// years on, RetryAfter is the time until the newest bucket ages out,
// close to the whole window, not a product that wrapped around.
func TestRetryAfterOfTheLongestWindow(t *testing.T) {
	mock := newMock()
	// A floor of 9 extra attempts over the window (1e-9/s × ~9.2e9 s).
	b := budget.New(budget.Config{MinPerSecond: 1e-9, Window: math.MaxInt64, Clock: mock})
	mock.Add(30 * year)
	require.Equal(t, 9, spend(b, 100), "the floor")
	var ee *budget.ExceededError
	require.ErrorAs(t, b.AllowRetry(), &ee)

	width := time.Duration(math.MaxInt64) / 10
	now := 30 * year
	want := 10*width - now%width // the newest bucket, 1, ages out 10 widths after it began
	assert.Equal(t, want, ee.RetryAfter(), "RetryAfter 30 years into a window of %v", time.Duration(math.MaxInt64))
}

// TestClockSetBackBeforeNew: a clock set back centuries counts in the
// newest bucket, and RetryAfter tells how long the clock must run until
// that bucket ages out; when that is longer than a time.Duration holds,
// the longest Duration, never a sum that wrapped around to "now".
func TestClockSetBackBeforeNew(t *testing.T) {
	mock := newMock()
	start := mock.Now()
	b := budget.New(budget.Config{MinPerSecond: 1, Clock: mock}) // a floor of 10 per 10s
	require.Equal(t, 10, spend(b, 100))
	mock.Set(start.Add(-200 * year))
	assert.Equal(t, 0, spend(b, 100), "extra attempts allowed after the clock went back")
	var ee *budget.ExceededError
	require.ErrorAs(t, b.AllowRetry(), &ee)
	assert.Equal(t, 200*year+10*time.Second, ee.RetryAfter(), "RetryAfter: until the clock reads 10s after New again")

	mock.Set(start.Add(100 * year))
	require.Equal(t, 10, spend(b, 100), "a century on, the floor again")
	mock.Set(start.Add(-200 * year))
	assert.Equal(t, 0, spend(b, 100), "extra attempts allowed after the clock went back")
	assert.Equal(t, time.Duration(math.MaxInt64), ee.RetryAfter(), "RetryAfter: 300 years and 10s, beyond a Duration")
}
