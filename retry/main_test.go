package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"go.uber.org/goleak"

	"github.com/go-resilience/resilience"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	errBoom  = errors.New("boom")
	errFatal = errors.New("fatal")
)

// script returns a Func whose n-th call (from 1) returns outcome(n), and a
// pointer to the number of calls made.
func script[R any](outcome func(n int) (R, error)) (resilience.Func[R], *int) {
	calls := new(int)
	return func(context.Context) (R, error) {
		*calls++
		return outcome(*calls)
	}, calls
}

// failing returns a Func that fails with errBoom and its call number as the
// result until call succeedAt, which returns succeedAt and no error.
// succeedAt 0 never succeeds.
func failing(succeedAt int) (resilience.Func[int], *int) {
	return script(func(n int) (int, error) {
		if n == succeedAt {
			return n, nil
		}
		return n, errBoom
	})
}

// fakeBudget allows the first allow retries and refuses the rest with err.
// It is used from one goroutine only.
type fakeBudget struct {
	allow    int
	err      error
	requests int // RecordRequest calls
	asked    int // AllowRetry calls
}

func (b *fakeBudget) RecordRequest() { b.requests++ }

func (b *fakeBudget) AllowRetry() error {
	b.asked++
	if b.asked > b.allow {
		return b.err
	}
	return nil
}

// noWaitClock is a mock clock whose timers fire at once. It records the
// duration of each timer asked for, so that a test can tell whether the
// policy would have waited, without hanging if it would. Not
// resiliencetest.Clock, whose timers wait until the test moves the clock:
// these tests check that no wait starts, and must not hang if one does.
type noWaitClock struct {
	*clock.Mock
	timers *[]time.Duration
}

func newNoWaitClock() noWaitClock {
	return noWaitClock{Mock: clock.NewMock(), timers: new([]time.Duration)}
}

func (c noWaitClock) Timer(d time.Duration) *clock.Timer {
	*c.timers = append(*c.timers, d)
	return c.Mock.Timer(0)
}
