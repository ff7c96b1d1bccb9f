package resiliencetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-resilience/resilience/circuitbreaker"
)

// maxTripCalls bounds Trip's failed calls, so that a breaker whose config
// never opens on err fails the test instead of looping.
const maxTripCalls = 10_000

// Trip drives b to Open through its public API: it executes calls that
// fail with err, as many as b's config needs, until b reports Open. It
// fails t if a call is rejected before that, or if b is not Open after
// 10000 calls (err is not a failure under b's FailureIf, or b is forced
// or disabled). To reach Closed again, call b.Reset.
func Trip[R any](t testing.TB, b *circuitbreaker.Breaker[R], err error) {
	t.Helper()
	for range maxTripCalls {
		if b.State() == circuitbreaker.Open {
			return
		}
		_, got := b.Execute(context.Background(), func(context.Context) (R, error) {
			var zero R
			return zero, err
		})
		if !errors.Is(got, err) && b.State() != circuitbreaker.Open {
			t.Fatalf("resiliencetest.Trip: %s's call failed with %v, want %v", b.Name(), got, err)
		}
	}
	t.Fatalf("resiliencetest.Trip: %s is %v after %d calls failing with %v, want Open", b.Name(), b.State(), maxTripCalls, err)
}

// HalfOpen drives b to HalfOpen: it trips b with err (see Trip) and moves
// c, the clock b was built with, by openDelay, b's Config.OpenDelay. It
// fails t if b is not HalfOpen then.
func HalfOpen[R any](t testing.TB, b *circuitbreaker.Breaker[R], c *Clock, openDelay time.Duration, err error) {
	t.Helper()
	Trip(t, b, err)
	c.Add(openDelay)
	if s := b.State(); s != circuitbreaker.HalfOpen {
		t.Fatalf("resiliencetest.HalfOpen: %s is %v %v after it opened, want HalfOpen", b.Name(), s, openDelay)
	}
}
