package resilience

import (
	"context"
	"errors"
)

// What a call's ctx tells policies about its caller, beyond its deadline:
// whether the caller has gone (CallerEnded) and whether its work may run
// more than once at a time (WithoutRepeat).

// CallerEnded reports whether ctx was cancelled by its caller rather than
// by a deadline: ctx.Err() is context.Canceled and its cause is not a
// deadline (a timeout policy's deadline included). Policies use it to tell
// an outcome nobody wants any more (not a failure, not a success) from a
// slow or broken call.
func CallerEnded(ctx context.Context) bool {
	if ctx.Err() != context.Canceled {
		return false
	}
	return !errors.Is(context.Cause(ctx), context.DeadlineExceeded)
}

type noRepeatKey struct{}

// WithoutRepeat returns a copy of ctx marking the work as unsafe to run
// more than once at the same time or speculatively: hedging policies run it
// once. httpx marks requests that are not idempotent. Retries are not
// affected: a caller that knows an outcome must not be repeated returns it
// as a [Permanent] error instead, because only the outcome can tell (a
// refused connection proves a POST never arrived).
func WithoutRepeat(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRepeatKey{}, true)
}

// Repeatable reports whether ctx allows the work to be repeated
// speculatively: false once [WithoutRepeat] marked it.
func Repeatable(ctx context.Context) bool {
	return ctx.Value(noRepeatKey{}) == nil
}
