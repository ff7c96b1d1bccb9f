package reliability_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/bulkhead"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/fallback"
	"github.com/go-resilience/resilience/hedge"
	"github.com/go-resilience/resilience/ratelimit"
	"github.com/go-resilience/resilience/retry"
	"github.com/go-resilience/resilience/timeout"
)

// named is a policy with a name for test messages.
type named struct {
	name   string
	policy resilience.Policy[int]
}

// everyPolicy returns one policy of every kind the library has, each with
// a valid, quick config, and executors composing them.
func everyPolicy() []named {
	ps := []named{
		{"retry", retry.New(retry.Config[int]{Backoff: retry.Constant(0)})},
		{"timeout", timeout.New[int](timeout.Config{Timeout: time.Hour})},
		{"circuitbreaker", circuitbreaker.New(circuitbreaker.Config[int]{})},
		{"fallback", fallback.Value(7)},
		{"fallback chain", fallback.Chain(func(context.Context) (int, error) { return 7, nil })},
		{"bulkhead", bulkhead.New[int](bulkhead.Config{MaxConcurrent: 4})},
		{"ratelimit", ratelimit.New[int](ratelimit.Config{Rate: 1_000_000, Burst: 1000})},
		{"hedge", hedge.New(hedge.Config[int]{Delay: time.Hour})},
		{"policy func", resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
			return next(ctx)
		})},
	}
	all := make([]resilience.Policy[int], 0, len(ps))
	for _, p := range ps {
		all = append(all, p.policy)
	}
	return append(ps,
		named{"Compose()", resilience.Compose[int]()},
		named{"Compose(retry)", resilience.Compose(ps[0].policy)},
		named{"Compose(every policy)", resilience.Compose(all...)},
		named{"Compose(Compose(every policy))", resilience.Compose[int](resilience.Compose(all...))},
	)
}

func TestBadInputNilContextAndFunc(t *testing.T) {
	var nilCtx context.Context // a nil ctx, as a caller's bug passes it
	for _, p := range everyPolicy() {
		t.Run(p.name, func(t *testing.T) {
			called := false
			fn := func(context.Context) (int, error) { called = true; return 1, nil }

			_, err := p.policy.Execute(nilCtx, fn)
			require.ErrorIs(t, err, resilience.ErrInvalidArgument, "%s.Execute(nil ctx, fn)", p.name)
			_, err = p.policy.Execute(context.Background(), nil)
			require.ErrorIs(t, err, resilience.ErrInvalidArgument, "%s.Execute(ctx, nil fn)", p.name)
			assert.False(t, called, "fn is not called")

			r, err := p.policy.Execute(context.Background(), fn)
			require.NoError(t, err, "the policy still works after bad input")
			assert.Equal(t, 1, r)
		})
	}
}

func TestBadInputExecutorRun(t *testing.T) {
	var nilCtx context.Context
	for _, exec := range []*resilience.Executor[int]{
		resilience.Compose[int](),
		resilience.Compose[int](retry.New(retry.Config[int]{})),
		resilience.Compose[int](retry.New(retry.Config[int]{}), bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1})),
	} {
		require.ErrorIs(t, exec.Run(nilCtx, func(context.Context) error { return nil }), resilience.ErrInvalidArgument)
		require.ErrorIs(t, exec.Run(context.Background(), nil), resilience.ErrInvalidArgument)
		require.NoError(t, exec.Run(context.Background(), func(context.Context) error { return nil }))
	}
	var zero resilience.Executor[int]
	r, err := zero.Execute(context.Background(), func(context.Context) (int, error) { return 3, nil })
	require.NoError(t, err, "the zero Executor just calls fn")
	assert.Equal(t, 3, r)
}

func TestBadInputNilPoliciesInCompose(t *testing.T) {
	ok := retry.New(retry.Config[int]{})
	for _, tc := range []struct {
		name     string
		policies []resilience.Policy[int]
	}{
		{"nil", []resilience.Policy[int]{nil}},
		{"nil among others", []resilience.Policy[int]{ok, nil, ok}},
		{"typed nil retry", []resilience.Policy[int]{(*retry.Policy[int])(nil)}},
		{"typed nil breaker", []resilience.Policy[int]{ok, (*circuitbreaker.Breaker[int])(nil)}},
		{"typed nil bulkhead", []resilience.Policy[int]{(*bulkhead.Bulkhead[int])(nil)}},
		{"typed nil executor", []resilience.Policy[int]{(*resilience.Executor[int])(nil)}},
		{"nil PolicyFunc", []resilience.Policy[int]{resilience.PolicyFunc[int](nil)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var exec *resilience.Executor[int]
			require.NotPanics(t, func() { exec = resilience.Compose(tc.policies...) }, "Compose defers the error to Execute")
			called := false
			_, err := exec.Execute(context.Background(), func(context.Context) (int, error) { called = true; return 1, nil })
			require.ErrorIs(t, err, resilience.ErrInvalidArgument)
			assert.Contains(t, err.Error(), "nil")
			assert.False(t, called)
			require.ErrorIs(t, exec.Run(context.Background(), func(context.Context) error { return nil }), resilience.ErrInvalidArgument)
		})
	}
}

func TestBadInputNilContextElsewhere(t *testing.T) {
	var nilCtx context.Context
	b := circuitbreaker.New(circuitbreaker.Config[int]{})
	_, err := b.Allow(nilCtx)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "Breaker.Allow(nil)")

	bh := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1})
	release, err := bh.Acquire(nilCtx)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "Bulkhead.Acquire(nil)")
	assert.Nil(t, release)
	assert.Zero(t, bh.InFlight(), "no permit taken")

	l := ratelimit.New[int](ratelimit.Config{Rate: 1})
	assert.ErrorIs(t, l.Wait(nilCtx), resilience.ErrInvalidArgument, "Limiter.Wait(nil)")
	assert.True(t, l.Allow(), "no token spent")

	assert.ErrorIs(t, resilience.CheckArgs[int](nilCtx, nil), resilience.ErrInvalidArgument)
}

func TestBadInputNilErrors(t *testing.T) {
	assert.NoError(t, resilience.Permanent(nil), "Permanent(nil) is nil")
	assert.False(t, resilience.IsPermanent(nil))
	assert.PanicsWithError(t, fallbackErrorPanic(), func() { fallback.Error[int](nil) }, "fallback.Error(nil) panics at construction, not per call")
}

// fallbackErrorPanic is the message fallback.Error(nil) panics with.
func fallbackErrorPanic() string {
	defer func() { _ = recover() }()
	var msg string
	func() {
		defer func() {
			if err, ok := recover().(error); ok && errors.Is(err, resilience.ErrInvalidArgument) {
				msg = err.Error()
			}
		}()
		fallback.Error[int](nil)
	}()
	return msg
}
