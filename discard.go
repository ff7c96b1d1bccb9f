package resilience

import "context"

// This file is the seam for results that hold resources (an
// *http.Response's body and the connection under it). Policies that drop a
// result (a retried 503, a hedge loser, an outcome replaced by a fallback,
// a value that arrived after a timeout) hand it to Discard before the next
// attempt starts. httpx, whose result outlives Execute, also runs each
// attempt under a hold (internal/hold), so that the attempt's resources are
// released when the caller is done with the result rather than when the
// policies return. Without the seam, everything is released when Execute
// returns.

type discardKey[R any] struct{}

// WithDiscard returns a copy of ctx carrying discard, which policies call
// (through [Discard]) with each result they drop instead of returning it.
// httpx uses it to drain and close the bodies of discarded responses.
func WithDiscard[R any](ctx context.Context, discard func(R)) context.Context {
	return context.WithValue(ctx, discardKey[R]{}, discard)
}

// Discard hands r to the discard func that ctx carries for results of type
// R, if any, and otherwise does nothing. A policy that drops a result must
// call it once for that result, before it starts another attempt.
func Discard[R any](ctx context.Context, r R) {
	if d, ok := ctx.Value(discardKey[R]{}).(func(R)); ok && d != nil {
		d(r)
	}
}
