package timeout_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience/timeout"
)

// Which came first, the deadline or the parent's cancellation, decides
// what next's ctx reports and what Execute returns, as it does for a
// context.WithDeadlineCause; also when nothing looked at ctx while the two
// happened. These run on synctest's fake clock, so each event comes
// exactly when the script says.

// firstLooks are the ways next may first look at its ctx once both events
// have happened.
var firstLooks = map[string]func(ctx context.Context){
	"Err":       func(ctx context.Context) { _ = ctx.Err() },
	"Cause":     func(ctx context.Context) { _ = context.Cause(ctx) },
	"Done":      func(ctx context.Context) { _ = ctx.Done() },
	"AfterFunc": func(ctx context.Context) { context.AfterFunc(ctx, func() {})() },
	"nothing":   func(context.Context) {},
}

func TestDeadlineBeforeParentCancelEndsAsExceeded(t *testing.T) {
	for name, look := range firstLooks {
		t.Run("first look: "+name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rec := &recorder{}
				p, base := rec.policy(time.Second)
				parent, cancel := context.WithCancelCause(base)
				defer cancel(nil)
				var err, cause error
				_, got := p.Execute(parent, func(ctx context.Context) (int, error) {
					time.Sleep(2 * time.Second) // the deadline passes, unwatched
					cancel(errors.New("caller gave up"))
					look(ctx)
					if name != "nothing" {
						err, cause = ctx.Err(), context.Cause(ctx)
					}
					return 7, nil
				})
				if name != "nothing" {
					assert.Equal(t, context.DeadlineExceeded, err, "ctx.Err() after deadline then cancel")
					assert.ErrorIs(t, cause, timeout.ErrExceeded, "context.Cause(ctx) after deadline then cancel")
				}
				requireExceeded(t, got, time.Second)
				assert.Len(t, rec.hooks, 1, "OnTimeout calls")
				assert.Equal(t, []int{7}, rec.discarded, "the late result is discarded")
			})
		})
	}
}

func TestParentCancelBeforeDeadlinePassesThrough(t *testing.T) {
	for name, look := range firstLooks {
		t.Run("first look: "+name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rec := &recorder{}
				p, base := rec.policy(time.Second)
				parent, cancel := context.WithCancelCause(base)
				defer cancel(nil)
				why := errors.New("caller gave up")
				var err, cause error
				r, got := p.Execute(parent, func(ctx context.Context) (int, error) {
					time.Sleep(500 * time.Millisecond)
					cancel(why)
					time.Sleep(time.Second) // past the deadline, unwatched
					look(ctx)
					if name != "nothing" {
						err, cause = ctx.Err(), context.Cause(ctx)
					}
					return 7, nil
				})
				if name != "nothing" {
					assert.Equal(t, context.Canceled, err, "ctx.Err() after cancel then deadline")
					assert.Same(t, why, cause, "context.Cause(ctx) after cancel then deadline")
				}
				assert.NoError(t, got, "Execute after cancel then deadline: next's outcome passes through")
				assert.Equal(t, 7, r)
				assert.Empty(t, rec.hooks, "OnTimeout calls")
				assert.Empty(t, rec.discarded, "discarded results")
			})
		})
	}
}
