// Package ratelimit limits how often calls start: at most Rate permits per
// Period, smoothly spaced or with bursts.
//
// A [Limiter] is a token bucket of Burst tokens that refills one token
// every Period/Rate. Each call spends one token; the bucket starts full.
// With Burst 0 (or 1) the limiter is smooth: calls are spaced at least
// Period/Rate apart. With Burst n, up to n calls may start at once after
// an idle spell, and the long-run rate is still Rate per Period.
//
// When the bucket is empty a call is rejected at once, or, with MaxWait
// set, waits for its token. A call whose wait would be longer than MaxWait,
// or would end after its ctx's deadline, is rejected at once rather than
// left to sleep for nothing. A rejection is an *[ExceededError], which
// matches [ErrExceeded] and tells through RetryAfter when the next token
// will be there (httpx's server middleware turns it into a 429 with a
// Retry-After header). A wait cut short by ctx gives its token back, so the
// next caller gets it.
//
// Most callers want [Limiter.Execute], directly or through
// resilience.Compose:
//
//	api := ratelimit.New[*Reply](ratelimit.Config{Rate: 100, Burst: 20})
//	reply, err := api.Execute(ctx, call)
//
// For work that is not a func(ctx) (R, error), [Limiter.Allow] answers
// now-or-never, [Limiter.Wait] waits like Execute, and [Limiter.Reserve]
// books a token ahead and can give it back. Tokens do not depend on the
// result type: [As] gives a view of the same bucket for another R.
//
// Tokens are computed from the clock when they are asked for; nothing runs
// in the background. A Limiter is safe for concurrent use by multiple
// goroutines. Allow, and Execute when a token is there, allocate nothing.
package ratelimit
