package resiliencetest

import (
	"context"
	"sync"

	"github.com/go-resilience/resilience"
)

// Discards keeps the results of type R that policies drop instead of
// returning (a retried attempt's, a losing hedge's, a value that came
// after a timeout): the results a caller must release (close a body)
// and that resilience.WithDiscard hands over. The zero Discards is ready
// to use; safe for concurrent use.
type Discards[R any] struct {
	mu   sync.Mutex // guards kept
	kept []R
}

// Context returns a copy of ctx carrying d's discard func: pass it to
// Execute and every result dropped during the call is kept in d.
func (d *Discards[R]) Context(ctx context.Context) context.Context {
	return resilience.WithDiscard(ctx, d.keep)
}

func (d *Discards[R]) keep(r R) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.kept = append(d.kept, r)
}

// All returns a copy of the results dropped so far, in the order they
// were dropped.
func (d *Discards[R]) All() []R {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]R(nil), d.kept...)
}
