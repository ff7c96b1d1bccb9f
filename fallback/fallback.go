package fallback

import (
	"context"
	"reflect"

	"github.com/go-resilience/resilience"
)

// Config configures a Policy. Fallback is required; every other field's
// zero value means a documented default.
type Config[R any] struct {
	// Name names the policy in events; "" leaves it unnamed.
	Name string

	// Fallback answers instead of a failed call: it gets the failed
	// outcome (r, err) and returns the outcome Execute returns. Required.
	//
	// ctx is the one Execute got; it may already be past its deadline
	// (deadlines are failures and do fall back), so a Fallback that does
	// I/O of its own should give it a fresh budget, e.g. with
	// context.WithoutCancel and a timeout. r is still live while Fallback
	// runs and is discarded after it returns (see the package doc).
	Fallback func(ctx context.Context, r R, err error) (R, error)

	// FailureIf reports whether an outcome of next is a failure to replace.
	// nil means the FailureIf of the stack the policy is composed in
	// (resilience.ComposeWith), and err != nil without one.
	FailureIf func(r R, err error) bool

	// OnFallback, if set, is called before Fallback runs, with the failed
	// outcome it replaces. nil means no hook.
	OnFallback func(Event[R])

	// Observer receives a resilience.EventFallback each time a failed
	// outcome is replaced. nil means the process-wide observer set by
	// resilience.SetObserver.
	Observer resilience.Observer
}

// An Event describes a failed outcome about to be replaced, as
// Config.OnFallback and ChainConfig.OnFallback see it.
type Event[R any] struct {
	// Attempt is the alternative about to run, from 1: always 1 for a
	// Config.Fallback; for a chain, 1 is the first alternative after next.
	Attempt int
	Result  R     // the failed outcome's result, not yet discarded
	Err     error // its error, nil when FailureIf failed the result
}

// Validate returns nil if c is valid, and otherwise a
// *resilience.ConfigError (wrapping resilience.ErrInvalidConfig) that
// names the invalid field, its value and the rule it breaks.
func (c Config[R]) Validate() error {
	if c.Fallback == nil {
		return &resilience.ConfigError{Policy: "fallback", Field: "Fallback", Value: nil, Rule: "must not be nil"}
	}
	return nil
}

// A Policy replaces the failed outcomes of next: with Config.Fallback's
// answer (New, Value, Error), or with the first alternative of a chain
// that succeeds (Chain, NewChain). See the package documentation for the
// model. A Policy is immutable and safe for concurrent use.
type Policy[R any] struct {
	name         string
	fallback     func(ctx context.Context, r R, err error) (R, error) // nil for a chain
	alternatives []resilience.Func[R]                                 // nil unless a chain
	failureIf    func(r R, err error) bool
	onFallback   func(Event[R])
	observer     resilience.Observer
}

// New returns a Policy for cfg. It panics with the error of cfg.Validate
// if cfg is invalid.
func New[R any](cfg Config[R]) *Policy[R] {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	return &Policy[R]{
		name:       cfg.Name,
		fallback:   cfg.Fallback,
		failureIf:  cfg.FailureIf,
		onFallback: cfg.OnFallback,
		observer:   cfg.Observer,
	}
}

// Execute calls next and returns its outcome, unless that outcome is a
// failure: then it returns the fallback's outcome instead (for a chain, that
// of the first alternative that succeeds). An outcome of a call its caller
// cancelled (resilience.CallerEnded(ctx)) is returned as it is, never
// replaced. A panic in next, a fallback or a hook propagates unchanged,
// once the results that will not be returned have been discarded.
func (p *Policy[R]) Execute(ctx context.Context, next resilience.Func[R]) (R, error) {
	if err := resilience.CheckArgs(ctx, next); err != nil {
		var zero R
		return zero, err
	}
	return p.ExecuteChain(ctx, nil, next)
}

// ExecuteChain is Execute with next running rest.Call(ctx, fn): the form
// this module's executor calls, which spares it a Func per call and has
// checked ctx and fn already (see resilience.Chained).
func (p *Policy[R]) ExecuteChain(ctx context.Context, rest *resilience.Chain[R], fn resilience.Func[R]) (R, error) {
	r, err := rest.Call(ctx, fn)
	if !p.failed(ctx, r, err) || resilience.CallerEnded(ctx) {
		return r, err
	}
	if p.alternatives != nil {
		return p.chain(ctx, r, err)
	}
	return p.replace(ctx, r, err)
}

// failed reports whether the outcome (r, err) is a failure.
func (p *Policy[R]) failed(ctx context.Context, r R, err error) bool {
	if p.failureIf == nil {
		return err != nil
	}
	return p.judge(ctx, r, err)
}

// judge asks FailureIf about (r, err). If FailureIf panics, r will never be
// returned, so it is discarded before the panic goes on.
func (p *Policy[R]) judge(ctx context.Context, r R, err error) (failed bool) {
	judged := false
	defer func() {
		if !judged {
			resilience.Discard(ctx, r)
		}
	}()
	failed = p.failureIf(r, err)
	judged = true
	return failed
}

// replace returns Fallback's answer to the failed outcome (r, err). r is
// discarded once Fallback is done with it, even when Fallback, the hook or
// the observer panics, unless Fallback handed r itself back as the result.
func (p *Policy[R]) replace(ctx context.Context, r R, err error) (out R, outErr error) {
	returned := false
	defer func() {
		if !returned || !sameResult(out, r) {
			resilience.Discard(ctx, r)
		}
	}()
	p.report(ctx, 1, r, err)
	out, outErr = p.fallback(ctx, r, err)
	returned = true
	return out, outErr
}

// report tells the hook and the observer that the failed outcome (r, err)
// is about to be replaced by alternative attempt.
func (p *Policy[R]) report(ctx context.Context, attempt int, r R, err error) {
	if p.onFallback != nil {
		p.onFallback(Event[R]{Attempt: attempt, Result: r, Err: err})
	}
	if resilience.Observing(p.observer) {
		resilience.Emit(ctx, p.observer, resilience.Event{
			Policy:  "fallback",
			Name:    p.name,
			Kind:    resilience.EventFallback,
			Attempt: attempt,
			Err:     err,
		})
	}
}

// sameResult reports whether a and b are the same result: the same
// pointer, map, slice or channel, or equal comparable values (through
// interfaces). It decides whether a Fallback handed the failed result back,
// in which case that result must not be discarded. Funcs and values that
// cannot be compared are never the same.
func sameResult[R any](a, b R) bool {
	// any(a) does not allocate for pointer-shaped results such as
	// *http.Response, the ones that hold resources.
	va, vb := reflect.ValueOf(any(a)), reflect.ValueOf(any(b))
	if !va.IsValid() || !vb.IsValid() { // nil interfaces
		return va.IsValid() == vb.IsValid()
	}
	if va.Type() != vb.Type() {
		return false
	}
	switch va.Kind() {
	case reflect.Pointer, reflect.Chan, reflect.UnsafePointer, reflect.Map, reflect.Slice:
		return va.Pointer() == vb.Pointer()
	case reflect.Func:
		return false
	}
	return va.Comparable() && va.Equal(vb)
}

// Policy runs the rest of an executor's chain itself (see resilience.Chained).
var _ resilience.Chained[any] = (*Policy[any])(nil)
