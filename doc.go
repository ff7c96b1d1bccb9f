// Package resilience composes resilience policies — retry, timeout, circuit
// breaker, fallback, bulkhead, rate limit, hedging, retry budget — around
// any func(ctx) (R, error).
//
// Each policy lives in its own package (retry, timeout, circuitbreaker,
// fallback, bulkhead, ratelimit, hedge, budget) and implements [Policy].
// [Compose] stacks policies into an [Executor], outermost first:
//
//	exec := resilience.Compose(fallbackPolicy, retryPolicy, breaker, timeoutPolicy)
//	user, err := exec.Execute(ctx, func(ctx context.Context) (User, error) {
//		return db.LoadUser(ctx, id)
//	})
//
// runs fallback(retry(breaker(timeout(fn)))): the timeout bounds each
// attempt, the breaker sees every attempt, the retry repeats failed
// attempts and the fallback answers when all of that failed. docs/composition.md
// explains what each order does.
//
// Executors are immutable, safe for concurrent use, and allocate nothing
// per call on the success path: Compose links the policies once into a
// [Chain], and each policy of this module runs the rest of it itself.
// Package httpx applies the same policies to any net/http client.
//
// Cross-cutting rules every policy follows:
//   - Every wait ends as soon as ctx is done. No policy stores a ctx.
//   - A call that fails after its caller cancelled ([CallerEnded]) is
//     neither a success nor a failure (a success is one, whatever became of
//     ctx); a deadline, a timeout policy's included, is a failure.
//   - [Permanent] marks an error no policy retries or hedges.
//   - What counts as a failure is each policy's FailureIf (err != nil by
//     default), or said once for a whole stack with [ComposeWith]; a
//     policy's own FailureIf wins.
//   - A panic in fn propagates unchanged; every policy it crosses releases
//     what it held and counts the call as a failure.
//   - Events of every policy reach one [Observer] (see [SetObserver]).
//   - Results that policies drop reach [Discard].
package resilience
