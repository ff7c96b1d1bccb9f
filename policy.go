package resilience

import "context"

// Func is the unit of work that policies guard.
type Func[R any] func(ctx context.Context) (R, error)

// Policy guards one execution of next. Execute calls next zero or more
// times (possibly concurrently), each time with a ctx derived from its own,
// and returns an outcome. It never calls next after it has returned, and
// it does not return while a call of next it started is still running.
//
// The last two promises are what let an [Executor] reuse its per-call state:
// a custom Policy that breaks them (say, by calling next from a goroutine it
// does not wait for) is a bug.
type Policy[R any] interface {
	Execute(ctx context.Context, next Func[R]) (R, error)
}

// PolicyFunc adapts a function to a Policy (custom middleware in one line).
type PolicyFunc[R any] func(ctx context.Context, next Func[R]) (R, error)

// Execute calls f(ctx, next). A nil ctx, next or f gives an error wrapping
// ErrInvalidArgument instead, as every policy's Execute does.
func (f PolicyFunc[R]) Execute(ctx context.Context, next Func[R]) (R, error) {
	if err := CheckArgs(ctx, next); err != nil {
		var zero R
		return zero, err
	}
	if f == nil {
		var zero R
		return zero, errNilPolicyFunc
	}
	return f(ctx, next)
}
