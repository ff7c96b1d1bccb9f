package circuitbreaker

import "github.com/go-resilience/resilience"

// announce tells OnStateChange and the observer about pending changes of
// state, outside c.mu and in the order they happened. One goroutine at a
// time announces; a goroutine that finds another at it leaves its own
// changes to that one, which announces until none is left. So a callback
// may call the breaker's methods, even ones that change its state: the
// change it causes is announced after its own returns, not inside it. A
// callback that panics stops nothing: the changes after its own are
// announced before the panic goes on.
func (c *core) announce() {
	c.mu.Lock()
	if c.announcing || c.sent == len(c.pending) {
		c.mu.Unlock()
		return
	}
	c.announcing = true
	finished := false
	defer func() {
		if !finished { // a callback panicked: announce the rest, then let it go on
			c.mu.Lock()
			c.announcing = false
			c.mu.Unlock()
			c.announce()
		}
	}()
	for c.sent < len(c.pending) {
		t := c.pending[c.sent]
		c.pending[c.sent] = transition{} // drop the ctx
		c.sent++
		c.mu.Unlock()
		c.tell(t)
		c.mu.Lock()
	}
	c.pending, c.sent = c.pending[:0], 0
	c.announcing = false
	finished = true
	c.mu.Unlock()
}

// tell announces one change to OnStateChange, then to the observer, which
// hears of it even if OnStateChange panics.
func (c *core) tell(t transition) {
	defer func() {
		if resilience.Observing(c.observer) {
			resilience.Emit(t.ctx, c.observer, resilience.Event{
				Policy: "circuitbreaker", Name: c.name, Kind: resilience.EventStateChange,
				From: t.from.String(), To: t.to.String(),
			})
		}
	}()
	if c.onStateChange != nil {
		c.onStateChange(t.from, t.to)
	}
}
