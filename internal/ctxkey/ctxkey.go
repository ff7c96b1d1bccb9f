// Package ctxkey holds the key with which the context package asks a
// context for its nearest cancel context. Contexts of this module that
// wrap another answer it themselves, so that context.Cause and the linking
// of a child to its parent (without a goroutine) keep working through
// them.
package ctxkey

import (
	"context"
	"time"

	"github.com/benbjohnson/clock"
)

// CancelCtx is the key with which the context package (context.Cause, and
// the linking of a child to its parent) asks a context for its nearest
// cancel context. It is unexported there, so it is learnt once from
// context.Cause itself, which asks an ended context for it.
var CancelCtx = func() any {
	var p probe
	_ = context.Cause(&p)
	return p.key
}()

// probe is an ended context that records the key Value is asked for.
type probe struct {
	context.Context
	key any
}

func (*probe) Err() error          { return context.Canceled }
func (p *probe) Value(key any) any { p.key = key; return nil }

// A Lazy context ends at a deadline it has not armed a timer for yet (a
// timeout policy's, until something waits on it). Follow describes that
// deadline, so that a context linked to it can arm a timer of its own
// instead of making it arm one; ok is false once it has (or has ended),
// and the caller must then link to it the usual way.
type Lazy interface {
	Follow() (d Deadline, ok bool)
}

// Deadline is what a Lazy context ends with besides what it follows.
type Deadline struct {
	Follows context.Context // what else ends it
	At      time.Time       // on Clock
	Cause   error           // what it ends with at At
	Clock   clock.Clock     // nil: the real clock
}
