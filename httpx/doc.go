// Package httpx applies resilience policies to net/http: a [Transport]
// (an http.RoundTripper) sends every request of an http.Client through a
// stack of policies — retry, timeout, circuit breaker, bulkhead, rate
// limit, hedging — with the HTTP rules those policies cannot know.
//
// Most callers want [Standard], a production default in one call:
//
//	client := &http.Client{Transport: httpx.Standard(httpx.StandardConfig{})}
//
// It bounds each request to 30s, retries up to 5 attempts with jittered
// exponential backoff or the server's Retry-After, keeps a circuit breaker
// per host and bounds each attempt to 10s. [NewTransport] applies policies
// of your own, outermost first, to every request; [New] adds per-host
// policies (a breaker per scheme://host:port, created on first use) and
// options. [NewFailover] spreads one logical service over several base URLs.
//
// What the Transport adds to the policies:
//
//   - Failure responses become errors for the policies. A 408, 429, 500,
//     502, 503 or 504 ([IsFailure]) reaches them with a [*StatusError], so
//     that a policy with the default FailureIf (err != nil) retries it or
//     counts it; when they give up, the caller still gets that last
//     response, body intact, with a nil error, as from http.Transport.
//   - Only what is safe is repeated. Idempotent requests (GET HEAD OPTIONS
//     TRACE PUT DELETE, or an Idempotency-Key or X-Idempotency-Key header)
//     are repeated on any failure; others only on one proving that the
//     server never took them (no connection made, HTTP/2 REFUSED_STREAM, a
//     429, a 503 with Retry-After). Anything else reaches the policies as a
//     resilience.Permanent error, which no retry policy repeats, and
//     hedging sends such requests once (resilience.WithoutRepeat).
//     Config.RetryAll lifts the rule.
//   - Request bodies are replayed through GetBody, or buffered when small
//     and of known length (Config.MaxBodyBuffer); any other body is sent
//     once. The caller's request is never modified.
//   - Responses the policies drop (a retried 503, a hedge loser) are drained
//     (bounded) and closed before the next attempt, so their connections
//     are reused and MaxConnsPerHost cannot deadlock.
//   - Policies bound the time to the response headers. The body of the
//     response returned is read under the caller's context only (and
//     http.Client.Timeout): no policy's timer cuts it.
//
// [RetryAfter] reads a 429's or 503's Retry-After header; it is a
// retry.Config DelayFunc as is.
//
// Redirects are followed by http.Client, above the Transport: each hop is a
// request of its own, with its own run of the policies, and a per-host
// policy belongs to the host of the hop. Policies see only what reaches
// the Transport; a client-wide limit on the whole redirect chain is
// http.Client.Timeout.
//
// Every constructor ([New], [Standard], [Hedging], [NewFailover],
// [Middleware]) panics with the error of its config's Validate when the
// config is invalid, as each policy package's New does: static configs
// fail at start-up, and configs read at run time call Validate first.
//
// Transports are safe for concurrent use, and so are the values this
// package returns unless their documentation says otherwise.
package httpx
