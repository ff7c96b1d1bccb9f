package main

import (
	"context"
	"sync"
	"time"
)

// behaviour is what the fake pricing service does with one call.
type behaviour int

const (
	answer      behaviour = iota // answer from the price list
	hang                         // block until the call's ctx ends
	unavailable                  // fail with UNAVAILABLE
	exhausted                    // fail with RESOURCE_EXHAUSTED and a 30ms pushback
)

// pricing is an in-process stand-in for a gRPC pricing service. Calls take
// the scripted behaviours in the order they arrive, then answer.
type pricing struct {
	prices map[string]int64

	mu    sync.Mutex // guards the fields below
	queue []behaviour
	calls int
}

func newPricing() *pricing {
	return &pricing{prices: map[string]int64{"A-100": 1999, "B-200": 450}}
}

func (p *pricing) script(bs ...behaviour) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = append(p.queue, bs...)
}

func (p *pricing) callCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

// GetQuote has the shape of a generated client method.
func (p *pricing) GetQuote(ctx context.Context, req *QuoteRequest) (*Quote, error) {
	p.mu.Lock()
	p.calls++
	b := answer
	if len(p.queue) > 0 {
		b, p.queue = p.queue[0], p.queue[1:]
	}
	p.mu.Unlock()

	switch b {
	case hang:
		<-ctx.Done()
		return nil, ctx.Err()
	case unavailable:
		return nil, &StatusError{Code: Unavailable, Message: "connection refused"}
	case exhausted:
		return nil, &StatusError{Code: ResourceExhausted, Message: "quota exceeded", Pushback: 30 * time.Millisecond}
	}
	if req.SKU == "" {
		return nil, &StatusError{Code: InvalidArgument, Message: "sku must not be empty"}
	}
	cents, ok := p.prices[req.SKU]
	if !ok {
		return nil, &StatusError{Code: NotFound, Message: "no price for " + req.SKU}
	}
	return &Quote{SKU: req.SKU, Cents: cents}, nil
}
