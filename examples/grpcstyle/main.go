// Command grpcstyle guards a gRPC-style call, whose result is a message
// type rather than an *http.Response and whose failures are status codes:
// which codes are retried, which hedged, which count against the breaker,
// and how a server's pushback sets the retry delay.
//
// The pricing service is an in-process fake that answers on cue, so the
// program needs no gRPC dependency; with a real client, pass its method
// (client.GetQuote) to Invoke in the same way.
//
//	go run ./examples/grpcstyle
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/hedge"
	"github.com/go-resilience/resilience/retry"
	"github.com/go-resilience/resilience/timeout"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// QuoteRequest and Quote stand for generated protobuf messages.
type QuoteRequest struct{ SKU string }

// Quote is the RPC's reply.
type Quote struct {
	SKU   string
	Cents int64
}

// Invoke runs one unary RPC through exec, as a client interceptor would
// for every method of a service.
func Invoke[Req, Resp any](ctx context.Context, exec *resilience.Executor[Resp], rpc func(context.Context, Req) (Resp, error), req Req) (Resp, error) {
	return exec.Execute(ctx, func(ctx context.Context) (Resp, error) {
		return rpc(ctx, req)
	})
}

// retryable reports whether another attempt, later, may succeed.
func retryable(_ *Quote, err error) bool {
	switch CodeOf(err) {
	case Unavailable, ResourceExhausted, DeadlineExceeded:
		return true
	}
	return false
}

// hedgeable reports whether another attempt may succeed right now, on
// another replica. Not RESOURCE_EXHAUSTED: the server asked us to slow
// down, and the retry's delay honours that.
func hedgeable(_ *Quote, err error) bool {
	switch CodeOf(err) {
	case Unavailable, DeadlineExceeded:
		return true
	}
	return false
}

// unwell reports whether an outcome says the service is broken, for the
// breaker. A bad request or a missing SKU is the caller's business.
func unwell(_ *Quote, err error) bool {
	switch CodeOf(err) {
	case Unavailable, DeadlineExceeded, Internal:
		return true
	}
	return false
}

// pushback is the retry's DelayFunc: the wait the server asked for, or -1
// to use the backoff.
func pushback(_ int, _ *Quote, err error) time.Duration {
	if se, ok := err.(*StatusError); ok && se.Pushback > 0 {
		return se.Pushback
	}
	return -1
}

// newQuotes builds the executor of the GetQuote call site.
func newQuotes(w io.Writer) *resilience.Executor[*Quote] {
	return resilience.Compose(
		timeout.New[*Quote](timeout.Config{Timeout: 5 * time.Second}), // the whole call
		retry.New(retry.Config[*Quote]{
			MaxAttempts: 4,
			Backoff:     retry.Exponential{Initial: 5 * time.Millisecond, Max: 100 * time.Millisecond, Jitter: retry.FullJitter},
			DelayFunc:   pushback,
			FailureIf:   retryable,
			OnRetry: func(e retry.Event[*Quote]) {
				if pushback(e.Attempt, e.Result, e.Err) >= 0 {
					fmt.Fprintf(w, "  retry: %v; waiting %v as the server asked\n", e.Err, e.Delay)
					return
				}
				fmt.Fprintf(w, "  retry: %v; backing off\n", e.Err)
			},
		}),
		// A slow attempt gets a twin after 200ms; a fast failure gets one at
		// once. The first acceptable answer wins; the other is cancelled.
		hedge.New(hedge.Config[*Quote]{
			Delay:     200 * time.Millisecond,
			FailureIf: hedgeable,
			OnHedge: func(e hedge.Event) {
				if e.AfterFailure {
					fmt.Fprintf(w, "  hedge: attempt %d at once, after %v\n", e.Attempt, e.Err)
					return
				}
				fmt.Fprintf(w, "  hedge: attempt %d, the first is slow\n", e.Attempt)
			},
		}),
		circuitbreaker.New(circuitbreaker.Config[*Quote]{Name: "pricing", FailureIf: unwell}),
		timeout.New[*Quote](timeout.Config{Timeout: time.Second}), // each attempt
	)
}

func run(w io.Writer) error {
	ctx := context.Background()
	pricing := newPricing()
	quotes := newQuotes(w)

	get := func(title, sku string, script ...behaviour) {
		fmt.Fprintln(w, title)
		pricing.script(script...)
		before := pricing.callCount()
		q, err := Invoke(ctx, quotes, pricing.GetQuote, &QuoteRequest{SKU: sku})
		calls := pricing.callCount() - before
		if err != nil {
			fmt.Fprintf(w, "  => error %q, code %s, calls: %d\n", err, CodeOf(err), calls)
			return
		}
		fmt.Fprintf(w, "  => %s costs %d.%02d, calls: %d\n", q.SKU, q.Cents/100, q.Cents%100, calls)
	}

	get("1. One replica hangs: the hedge answers.", "A-100", hang)
	get("2. UNAVAILABLE twice: a hedge, then a retry.", "A-100", unavailable, unavailable)
	get("3. RESOURCE_EXHAUSTED with pushback: the retry waits as asked.", "B-200", exhausted)
	get("4. INVALID_ARGUMENT: returned as it is.", "", answer)
	get("5. NOT_FOUND: an answer, not a failure.", "Z-999", answer)
	return nil
}
