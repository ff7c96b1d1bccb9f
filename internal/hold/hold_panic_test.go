package hold

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/internal/ctxkey"
)

// TestHoldReleasedByAPanickingAttempt runs an attempt that panics under a
// Hold, before or after Keep, in each way a Hold follows the policies'
// ctx, with Release deferred as a caller must (httpx does). The panic
// leaves unchanged; by then the held context has ended, cause
// context.Canceled, and nothing of what Start armed is left: no AfterFunc
// on ctx, no timer for a lazy deadline. A second
// Release does nothing.
func TestHoldReleasedByAPanickingAttempt(t *testing.T) {
	type follow struct {
		name   string
		bubble bool
		ctx    func(t *testing.T, base context.Context) context.Context
	}
	follows := []follow{
		{"AfterFunc on a cancellable ctx", false, func(t *testing.T, base context.Context) context.Context {
			ctx, cancel := context.WithCancel(base)
			t.Cleanup(cancel)
			return ctx
		}},
		{"lazy deadline on the real clock", false, func(_ *testing.T, base context.Context) context.Context {
			return &lazyCtx{Context: base, at: time.Now().Add(time.Hour), cause: errLazyDeadline}
		}},
		{"lazy deadline in a bubble", true, func(_ *testing.T, base context.Context) context.Context {
			return &lazyCtx{Context: base, at: time.Now().Add(time.Hour), cause: errLazyDeadline}
		}},
		{"lazy deadline on a mock clock", false, func(_ *testing.T, base context.Context) context.Context {
			mock := clock.NewMock()
			return &mockLazyCtx{lazyCtx{Context: base, at: mock.Now().Add(time.Hour), cause: errLazyDeadline}, mock}
		}},
	}
	for _, f := range follows {
		for _, kept := range []bool{false, true} {
			t.Run(f.name+map[bool]string{false: "", true: "/after Keep"}[kept], func(t *testing.T) {
				run := func(t *testing.T) {
					base := context.Background()
					ctx := f.ctx(t, base)
					boom := &struct{ name string }{f.name}
					var h Hold
					var held context.Context
					got := func() (v any) {
						defer func() { v = recover() }()
						defer h.Release()
						held = h.Start(ctx, base)
						require.True(t, h.unlink != nil || h.timed, "Start armed nothing to follow ctx")
						if kept {
							h.Keep()
						}
						panic(boom)
					}()
					require.Same(t, boom, got, "the panic that left the attempt")
					assert.Equal(t, context.Canceled, context.Cause(held), "Cause(held) after the panic")
					assert.Nil(t, h.unlink, "still following ctx through AfterFunc")
					assert.False(t, h.timed, "still timing the deadline")
					assert.False(t, h.deadline.Stop(), "the deadline's timer still running")
					h.Release()
					assert.Equal(t, context.Canceled, context.Cause(held), "Cause(held) after a second Release")
				}
				if f.bubble {
					synctest.Test(t, run)
				} else {
					run(t)
				}
			})
		}
	}
}

// mockLazyCtx is a lazyCtx on a mock clock.
type mockLazyCtx struct {
	lazyCtx
	clock clock.Clock
}

func (c *mockLazyCtx) Err() error {
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !c.clock.Now().Before(c.at) {
		return context.DeadlineExceeded
	}
	return nil
}

func (c *mockLazyCtx) Follow() (d ctxkey.Deadline, ok bool) {
	d, ok = c.lazyCtx.Follow()
	d.Clock = c.clock
	return d, ok
}

// A caller that defers Release before Start (and then panics before
// Start, or in it) gets nothing more from Release: not a second panic.
func TestHoldReleaseAndKeepBeforeStartDoNothing(t *testing.T) {
	var h Hold
	assert.NotPanics(t, h.Keep, "Keep before Start")
	assert.NotPanics(t, h.Release, "Release before Start")
}
