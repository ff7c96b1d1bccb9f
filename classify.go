package resilience

import "github.com/go-resilience/resilience/internal/typednil"

// Options configures an [Executor] built by [ComposeWith].
type Options[R any] struct {
	// FailureIf says, once for the whole stack, which outcomes are
	// failures: every policy given to ComposeWith that judges outcomes
	// (implements [Classified]) and has no FailureIf of its own uses it.
	// A policy's own FailureIf wins. nil means each policy's default
	// (err != nil for the policies of this module).
	FailureIf func(r R, err error) bool
}

// Classified is implemented by policies that judge outcomes with a
// FailureIf: retry, circuitbreaker, fallback, hedge, and an *Executor.
// [ComposeWith] calls WithStackFailureIf on each of its policies once, when
// it builds the stack, so classifying costs nothing per call beyond the
// FailureIf itself.
//
// WithStackFailureIf returns the policy itself when it has a FailureIf of
// its own, and otherwise a policy that behaves as it does but classifies
// with failureIf. It must not change the policy it is called on: policies
// are immutable and may be shared by several stacks. Whatever state the
// policy has (a breaker's window, a hedge's latencies) the returned one
// shares.
type Classified[R any] interface {
	Policy[R]
	WithStackFailureIf(failureIf func(r R, err error) bool) Policy[R]
}

// ComposeWith is [Compose] with options: Compose(policies...) is
// ComposeWith(Options[R]{}, policies...). With opts.FailureIf set, the
// stack says once what counts as a failure — "not found is an answer" —
// instead of every policy's Config repeating it:
//
//	notFoundIsAnAnswer := func(_ User, err error) bool {
//		return err != nil && !errors.Is(err, ErrNotFound)
//	}
//	exec := resilience.ComposeWith(
//		resilience.Options[User]{FailureIf: notFoundIsAnAnswer},
//		fallback, breaker, retry)
//
// The policies given are not changed; see [Classified].
func ComposeWith[R any](opts Options[R], policies ...Policy[R]) *Executor[R] {
	if opts.FailureIf == nil {
		return Compose(policies...)
	}
	stack := append([]Policy[R](nil), policies...)
	for i, p := range stack {
		if c, ok := p.(Classified[R]); ok && !typednil.Is(p) {
			stack[i] = c.WithStackFailureIf(opts.FailureIf)
		}
	}
	e := Compose(stack...)
	e.failureIf = opts.FailureIf
	return e
}

// WithStackFailureIf returns e when e has a FailureIf of its own
// ([ComposeWith]), and otherwise e's policies composed again with
// failureIf as the stack's: a nested executor classifies as the stack
// around it unless it says otherwise.
func (e *Executor[R]) WithStackFailureIf(failureIf func(r R, err error) bool) Policy[R] {
	if e.failureIf != nil || e.err != nil {
		return e
	}
	return ComposeWith(Options[R]{FailureIf: failureIf}, e.policies...)
}
