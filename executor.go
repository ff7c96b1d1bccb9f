package resilience

import (
	"context"
	"fmt"
	"sync"

	"github.com/go-resilience/resilience/internal/typednil"
)

// An Executor applies a fixed list of policies to functions, outermost
// first. Build one with [Compose] per call site (or share it: it is
// immutable and safe for concurrent use) and call Execute or Run for each
// call.
//
// An *Executor[R] is itself a Policy[R], so executors nest:
// Compose(fb, Compose(rt, cb)) behaves as Compose(fb, rt, cb).
//
// The zero Executor has no policies and just calls fn.
type Executor[R any] struct {
	policies []Policy[R]
	chain    *Chain[R]  // policies, linked; nil for none
	head     Chained[R] // chain's first policy when it is Chained: called directly
	err      error      // a nil policy given to Compose, reported by Execute

	failureIf func(r R, err error) bool // the stack's, from ComposeWith; nil for none

	// runs recycles the adapters that make Run's functions Funcs. Reuse is
	// safe because a Policy never calls next after its Execute returned.
	runs sync.Pool
}

// Compose returns an executor applying the policies outermost first:
// Compose(a, b, c).Execute(ctx, fn) runs a(b(c(fn))).
// Compose() with no policies just calls fn. A nil policy, or one holding a
// nil pointer or func (a typed nil such as (*retry.Policy[R])(nil)), is
// reported by every Execute as an error wrapping ErrInvalidArgument.
func Compose[R any](policies ...Policy[R]) *Executor[R] {
	e := &Executor[R]{policies: append([]Policy[R](nil), policies...)}
	for i, p := range e.policies {
		if typednil.Is(p) {
			e.err = fmt.Errorf("%w: Compose: policy %d of %d is nil (%T)", ErrInvalidArgument, i, len(policies), p)
			return e
		}
	}
	e.chain = newChain(e.policies)
	if e.chain != nil {
		e.head = e.chain.chained
	}
	return e
}

// Policies returns a copy of the executor's policies, outermost first.
func (e *Executor[R]) Policies() []Policy[R] {
	return append([]Policy[R](nil), e.policies...)
}

// Execute runs fn through the executor's policies and returns the outcome
// of the outermost one. A nil ctx or fn gives an error wrapping
// ErrInvalidArgument, without calling any policy.
func (e *Executor[R]) Execute(ctx context.Context, fn Func[R]) (R, error) {
	if err := e.check(ctx, fn == nil); err != nil {
		var zero R
		return zero, err
	}
	if e.head != nil {
		return e.head.ExecuteChain(ctx, e.chain.rest, fn)
	}
	return e.chain.Call(ctx, fn)
}

// Run is Execute for work that returns only an error.
func (e *Executor[R]) Run(ctx context.Context, fn func(context.Context) error) error {
	if err := e.check(ctx, fn == nil); err != nil {
		return err
	}
	if e.chain == nil {
		return fn(ctx)
	}
	a, ok := e.runs.Get().(*runAdapter[R])
	if !ok {
		a = newRunAdapter[R]()
	}
	a.run = fn
	_, err := e.chain.Call(ctx, a.call)
	// Not reached when a panic unwinds through here, so an adapter is never
	// reused after an abnormal exit.
	a.run = nil
	e.runs.Put(a)
	return err
}

func (e *Executor[R]) check(ctx context.Context, nilFn bool) error {
	switch {
	case e.err != nil:
		return e.err
	case ctx == nil:
		return errNilContext
	case nilFn:
		return errNilFunc
	}
	return nil
}

// A runAdapter makes Run's function a Func[R], for one call at a time.
type runAdapter[R any] struct {
	run  func(context.Context) error
	call Func[R] // calls run; built once per adapter
}

func newRunAdapter[R any]() *runAdapter[R] {
	a := &runAdapter[R]{}
	a.call = func(ctx context.Context) (R, error) {
		var zero R
		return zero, a.run(ctx)
	}
	return a
}
