package timeout_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/timeout"
)

// recorder collects what a Policy reports: hook events, observer events
// and discarded results.
type recorder struct {
	mu        sync.Mutex
	hooks     []timeout.Event
	events    []resilience.Event
	discarded []int
}

func (r *recorder) onTimeout(e timeout.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hooks = append(r.hooks, e)
}

func (r *recorder) Observe(_ context.Context, e resilience.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) discard(v int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.discarded = append(r.discarded, v)
}

// policy returns a Policy of d reporting to rec, and a ctx that discards
// into rec.
func (r *recorder) policy(d time.Duration) (*timeout.Policy[int], context.Context) {
	p := timeout.New[int](timeout.Config{Name: "db", Timeout: d, OnTimeout: r.onTimeout, Observer: r})
	return p, resilience.WithDiscard(context.Background(), r.discard)
}

// requireExceeded checks that err is the policy's timeout error for d.
func requireExceeded(t *testing.T, err error, d time.Duration) *timeout.ExceededError {
	t.Helper()
	require.ErrorIs(t, err, timeout.ErrExceeded)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var ee *timeout.ExceededError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, d, ee.Limit, "ExceededError.Limit = %v, want %v", ee.Limit, d)
	return ee
}

func TestResultBeforeDeadline(t *testing.T) {
	rec := &recorder{}
	p, ctx := rec.policy(time.Hour)
	before := time.Now()
	var fnCtx context.Context
	got, err := p.Execute(ctx, func(ctx context.Context) (int, error) {
		fnCtx = ctx
		return 42, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 42, got)

	d, ok := fnCtx.Deadline()
	require.True(t, ok, "next's ctx has no deadline")
	assert.WithinRange(t, d, before.Add(time.Hour), time.Now().Add(time.Hour), "deadline %v not an hour after the call", d)
	// The timer is released as soon as Execute returns.
	assert.Equal(t, context.Canceled, fnCtx.Err(), "next's ctx after Execute returned")
	assert.Empty(t, rec.hooks, "OnTimeout called for a result before the deadline")
	assert.Empty(t, rec.events, "events for a result before the deadline")
	assert.Empty(t, rec.discarded, "a returned result was discarded")
}

func TestErrorBeforeDeadlinePassesThrough(t *testing.T) {
	p := timeout.New[int](timeout.Config{Timeout: time.Hour})
	boom := errors.New("boom")
	got, err := p.Execute(context.Background(), func(context.Context) (int, error) { return 7, boom })
	assert.Same(t, boom, err, "error before the deadline = %v, want boom unchanged", err)
	assert.Equal(t, 7, got, "result beside an early error")
}

func TestNextHonouringCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		p, ctx := rec.policy(2 * time.Second)
		start := time.Now()
		var cause error
		got, err := p.Execute(ctx, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			cause = context.Cause(ctx)
			return 0, ctx.Err()
		})
		assert.Equal(t, 2*time.Second, time.Since(start), "Execute returned after %v, want 2s", time.Since(start))
		assert.Zero(t, got)
		ee := requireExceeded(t, err, 2*time.Second)
		assert.NoError(t, ee.Err, "ctx's own error is not kept as next's error")
		assert.EqualError(t, err, "timeout: exceeded after 2s")
		assert.Equal(t, err, cause, "context.Cause(next's ctx) = %v, want the returned error", cause)

		require.Len(t, rec.hooks, 1, "OnTimeout calls")
		assert.Equal(t, timeout.Event{Timeout: 2 * time.Second, Elapsed: 2 * time.Second, Err: err}, rec.hooks[0])
		require.Len(t, rec.events, 1, "observer events")
		assert.Equal(t, resilience.Event{
			Policy: "timeout", Name: "db", Kind: resilience.EventTimeout, Err: err, Duration: 2 * time.Second,
		}, rec.events[0])
		assert.Equal(t, []int{0}, rec.discarded, "the dropped result is discarded once")
	})
}

func TestLateResultIsDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		p, ctx := rec.policy(time.Second)
		got, err := p.Execute(ctx, func(context.Context) (int, error) {
			time.Sleep(3 * time.Second) // ignores ctx
			return 99, nil
		})
		assert.Zero(t, got, "a late value is returned")
		requireExceeded(t, err, time.Second)
		assert.Equal(t, []int{99}, rec.discarded, "the late value is discarded once")
		require.Len(t, rec.hooks, 1)
		assert.Equal(t, 3*time.Second, rec.hooks[0].Elapsed, "Event.Elapsed = %v, want 3s", rec.hooks[0].Elapsed)
	})
}

func TestLateErrorStaysReachable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := timeout.New[int](timeout.Config{Timeout: 2 * time.Second})
		var late error
		_, err := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
			<-ctx.Done()
			late = fmt.Errorf("query users: %w", ctx.Err())
			return 0, late
		})
		ee := requireExceeded(t, err, 2*time.Second)
		assert.Same(t, late, ee.Err)
		assert.ErrorIs(t, err, late, "next's own error is not reachable")
		assert.EqualError(t, err, "timeout: exceeded after 2s: query users: context deadline exceeded")

		// next returning the cause itself adds nothing: the shared error.
		_, err2 := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, context.Cause(ctx)
		})
		ee2 := requireExceeded(t, err2, 2*time.Second)
		assert.NoError(t, ee2.Err)
	})
}

func TestParentDeadlineEarlier(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		p, base := rec.policy(2 * time.Second)
		ctx, cancel := context.WithTimeout(base, time.Second)
		defer cancel()
		var fnCtx context.Context
		_, err := p.Execute(ctx, func(ctx context.Context) (int, error) {
			fnCtx = ctx
			<-ctx.Done()
			return 0, ctx.Err()
		})
		assert.Same(t, ctx, fnCtx, "next got a new ctx although the parent ends first")
		assert.Equal(t, context.DeadlineExceeded, err, "the parent's error must pass through unchanged")
		assert.NotErrorIs(t, err, timeout.ErrExceeded)
		assert.Empty(t, rec.hooks, "OnTimeout called for the parent's deadline")
		assert.Empty(t, rec.events, "an event for the parent's deadline")
		assert.Empty(t, rec.discarded, "a result discarded for the parent's deadline")

		// The same deadline as ours is the parent's too.
		same, cancel2 := context.WithTimeout(base, 2*time.Second)
		defer cancel2()
		_, _ = p.Execute(same, func(ctx context.Context) (int, error) { fnCtx = ctx; return 0, nil })
		assert.Same(t, same, fnCtx, "next got a new ctx although the parent ends with ours")
	})
}

func TestParentDeadlineLater(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := timeout.New[int](timeout.Config{Timeout: time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := p.Execute(ctx, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		})
		requireExceeded(t, err, time.Second)
		assert.Equal(t, time.Second, time.Since(start))
	})
}

func TestParentCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		p, base := rec.policy(2 * time.Second)
		ctx, cancel := context.WithCancel(base)
		time.AfterFunc(time.Second, cancel)
		var callerEnded bool
		_, err := p.Execute(ctx, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			callerEnded = resilience.CallerEnded(ctx)
			return 0, ctx.Err()
		})
		assert.Equal(t, context.Canceled, err, "the parent's cancellation must pass through unchanged")
		assert.True(t, callerEnded, "next's ctx is not caller-ended after the caller cancelled")
		assert.Empty(t, rec.hooks)
		assert.Empty(t, rec.events)
		assert.Empty(t, rec.discarded)
	})
}

func TestParentCancelledWithCause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := timeout.New[int](timeout.Config{Timeout: 2 * time.Second})
		why := errors.New("user left")
		ctx, cancel := context.WithCancelCause(context.Background())
		time.AfterFunc(time.Second, func() { cancel(why) })
		_, err := p.Execute(ctx, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, context.Cause(ctx)
		})
		assert.Same(t, why, err, "the parent's cause must pass through unchanged")
	})
}

func TestParentCancelledAfterOurDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		p, base := rec.policy(time.Second)
		ctx, cancel := context.WithCancel(base)
		time.AfterFunc(2*time.Second, cancel)
		_, err := p.Execute(ctx, func(context.Context) (int, error) {
			time.Sleep(3 * time.Second) // ignores ctx
			return 5, nil
		})
		requireExceeded(t, err, time.Second)
		assert.Equal(t, []int{5}, rec.discarded)
	})
}

func TestTimerReleasedOnPanic(t *testing.T) {
	p := timeout.New[int](timeout.Config{Timeout: time.Hour})
	var fnCtx context.Context
	assert.PanicsWithValue(t, "boom", func() {
		_, _ = p.Execute(context.Background(), func(ctx context.Context) (int, error) {
			fnCtx = ctx
			panic("boom")
		})
	})
	assert.Equal(t, context.Canceled, fnCtx.Err(), "next's ctx still live after a panic")
}

func TestNestedTimeouts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		outer := timeout.New[int](timeout.Config{Timeout: 3 * time.Second})
		inner := timeout.New[int](timeout.Config{Timeout: time.Second})
		wait := func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() }

		// The inner timeout fires first and the outer one passes it on.
		_, err := resilience.Compose[int](outer, inner).Execute(context.Background(), wait)
		requireExceeded(t, err, time.Second)

		// The shorter timeout outside: the longer one inside never starts a
		// timer and passes the outer deadline through.
		_, err = resilience.Compose[int](inner, outer).Execute(context.Background(), wait)
		requireExceeded(t, err, time.Second)
	})
}

func TestExceededErrorIsANetTimeout(t *testing.T) {
	p := timeout.New[int](timeout.Config{Timeout: time.Millisecond})
	_, err := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
	var te interface{ Timeout() bool }
	require.ErrorAs(t, err, &te)
	assert.True(t, te.Timeout(), "the error a timeout returns says Timeout() = true")
	uerr := &url.Error{Op: "Get", URL: "http://x", Err: err}
	assert.True(t, uerr.Timeout(), "*url.Error wrapping it is a timeout too")
}
