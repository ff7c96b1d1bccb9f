package timeout_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/timeout"
)

// Under the real clock next's ctx makes its context.WithDeadlineCause only
// when something waits on it. These tests hold it to what that context
// would do, whichever way it is used.

type ctxKey struct{}

// view is what a context shows at one moment.
type view struct {
	callerEnded bool // resilience.CallerEnded, asked first: it must not make the context
	err, cause  error
	done        bool
	deadline    time.Time
	value       any
}

func look(ctx context.Context) view {
	v := view{callerEnded: resilience.CallerEnded(ctx)}
	v.err, v.cause, v.value = ctx.Err(), context.Cause(ctx), ctx.Value(ctxKey{})
	v.deadline, _ = ctx.Deadline()
	select {
	case <-ctx.Done():
		v.done = true
	default:
	}
	return v
}

// TestContextMatchesWithDeadlineCause runs next under the policy and, beside
// it, a context.WithDeadlineCause of the same parent, deadline and cause,
// and compares them at each step of several ways of using a ctx: before and
// after the deadline, waiting on Done early, late or never, asking for the
// cause first. It is the real clock's path, compared with the standard
// library's own, so it runs on synctest's fake clock: the "end" step waits
// for the reference to end (its deadline, or its parent's cancellation)
// and for the bubble to settle, without touching next's ctx.
func TestContextMatchesWithDeadlineCause(t *testing.T) {
	steps := map[string]func(ctx context.Context){
		"wait":  func(ctx context.Context) { <-ctx.Done() },
		"done":  func(ctx context.Context) { _ = ctx.Done() },
		"err":   func(ctx context.Context) { _ = ctx.Err() },
		"cause": func(ctx context.Context) { _ = context.Cause(ctx) },
		"child": func(ctx context.Context) {
			child, cancel := context.WithCancel(ctx)
			defer cancel()
			_ = child.Done()
		},
	}
	for _, script := range [][]string{
		{"err", "cause"},
		{"end", "err", "cause"},
		{"end", "cause", "err"},
		{"end", "done", "err"},
		{"done", "end", "err"},
		{"done", "wait", "cause"},
		{"wait", "err"},
		{"child", "end", "err"},
		{"cause", "end", "cause"},
	} {
		for _, parentCancelled := range []bool{false, true} {
			name := ""
			for _, s := range script {
				name += s + "/"
			}
			if parentCancelled {
				name += "parent cancelled at 500ms"
			}
			t.Run(name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					base := context.WithValue(context.Background(), ctxKey{}, "v")
					parent, cancel := context.WithCancelCause(base)
					defer cancel(nil)
					why := errors.New("parent gave up")
					if parentCancelled {
						time.AfterFunc(500*time.Millisecond, func() { cancel(why) })
					}
					p := timeout.New[int](timeout.Config{Timeout: time.Second})
					_, _ = p.Execute(parent, func(ctx context.Context) (int, error) {
						deadline, ok := ctx.Deadline()
						require.True(t, ok)
						ref, refCancel := context.WithDeadlineCause(parent, deadline, &timeout.ExceededError{Limit: time.Second})
						defer refCancel()
						for _, s := range script {
							if s == "end" {
								<-ref.Done()
								synctest.Wait()
							} else {
								steps[s](ctx)
								steps[s](ref)
							}
							got, want := look(ctx), look(ref)
							assert.Equal(t, want.callerEnded, got.callerEnded, "after %s: CallerEnded", s)
							assert.Equal(t, want.err, got.err, "after %s: Err", s)
							assert.Equal(t, want.cause, got.cause, "after %s: Cause", s)
							assert.Equal(t, want.done, got.done, "after %s: Done closed", s)
							assert.Equal(t, want.deadline, got.deadline, "after %s: Deadline", s)
							assert.Equal(t, "v", got.value, "after %s: Value", s)
						}
						return 1, nil
					})
				})
			})
		}
	}
}

// TestContextEndsWhenExecuteReturns checks that a ctx kept past Execute
// reads as cancelled, whether or not anything had waited on it, and that
// it starts no timer then.
func TestContextEndsWhenExecuteReturns(t *testing.T) {
	for _, waited := range []bool{false, true} {
		p := timeout.New[int](timeout.Config{Timeout: time.Hour})
		var kept context.Context
		_, err := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
			kept = ctx
			if waited {
				_ = ctx.Done()
			}
			return 1, nil
		})
		require.NoError(t, err)
		assert.True(t, resilience.CallerEnded(kept), "waited=%v: ended as by a cancel func", waited)
		assert.Equal(t, context.Canceled, kept.Err(), "waited=%v", waited)
		assert.Equal(t, context.Canceled, context.Cause(kept), "waited=%v", waited)
		select {
		case <-kept.Done():
		default:
			t.Fatalf("waited=%v: Done of a kept ctx is open after Execute returned", waited)
		}
		child, cancel := context.WithCancel(kept)
		assert.Equal(t, context.Canceled, child.Err(), "waited=%v: a child made later", waited)
		cancel()
	}
}

// TestChildNeedsNoGoroutine checks that a child of next's ctx is linked to
// it by the context package directly (as to any of its own contexts), not
// by a goroutine watching it, and ends with it, cause included.
func TestChildNeedsNoGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := timeout.New[int](timeout.Config{Timeout: time.Second})
		_, err := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
			before := runtime.NumGoroutine()
			child, cancel := context.WithCancel(ctx)
			defer cancel()
			stop := context.AfterFunc(ctx, func() {})
			defer stop()
			assert.Equal(t, before, runtime.NumGoroutine(), "linking a child started a goroutine")
			<-child.Done()
			requireExceeded(t, context.Cause(child), time.Second)
			return 0, child.Err()
		})
		requireExceeded(t, err, time.Second)
	})
}

// TestConcurrentUseAcrossReturn has goroutines of next's use its ctx while
// Execute returns; the race detector checks the context's own state, and
// every goroutine must end up seeing it ended.
func TestConcurrentUseAcrossReturn(t *testing.T) {
	p := timeout.New[int](timeout.Config{Timeout: time.Hour})
	for range 200 {
		var wg sync.WaitGroup
		start := make(chan struct{})
		_, _ = p.Execute(context.Background(), func(ctx context.Context) (int, error) {
			for i := range 4 {
				wg.Go(func() {
					<-start
					switch i {
					case 0:
						<-ctx.Done()
					case 1:
						for ctx.Err() == nil {
							runtime.Gosched()
						}
					case 2:
						for context.Cause(ctx) == nil {
							runtime.Gosched()
						}
					case 3:
						child, cancel := context.WithCancel(ctx)
						<-child.Done()
						cancel()
					}
					assert.Equal(t, context.Canceled, ctx.Err())
				})
			}
			close(start)
			return 1, nil
		})
		waited := make(chan struct{})
		go func() { wg.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(10 * time.Second): // a bound, not a wait: they end at once
			t.Fatal("goroutines still see next's ctx open 10s after Execute returned")
		}
	}
}

// On an injected clock the context is lazy too: work that only checks
// ctx.Err() sees the deadline as soon as the clock reaches it, and the
// timeout is reported, with nothing waiting on Done.
func TestLazyContextOnMockClock(t *testing.T) {
	mock := clock.NewMock()
	p := timeout.New[int](timeout.Config{Timeout: time.Second, Clock: mock})
	var before, after error
	var closed bool
	_, err := p.Execute(context.Background(), func(ctx context.Context) (int, error) {
		before = ctx.Err()
		mock.Add(time.Second)
		after = ctx.Err()
		select {
		case <-ctx.Done():
			closed = true
		default:
		}
		return 1, nil
	})
	assert.NoError(t, before, "Err before the deadline")
	assert.Equal(t, context.DeadlineExceeded, after, "Err once the mock clock reached the deadline")
	assert.True(t, closed, "Done once Err reported the deadline")
	requireExceeded(t, err, time.Second)
}
