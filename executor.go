package resilience

import (
	"context"
	"fmt"
	"reflect"
	"sync"
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
	err      error // a nil policy given to Compose, reported by Execute

	// frames recycles per-call chain state. Reuse is safe because a Policy
	// never calls next after its Execute has returned.
	frames sync.Pool
}

// Compose returns an executor applying the policies outermost first:
// Compose(a, b, c).Execute(ctx, fn) runs a(b(c(fn))).
// Compose() with no policies just calls fn. A nil policy, or one holding a
// nil pointer or func (a typed nil such as (*retry.Policy[R])(nil)), is
// reported by every Execute as an error wrapping ErrInvalidArgument.
func Compose[R any](policies ...Policy[R]) *Executor[R] {
	e := &Executor[R]{policies: append([]Policy[R](nil), policies...)}
	for i, p := range e.policies {
		if isNil(p) {
			e.err = fmt.Errorf("%w: Compose: policy %d of %d is nil (%T)", ErrInvalidArgument, i, len(policies), p)
			break
		}
	}
	return e
}

// isNil reports whether p is nil or a typed nil whose Execute would
// dereference it. It runs once per policy in Compose, never per call.
func isNil(p any) bool {
	if p == nil {
		return true
	}
	switch v := reflect.ValueOf(p); v.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Map, reflect.Slice, reflect.Chan, reflect.Interface:
		return v.IsNil()
	}
	return false
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
	switch len(e.policies) {
	case 0:
		return fn(ctx)
	case 1:
		return e.policies[0].Execute(ctx, fn)
	}
	f := e.frame()
	f.fn = fn
	r, err := f.step(ctx, 0)
	e.release(f)
	return r, err
}

// Run is Execute for work that returns only an error.
func (e *Executor[R]) Run(ctx context.Context, fn func(context.Context) error) error {
	if err := e.check(ctx, fn == nil); err != nil {
		return err
	}
	if len(e.policies) == 0 {
		return fn(ctx)
	}
	f := e.frame()
	f.run = fn
	f.fn = f.runFn
	_, err := f.step(ctx, 0)
	e.release(f)
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

func (e *Executor[R]) frame() *frame[R] {
	if f, ok := e.frames.Get().(*frame[R]); ok {
		return f
	}
	return newFrame(e.policies)
}

// release returns f to the pool. It is not reached when a panic unwinds
// through Execute, so a frame is never reused after an abnormal exit.
func (e *Executor[R]) release(f *frame[R]) {
	f.fn, f.run = nil, nil
	e.frames.Put(f)
}

// frame is the state of one execution through a chain of policies. Its
// links are built once, when the frame is made, so that a pooled frame
// runs the whole chain without allocating.
type frame[R any] struct {
	policies []Policy[R]
	fn       Func[R]                     // the caller's function, set per call
	run      func(context.Context) error // Run's function, set per call
	links    []Func[R]                   // links[i] runs policies[i+1:] then fn
	runFn    Func[R]                     // adapts run to a Func[R]
}

func newFrame[R any](policies []Policy[R]) *frame[R] {
	f := &frame[R]{policies: policies, links: make([]Func[R], len(policies))}
	for i := range f.links {
		next := i + 1
		f.links[i] = func(ctx context.Context) (R, error) { return f.step(ctx, next) }
	}
	f.runFn = func(ctx context.Context) (R, error) {
		var zero R
		return zero, f.run(ctx)
	}
	return f
}

func (f *frame[R]) step(ctx context.Context, i int) (R, error) {
	if i == len(f.policies) {
		return f.fn(ctx)
	}
	return f.policies[i].Execute(ctx, f.links[i])
}
