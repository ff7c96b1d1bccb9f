package resilience_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/fallback"
	"github.com/go-resilience/resilience/hedge"
	"github.com/go-resilience/resilience/retry"
)

var errMissing = errors.New("missing")

// notFoundIsAnAnswer is the stack's classifier of these tests.
func notFoundIsAnAnswer(_ string, err error) bool {
	return err != nil && !errors.Is(err, errMissing)
}

func noDelay(int, string, error) time.Duration { return 0 }

// counting returns a Func that fails with err and counts its calls.
func counting(calls *int, err error) resilience.Func[string] {
	return func(context.Context) (string, error) {
		*calls++
		return "", err
	}
}

// stack returns the policies a user wrote without a FailureIf anywhere.
func stack() (*fallback.Policy[string], *circuitbreaker.Breaker[string], *retry.Policy[string]) {
	fb := fallback.Value("stale")
	cb := circuitbreaker.New(circuitbreaker.Config[string]{Name: "db", ConsecutiveFailures: 1})
	rt := retry.New(retry.Config[string]{MaxAttempts: 3, DelayFunc: noDelay})
	return fb, cb, rt
}

func TestStackFailureIfIsSaidOnce(t *testing.T) {
	fb, cb, rt := stack()
	exec := resilience.ComposeWith(resilience.Options[string]{FailureIf: notFoundIsAnAnswer}, fb, cb, rt)

	calls := 0
	_, err := exec.Execute(context.Background(), counting(&calls, errMissing))
	assert.ErrorIs(t, err, errMissing, "fallback replaced not found: err = %v", err)
	assert.Equal(t, 1, calls, "retry retried not found: %d calls, want 1", calls)
	assert.Equal(t, circuitbreaker.Closed, cb.State(), "breaker counted not found")

	// Any other error is a failure to every policy of the stack.
	calls = 0
	v, err := exec.Execute(context.Background(), counting(&calls, errors.New("down")))
	assert.NoError(t, err)
	assert.Equal(t, "stale", v, "fallback did not replace a failure")
	assert.Equal(t, 3, calls, "retry made %d attempts of a failure, want 3", calls)
	assert.Equal(t, circuitbreaker.Open, cb.State(), "breaker did not count a failure")
}

func TestComposeWithChangesNoPolicy(t *testing.T) {
	fb, cb, rt := stack()
	_ = resilience.ComposeWith(resilience.Options[string]{FailureIf: notFoundIsAnAnswer}, fb, cb, rt)
	exec := resilience.Compose[string](fb, cb, rt) // the same policies, without the stack's classifier

	calls := 0
	v, err := exec.Execute(context.Background(), counting(&calls, errMissing))
	assert.NoError(t, err)
	assert.Equal(t, "stale", v, "the policies kept the other stack's classifier")
	assert.Equal(t, 3, calls, "retry made %d attempts, want 3: not found is a failure here", calls)
	assert.Equal(t, circuitbreaker.Open, cb.State())
}

func TestOwnFailureIfWinsOverTheStacks(t *testing.T) {
	everyError := func(_ string, err error) bool { return err != nil }
	rt := retry.New(retry.Config[string]{MaxAttempts: 3, DelayFunc: noDelay, FailureIf: everyError})
	exec := resilience.ComposeWith(resilience.Options[string]{FailureIf: notFoundIsAnAnswer}, rt)

	calls := 0
	_, err := exec.Execute(context.Background(), counting(&calls, errMissing))
	assert.ErrorIs(t, err, errMissing)
	assert.Equal(t, 3, calls, "retry made %d attempts, want 3: its own FailureIf fails not found", calls)
}

func TestNestedExecutorTakesTheOuterStacksFailureIf(t *testing.T) {
	retryAll := retry.New(retry.Config[string]{MaxAttempts: 3, DelayFunc: noDelay})
	inner := resilience.Compose[string](retryAll)
	outer := resilience.ComposeWith(resilience.Options[string]{FailureIf: notFoundIsAnAnswer}, inner)
	calls := 0
	_, _ = outer.Execute(context.Background(), counting(&calls, errMissing))
	assert.Equal(t, 1, calls, "the inner stack without a classifier of its own did not take the outer one's")

	// An inner stack with its own classifier keeps it.
	everyError := func(_ string, err error) bool { return err != nil }
	inner = resilience.ComposeWith(resilience.Options[string]{FailureIf: everyError}, retryAll)
	outer = resilience.ComposeWith(resilience.Options[string]{FailureIf: notFoundIsAnAnswer}, inner)
	calls = 0
	_, _ = outer.Execute(context.Background(), counting(&calls, errMissing))
	assert.Equal(t, 3, calls, "the inner stack's own classifier lost to the outer one's")
}

// The rule for a breaker shared by stacks: classifying belongs to the
// view, as with circuitbreaker.Share. A breaker without a FailureIf counts
// each call by the classifier of the stack it went through; one with its
// own counts alike in every stack.
func TestSharedBreakerClassifiesByTheStackOfTheCall(t *testing.T) {
	ctx := context.Background()
	cb := circuitbreaker.New(circuitbreaker.Config[string]{Name: "db", ConsecutiveFailures: 1})
	lenient := resilience.ComposeWith(resilience.Options[string]{FailureIf: notFoundIsAnAnswer}, resilience.Policy[string](cb))
	strict := resilience.Compose[string](cb)
	notFound := func(context.Context) (string, error) { return "", errMissing }

	_, _ = lenient.Execute(ctx, notFound)
	assert.Equal(t, circuitbreaker.Closed, cb.State(), "the lenient stack counted not found")
	_, _ = strict.Execute(ctx, notFound)
	assert.Equal(t, circuitbreaker.Open, cb.State(), "the strict stack did not count not found")
	_, err := lenient.Execute(ctx, notFound)
	assert.ErrorIs(t, err, circuitbreaker.ErrOpen, "the stacks share one breaker state")

	// With a FailureIf of its own, the breaker counts alike in every stack.
	own := circuitbreaker.New(circuitbreaker.Config[string]{
		Name: "db", ConsecutiveFailures: 1,
		FailureIf: func(_ string, err error) bool { return err != nil },
	})
	_, _ = resilience.ComposeWith(resilience.Options[string]{FailureIf: notFoundIsAnAnswer}, resilience.Policy[string](own)).Execute(ctx, notFound)
	assert.Equal(t, circuitbreaker.Open, own.State(), "the stack's classifier overrode the breaker's own")

	// A Share view across result types takes the stack it is in.
	ints := circuitbreaker.Share[int](circuitbreaker.New(circuitbreaker.Config[string]{Name: "db", ConsecutiveFailures: 1}), nil)
	intsNotFound := func(_ int, err error) bool { return err != nil && !errors.Is(err, errMissing) }
	_, _ = resilience.ComposeWith(resilience.Options[int]{FailureIf: intsNotFound}, resilience.Policy[int](ints)).
		Execute(ctx, func(context.Context) (int, error) { return 0, errMissing })
	assert.Equal(t, circuitbreaker.Closed, ints.State(), "a Share view ignored the stack's classifier")
}

func TestHedgeTakesTheStacksFailureIf(t *testing.T) {
	// One attempt (no hedge fires before it returns): the stack's
	// classifier decides whether its outcome is acceptable, and an
	// acceptable outcome is returned as it is.
	h := hedge.New(hedge.Config[string]{Delay: time.Hour})
	exec := resilience.ComposeWith(resilience.Options[string]{FailureIf: func(s string, err error) bool { return s == "bad" }}, resilience.Policy[string](h))
	v, err := exec.Execute(context.Background(), func(context.Context) (string, error) { return "good", nil })
	assert.NoError(t, err)
	assert.Equal(t, "good", v)
	assert.Same(t, resilience.Policy[string](h), h.WithStackFailureIf(nil), "a nil classifier changed the policy")
	own := hedge.New(hedge.Config[string]{Delay: time.Hour, FailureIf: func(string, error) bool { return false }})
	assert.Same(t, resilience.Policy[string](own), own.WithStackFailureIf(notFoundIsAnAnswer), "the stack's classifier replaced the hedge's own")
}

func TestComposeWithReportsANilPolicy(t *testing.T) {
	var rt *retry.Policy[string]
	exec := resilience.ComposeWith(resilience.Options[string]{FailureIf: notFoundIsAnAnswer}, resilience.Policy[string](rt))
	_, err := exec.Execute(context.Background(), func(context.Context) (string, error) { return "", nil })
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument)
}

// BenchmarkStackFailureIf measures the success path of fallback, breaker
// and retry composed three ways: each with its default (err != nil), each
// with the same FailureIf in its Config (the repetition ComposeWith
// spares), and with the stack's FailureIf. The last two should cost the
// same: the stack's classifier is the policies' own, handed down once.
func BenchmarkStackFailureIf(b *testing.B) {
	ok := func(context.Context) (string, error) { return "v", nil }
	repeated := func() *resilience.Executor[string] {
		return resilience.Compose[string](
			fallback.New(fallback.Config[string]{
				Fallback:  func(context.Context, string, error) (string, error) { return "stale", nil },
				FailureIf: notFoundIsAnAnswer,
			}),
			circuitbreaker.New(circuitbreaker.Config[string]{Name: "db", ConsecutiveFailures: 1, FailureIf: notFoundIsAnAnswer}),
			retry.New(retry.Config[string]{MaxAttempts: 3, DelayFunc: noDelay, FailureIf: notFoundIsAnAnswer}))
	}
	withOpts := func(opts resilience.Options[string]) func() *resilience.Executor[string] {
		return func() *resilience.Executor[string] {
			fb, cb, rt := stack()
			return resilience.ComposeWith(opts, fb, cb, rt)
		}
	}
	for _, bc := range []struct {
		name  string
		build func() *resilience.Executor[string]
	}{
		{"Compose/defaults", withOpts(resilience.Options[string]{})},
		{"Compose/FailureIf_in_each_Config", repeated},
		{"ComposeWith/FailureIf", withOpts(resilience.Options[string]{FailureIf: notFoundIsAnAnswer})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			exec := bc.build()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				_, _ = exec.Execute(ctx, ok)
			}
		})
	}
}

func TestFallbackErrorReplacesAFailedResult(t *testing.T) {
	errUnavailable := errors.New("unavailable")
	exec := resilience.ComposeWith(resilience.Options[string]{FailureIf: func(s string, _ error) bool { return s == "bad" }},
		resilience.Policy[string](fallback.Error[string](errUnavailable)))
	_, err := exec.Execute(context.Background(), func(context.Context) (string, error) { return "bad", nil })
	assert.Equal(t, errUnavailable, err, "Error of a failed result with no error = %v, want the replacement alone", err)
}
