// Package fallback answers for a call that failed.
//
// A [Policy] calls next and returns its outcome when it succeeds. When the
// outcome is a failure (Config.FailureIf; by default err != nil) it returns
// another outcome instead:
//
//   - [New] with Config.Fallback: whatever Fallback makes of the failed
//     outcome (r, err) — a cached value, a degraded answer, a translated
//     error.
//   - [Value]: a constant value; [Error]: a replacement error that still
//     wraps the original.
//   - [Chain] and [NewChain]: the first of a list of alternatives that
//     succeeds, tried in order (primary, then backup 1, backup 2, ...); when
//     all fail, every error, joined in order with errors.Join.
//
// Most callers want New, or Value for a default answer.
//
// What falls back: errors and failed results alike, permanent errors
// (resilience.Permanent) and deadlines included — a timeout is a failure.
// What never does: an outcome whose caller cancelled ctx
// (resilience.CallerEnded): nobody wants an answer any more, so it is
// returned as it is, and a chain stops at once.
//
// Dropped results are handed to resilience.Discard (httpx closes response
// bodies that way). Config.Fallback receives the failed result, so it is
// discarded only after Fallback returns (or panics), and not at all when
// Fallback hands that same result back (the same pointer, map, slice or
// channel, or an equal comparable value). A chain, whose alternatives do
// not receive it, discards each failed result before the next alternative
// starts, and returns the last one when all fail.
//
// A fallback belongs outermost, so that it answers for everything inside
// it: resilience.Compose(fallback, retry, breaker, timeout) falls back once
// retries are used up or the breaker is open.
//
// A panic in next, in a fallback or alternative, or in FailureIf,
// OnFallback or the observer propagates unchanged, and every result
// produced by then that will not be returned has been discarded. Execute
// allocates nothing when next succeeds. A Policy is immutable and safe for
// concurrent use by any number of goroutines.
package fallback
