package circuitbreaker_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
)

var errBoom = errors.New("boom")

func succeed(context.Context) (int, error) { return 1, nil }
func fail(context.Context) (int, error)    { return 0, errBoom }

// run executes one call with the given outcome and returns Execute's error.
func run(b *circuitbreaker.Breaker[int], failed bool) error {
	fn := succeed
	if failed {
		fn = fail
	}
	_, err := b.Execute(context.Background(), fn)
	return err
}

// runAll executes one call per outcome, in order ('F' fails, 'S' succeeds).
func runAll(t *testing.T, b *circuitbreaker.Breaker[int], outcomes string) {
	t.Helper()
	for i, o := range outcomes {
		err := run(b, o == 'F')
		require.False(t, errors.Is(err, circuitbreaker.ErrOpen), "call %d of %q rejected: %v", i, outcomes, err)
	}
}

func newMock() *clock.Mock { return clock.NewMock() }

func repeat(c byte, n int) string { return strings.Repeat(string(c), n) }

// slowFn returns a call that advances clk by d while it runs.
func slowFn(clk interface{ Add(time.Duration) }, d time.Duration, err error) resilience.Func[int] {
	return func(context.Context) (int, error) {
		clk.Add(d)
		return 1, err
	}
}

// changes records OnStateChange calls.
type changes struct {
	mu  sync.Mutex
	got []string
}

func (c *changes) record(from, to circuitbreaker.State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, from.String()+">"+to.String())
}

func (c *changes) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got...)
}

// openErr returns err as an *OpenError, failing the test if it is not one.
func openErr(t *testing.T, err error) *circuitbreaker.OpenError {
	t.Helper()
	var oe *circuitbreaker.OpenError
	require.ErrorAs(t, err, &oe)
	require.ErrorIs(t, err, circuitbreaker.ErrOpen)
	return oe
}

// fakeClock is a clock.Clock whose Now is set by the test and that, unlike
// clock.Mock, does not sleep when moved: the breaker only reads Now.
// Not resiliencetest.Clock: the model and concurrency tests move it from
// many goroutines millions of times, and its nil clock.Clock makes any
// other call the breaker might start (a timer) fail the test at once.
type fakeClock struct {
	clock.Clock // nil: the breaker must call nothing else
	ns          atomic.Int64
}

func (c *fakeClock) Now() time.Time         { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Add(d time.Duration)    { c.ns.Add(int64(d)) }
func (c *fakeClock) elapsed() time.Duration { return time.Duration(c.ns.Load()) }
