package resilience_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
)

// chainedTracer is tracer as a resilience.Chained policy: it runs the rest
// of the chain itself instead of being handed a Func.
type chainedTracer struct {
	name string
	log  *[]string
}

func (c chainedTracer) Execute(ctx context.Context, next resilience.Func[int]) (int, error) {
	return c.ExecuteChain(ctx, nil, next)
}

func (c chainedTracer) ExecuteChain(ctx context.Context, rest *resilience.Chain[int], fn resilience.Func[int]) (int, error) {
	*c.log = append(*c.log, c.name+">")
	r, err := rest.Call(ctx, fn)
	*c.log = append(*c.log, "<"+c.name)
	return r, err
}

func TestNilChainCallsFn(t *testing.T) {
	var c *resilience.Chain[int]
	r, err := c.Call(context.Background(), func(context.Context) (int, error) { return 3, nil })
	require.NoError(t, err)
	assert.Equal(t, 3, r)
}

// chainedPass is a Chained policy that only runs the rest of the chain.
type chainedPass struct{}

func (c chainedPass) Execute(ctx context.Context, next resilience.Func[int]) (int, error) {
	return c.ExecuteChain(ctx, nil, next)
}

func (chainedPass) ExecuteChain(ctx context.Context, rest *resilience.Chain[int], fn resilience.Func[int]) (int, error) {
	return rest.Call(ctx, fn)
}

// fanoutChained runs the rest of the chain eight times at once and sums
// the results.
type fanoutChained struct{}

func (f fanoutChained) Execute(ctx context.Context, next resilience.Func[int]) (int, error) {
	return f.ExecuteChain(ctx, nil, next)
}

func (fanoutChained) ExecuteChain(ctx context.Context, rest *resilience.Chain[int], fn resilience.Func[int]) (int, error) {
	var wg sync.WaitGroup
	var sum atomic.Int64
	for range 8 {
		wg.Go(func() {
			r, _ := rest.Call(ctx, fn)
			sum.Add(int64(r))
		})
	}
	wg.Wait()
	return int(sum.Load()), nil
}

// TestChainServesConcurrentCalls runs a Chained fan-out above plain and
// Chained policies from many goroutines at once, each with its own fn: no
// call may see another's.
func TestChainServesConcurrentCalls(t *testing.T) {
	pass := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) { return next(ctx) })
	exec := resilience.Compose[int](chainedPass{}, pass, fanoutChained{}, chainedPass{}, pass)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 50 {
				v := g*1000 + i
				r, err := exec.Execute(context.Background(), func(context.Context) (int, error) { return v, nil })
				if err != nil || r != 8*v {
					t.Errorf("Execute = %d, %v; want %d, nil", r, err, 8*v)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestPanicThroughPlainPolicyInChain panics below a plain policy between
// Chained ones, then checks that the executor still runs the right fn.
func TestPanicThroughPlainPolicyInChain(t *testing.T) {
	var log []string
	var depth atomic.Int32
	plain := resilience.PolicyFunc[int](func(ctx context.Context, next resilience.Func[int]) (int, error) {
		depth.Add(1)
		defer depth.Add(-1)
		return next(ctx)
	})
	exec := resilience.Compose[int](chainedTracer{"a", &log}, plain, chainedTracer{"b", &log}, plain)
	for i := range 3 {
		func() {
			defer func() { assert.Equal(t, fmt.Sprint("kaboom ", i), recover()) }()
			_, _ = exec.Execute(context.Background(), func(context.Context) (int, error) { panic(fmt.Sprint("kaboom ", i)) })
		}()
		assert.Zero(t, depth.Load(), "every plain policy's deferred release ran")
	}
	log = log[:0]
	r, err := exec.Execute(context.Background(), func(context.Context) (int, error) { return 7, nil })
	require.NoError(t, err)
	assert.Equal(t, 7, r)
	assert.Equal(t, []string{"a>", "b>", "<b", "<a"}, log)
}

// A plain policy may hand the rest of the chain a nil ctx; the Chained
// policies after it do not check theirs (the executor checked its own), so
// the link between them does.
func TestPlainPolicyHandingOnANilCtxGetsErrInvalidArgument(t *testing.T) {
	var called bool
	nilCtx := resilience.PolicyFunc[int](func(_ context.Context, next resilience.Func[int]) (int, error) {
		return next(nil)
	})
	exec := resilience.Compose[int](nilCtx, chainedPass{})
	_, err := exec.Execute(context.Background(), func(context.Context) (int, error) {
		called = true
		return 1, nil
	})
	require.ErrorIs(t, err, resilience.ErrInvalidArgument)
	assert.False(t, called, "fn ran under a nil ctx")
}
