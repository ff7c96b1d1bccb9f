// Package ctxkey holds the key with which the context package asks a
// context for its nearest cancel context. Contexts of this module that
// wrap another answer it themselves, so that context.Cause and the linking
// of a child to its parent (without a goroutine) keep working through
// them.
package ctxkey

import "context"

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
