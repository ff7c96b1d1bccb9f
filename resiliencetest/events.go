package resiliencetest

import (
	"context"
	"sync"

	"github.com/go-resilience/resilience"
)

// Events is a resilience.Observer that keeps every event it sees, to pass
// as a policy's Config.Observer. The zero Events is ready to use; safe for
// concurrent use.
type Events struct {
	mu     sync.Mutex // guards events
	events []resilience.Event
}

// Observe records e.
func (r *Events) Observe(_ context.Context, e resilience.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// All returns a copy of the events seen so far, in order.
func (r *Events) All() []resilience.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]resilience.Event(nil), r.events...)
}
