package ctxkey

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The learnt key must be the one a real cancel context answers: asked with
// it, a context made by WithCancelCause hands back something (its own
// cancel context), and context.Cause through a wrapper that forwards only
// this key finds the cause.
func TestCancelCtxIsTheContextPackagesKey(t *testing.T) {
	require.NotNil(t, CancelCtx, "context.Cause asked no key")
	ctx, cancel := context.WithCancelCause(context.Background())
	require.NotNil(t, ctx.Value(CancelCtx))
	require.Nil(t, context.Background().Value(CancelCtx))

	cause := errors.New("the cause")
	cancel(cause)
	w := &onlyKey{Context: ctx}
	require.Same(t, cause, context.Cause(w))
}

// onlyKey forwards the cancel-context key and nothing else.
type onlyKey struct{ context.Context }

func (o *onlyKey) Value(key any) any {
	if key == CancelCtx {
		return o.Context.Value(key)
	}
	return nil
}
