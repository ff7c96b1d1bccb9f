package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
)

// tracer returns a policy that appends "name>" before next and "<name" after.
func tracer(name string, log *[]string) resilience.Policy[int] {
	return resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
		*log = append(*log, name+">")
		r, err := next(ctx)
		*log = append(*log, "<"+name)
		return r, err
	})
}

// TestComposeOrder composes every mix of Chained and
// plain policies up to four deep and checks the order they run in, over
// rounds that reuse the pooled links.
func TestComposeOrder(t *testing.T) {
	for n := 0; n <= 4; n++ {
		for mask := 0; mask < 1<<n; mask++ {
			var log []string
			var ps []resilience.Policy[int]
			var want []string
			for i := range n {
				name := string(rune('a' + i))
				if mask&(1<<i) != 0 {
					ps = append(ps, chainedTracer{name, &log})
				} else {
					ps = append(ps, tracer(name, &log))
				}
				want = append(want, name+">")
			}
			want = append(want, "fn")
			for i := n - 1; i >= 0; i-- {
				want = append(want, "<"+string(rune('a'+i)))
			}
			exec := resilience.Compose(ps...)
			for round := range 3 {
				log = log[:0]
				r, err := exec.Execute(context.Background(), func(context.Context) (int, error) {
					log = append(log, "fn")
					return 42, nil
				})
				require.NoError(t, err)
				assert.Equal(t, 42, r)
				assert.Equal(t, want, log, "%d policies, chained mask %b, round %d", n, mask, round)
			}
		}
	}
}

func TestNestedExecutors(t *testing.T) {
	var log []string
	inner := resilience.Compose(tracer("b", &log), tracer("c", &log))
	outer := resilience.Compose(tracer("a", &log), resilience.Policy[int](inner), tracer("d", &log))
	_, err := outer.Execute(context.Background(), func(context.Context) (int, error) {
		log = append(log, "fn")
		return 0, nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"a>", "b>", "c>", "d>", "fn", "<d", "<c", "<b", "<a"}, log)
}

func TestExecutePassesContextAndOutcome(t *testing.T) {
	type key struct{}
	boom := errors.New("boom")
	addValue := resilience.PolicyFunc[string](func(ctx context.Context, next resilience.Func[string]) (string, error) {
		return next(context.WithValue(ctx, key{}, "seen"))
	})
	exec := resilience.Compose[string](addValue, addValue)
	r, err := exec.Execute(context.Background(), func(ctx context.Context) (string, error) {
		return ctx.Value(key{}).(string), boom
	})
	assert.Equal(t, "seen", r)
	assert.ErrorIs(t, err, boom)
}

func TestRun(t *testing.T) {
	boom := errors.New("boom")
	for n := 0; n <= 3; n++ {
		var log []string
		var ps []resilience.Policy[struct{}]
		for i := 0; i < n; i++ {
			ps = append(ps, resilience.PolicyFunc[struct{}](func(ctx context.Context, next resilience.Func[struct{}]) (struct{}, error) {
				log = append(log, "p")
				return next(ctx)
			}))
		}
		exec := resilience.Compose(ps...)
		for round := 0; round < 2; round++ {
			log = log[:0]
			err := exec.Run(context.Background(), func(context.Context) error { return boom })
			assert.ErrorIs(t, err, boom, "%d policies", n)
			assert.Len(t, log, n)
		}
	}
}

func TestInvalidArguments(t *testing.T) {
	exec := resilience.Compose[int](resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
		t.Fatal("policy must not run on invalid arguments")
		return 0, nil
	}))
	fn := func(context.Context) (int, error) { return 1, nil }
	//lint:ignore SA1012 testing the nil ctx guard
	_, err := exec.Execute(nil, fn)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "nil context")
	_, err = exec.Execute(context.Background(), nil)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "nil func")
	err = exec.Run(context.Background(), nil)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument)
	//lint:ignore SA1012 a nil ctx on purpose: Run must reject it with ErrInvalidArgument
	err = exec.Run(nil, func(context.Context) error { return nil })
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument)

	var zero resilience.Executor[int]
	r, err := zero.Execute(context.Background(), fn)
	assert.NoError(t, err)
	assert.Equal(t, 1, r, "the zero Executor just calls fn")
}

func TestComposeNilPolicy(t *testing.T) {
	ok := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) { return next(ctx) })
	exec := resilience.Compose[int](ok, nil)
	called := false
	_, err := exec.Execute(context.Background(), func(context.Context) (int, error) { called = true; return 0, nil })
	require.ErrorIs(t, err, resilience.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "policy 1 of 2 is nil")
	assert.False(t, called)
	assert.ErrorIs(t, exec.Run(context.Background(), func(context.Context) error { return nil }), resilience.ErrInvalidArgument)
}

func TestPoliciesIsACopy(t *testing.T) {
	p := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) { return next(ctx) })
	exec := resilience.Compose[int](p, p)
	got := exec.Policies()
	require.Len(t, got, 2)
	got[0] = nil
	_, err := exec.Execute(context.Background(), func(context.Context) (int, error) { return 0, nil })
	assert.NoError(t, err, "changing the returned slice must not change the executor")
}

func TestPanicPropagatesAndFrameIsNotReused(t *testing.T) {
	var depth atomic.Int32
	p := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
		depth.Add(1)
		defer depth.Add(-1)
		return next(ctx)
	})
	exec := resilience.Compose[int](p, p, p)
	func() {
		defer func() { assert.Equal(t, "kaboom", recover()) }()
		_, _ = exec.Execute(context.Background(), func(context.Context) (int, error) { panic("kaboom") })
	}()
	assert.Zero(t, depth.Load(), "every policy's deferred release ran")
	r, err := exec.Execute(context.Background(), func(context.Context) (int, error) { return 7, nil })
	assert.NoError(t, err)
	assert.Equal(t, 7, r)
}

// A policy may call next several times concurrently; the chain below it
// must serve every call.
func TestConcurrentNextCalls(t *testing.T) {
	fanout := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
		var wg sync.WaitGroup
		var sum atomic.Int64
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, _ := next(ctx)
				sum.Add(int64(r))
			}()
		}
		wg.Wait()
		return int(sum.Load()), nil
	})
	pass := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) { return next(ctx) })
	exec := resilience.Compose[int](pass, fanout, pass)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				r, err := exec.Execute(context.Background(), func(context.Context) (int, error) { return 1, nil })
				if err != nil || r != 8 {
					t.Errorf("Execute = %d, %v; want 8, nil", r, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func repeat[R any](p resilience.Policy[R], n int) []resilience.Policy[R] {
	ps := make([]resilience.Policy[R], n)
	for i := range ps {
		ps[i] = p
	}
	return ps
}

func BenchmarkExecute(b *testing.B) {
	pass := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) { return next(ctx) })
	fn := func(context.Context) (int, error) { return 1, nil }
	for _, n := range []int{0, 1, 3, 5} {
		exec := resilience.Compose(repeat(pass, n)...)
		b.Run(fmt.Sprintf("policies=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				_, _ = exec.Execute(ctx, fn)
			}
		})
	}
}

func TestConfigError(t *testing.T) {
	err := error(&resilience.ConfigError{Policy: "retry", Field: "MaxAttempts", Value: -2, Rule: "must be -1 (unlimited) or >= 0"})
	assert.Equal(t, "retry: MaxAttempts = -2: must be -1 (unlimited) or >= 0", err.Error())
	assert.ErrorIs(t, err, resilience.ErrInvalidConfig)
	var ce *resilience.ConfigError
	require.ErrorAs(t, fmt.Errorf("loading: %w", err), &ce)
	assert.Equal(t, "MaxAttempts", ce.Field)
}

func TestCheckArgs(t *testing.T) {
	fn := resilience.Func[int](func(context.Context) (int, error) { return 0, nil })
	assert.NoError(t, resilience.CheckArgs(context.Background(), fn))
	//lint:ignore SA1012 a nil ctx on purpose: CheckArgs must reject it
	assert.ErrorIs(t, resilience.CheckArgs(nil, fn), resilience.ErrInvalidArgument)
	assert.ErrorIs(t, resilience.CheckArgs[int](context.Background(), nil), resilience.ErrInvalidArgument)
	assert.True(t, strings.HasPrefix(resilience.ErrInvalidArgument.Error(), "resilience: "))
}

type ptrPolicy struct{}

func (*ptrPolicy) Execute(ctx context.Context, next resilience.Func[int]) (int, error) {
	return next(ctx)
}

type valuePolicy struct{}

func (valuePolicy) Execute(ctx context.Context, next resilience.Func[int]) (int, error) {
	return next(ctx)
}

func TestComposeTypedNilPolicy(t *testing.T) {
	var nilPtr *ptrPolicy
	var nilFunc resilience.PolicyFunc[int]
	fn := func(context.Context) (int, error) { return 1, nil }
	for name, p := range map[string]resilience.Policy[int]{"nil pointer": nilPtr, "nil PolicyFunc": nilFunc} {
		_, err := resilience.Compose[int](valuePolicy{}, p).Execute(context.Background(), fn)
		assert.ErrorIs(t, err, resilience.ErrInvalidArgument, name)
		assert.Contains(t, err.Error(), "policy 1 of 2 is nil", name)
	}
	r, err := resilience.Compose[int](valuePolicy{}, &ptrPolicy{}).Execute(context.Background(), fn)
	assert.NoError(t, err, "value and non-nil pointer policies are fine")
	assert.Equal(t, 1, r)
}

func TestPolicyFuncChecksArguments(t *testing.T) {
	var nilFunc resilience.PolicyFunc[int]
	fn := func(context.Context) (int, error) { return 1, nil }
	_, err := nilFunc.Execute(context.Background(), fn)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "nil PolicyFunc")
	pass := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) { return next(ctx) })
	_, err = pass.Execute(context.Background(), nil)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument)
}
