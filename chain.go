package resilience

import (
	"context"
	"sync"
)

// A Chain is what runs after one policy of an [Executor]: the policies
// inside it, then the caller's function. An Executor builds its Chain
// once, in Compose; running it allocates nothing.
//
// Chain and [Chained] are a contract between the executor and the
// policies of this module (exported because those live in packages of
// their own), not for users: a custom policy implements [Policy] or is a
// [PolicyFunc], and is handed a Func for the rest of the chain, taken from
// a pool, so composition stays free of allocations either way. A Chained
// policy is handed the rest of the Chain and the caller's function as they
// are, and calls rest.Call(ctx, fn) where it would call next(ctx): that
// spares the pool, which costs a chain of three policies about twice its
// time (docs/benchmarks.md).
type Chain[R any] struct {
	policy  Policy[R]
	chained Chained[R] // policy, when it implements Chained
	rest    *Chain[R]

	// links recycles the Funcs handed to a policy that is not Chained.
	// Reuse is safe because a Policy never calls next after it returned.
	links sync.Pool
}

// Chained is implemented by this module's policies, which run the rest of
// an executor's chain themselves; it is not for users' policies (see
// [Chain]). ExecuteChain(ctx, rest, fn) must behave exactly as
// Execute(ctx, next) would with a next that runs rest.Call(ctx', fn); and
// Execute(ctx, next) checks its arguments and is then
// ExecuteChain(ctx, nil, next). ExecuteChain does not check them again:
// the executor has, once, and a link checks the ctx that a plain policy
// passes on to the rest of the chain (see newLink).
type Chained[R any] interface {
	Policy[R]
	ExecuteChain(ctx context.Context, rest *Chain[R], fn Func[R]) (R, error)
}

// newChain links policies, outermost first. It returns nil for none.
func newChain[R any](policies []Policy[R]) *Chain[R] {
	var rest *Chain[R]
	for i := len(policies) - 1; i >= 0; i-- {
		c := &Chain[R]{policy: policies[i], rest: rest}
		c.chained, _ = policies[i].(Chained[R])
		rest = c
	}
	return rest
}

// Call runs c's policies around fn and returns the outcome of the
// outermost one. A nil *Chain just calls fn.
func (c *Chain[R]) Call(ctx context.Context, fn Func[R]) (R, error) {
	if c == nil {
		return fn(ctx)
	}
	if c.chained != nil {
		return c.chained.ExecuteChain(ctx, c.rest, fn)
	}
	return c.callLink(ctx, fn)
}

// callLink runs a policy that is not Chained, handing it a pooled Func
// that runs the rest of the chain.
func (c *Chain[R]) callLink(ctx context.Context, fn Func[R]) (R, error) {
	l, ok := c.links.Get().(*link[R])
	if !ok {
		l = newLink(c.rest)
	}
	l.fn = fn
	r, err := c.policy.Execute(ctx, l.call)
	// Not reached when a panic unwinds through here, so a link is never
	// reused after an abnormal exit.
	l.fn = nil
	c.links.Put(l)
	return r, err
}

// A link is the rest of a chain made into a Func, for one call at a time.
type link[R any] struct {
	fn   Func[R]
	call Func[R] // runs rest.Call(ctx, fn); built once per link
}

func newLink[R any](rest *Chain[R]) *link[R] {
	l := &link[R]{}
	l.call = func(ctx context.Context) (R, error) {
		// A plain policy is any code, which may hand on a nil ctx; the
		// Chained policies after it do not check theirs.
		if ctx == nil {
			var zero R
			return zero, errNilContext
		}
		return rest.Call(ctx, l.fn)
	}
	return l
}
