package circuitbreaker

import "context"

// A Permit is the breaker's leave for one call, from [Breaker.Allow], for
// integrations that cannot hand the breaker a function to run (a
// middleware that sees the start and the end of a call in different
// places). Report the call's end with exactly one of Done or Cancel.
//
// A Permit is a small value: Allow and Done allocate nothing. The zero
// Permit's methods do nothing.
type Permit[R any] struct {
	b     *Breaker[R]
	word  uint64 // the period the call was admitted in
	start int64  // when, if the slow-call rule needs it
}

// Allow admits one call, or rejects it with an [*OpenError]
// (errors.Is(err, ErrOpen)). ctx is passed to the observer with the
// rejection; a nil ctx gives an error wrapping resilience.ErrInvalidArgument.
func (b *Breaker[R]) Allow(ctx context.Context) (Permit[R], error) {
	if ctx == nil {
		return Permit[R]{}, errNilContext
	}
	word, start, err := b.c.admit(ctx)
	if err != nil {
		return Permit[R]{}, err
	}
	return Permit[R]{b: b, word: word, start: start}, nil
}

// Done records the outcome of the permitted call, classified by the
// breaker's IgnoreIf and FailureIf: an ignored outcome ends the call as
// Cancel does. A change of state it causes is reported to the observer
// with context.Background(). If a callback panics in Done, the outcome is
// recorded first (as a failure if IgnoreIf or FailureIf panicked), and the
// panic goes on.
func (p Permit[R]) Done(r R, err error) {
	if p.b != nil {
		p.b.done(context.Background(), p.word, p.start, r, err)
	}
}

// Cancel ends the permitted call without an outcome: it counts neither way
// and a half-open trial permit goes back to the breaker. Use it when the
// caller gave up on the call (its ctx was cancelled).
func (p Permit[R]) Cancel() {
	if p.b != nil {
		p.b.c.cancel(p.word)
	}
}

// Trial reports whether the permit admitted a half-open trial call.
func (p Permit[R]) Trial() bool {
	return p.b != nil && stateOf(p.word) == HalfOpen
}
