package timeout

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
)

// TestPanicInAnyCallbackReleasesAndDiscards injects a panic into each
// user-supplied function the policy calls — next (before and after the
// deadline), OnTimeout, the Observer, the discard func — under each clock
// and kind of parent. The panic must leave Execute unchanged; by then
// next's ctx has ended, its timers are stopped (the made context's, and
// the watch on the deadline), and a result next produced but Execute did
// not return has been handed to resilience.Discard once.
//
// Internal: "stopped" is read off the ctx itself. On the real clock
// outside a bubble the deadline is 1ms off and next waits on ctx.Done()
// for it; in a bubble and on a mock clock, time moves past it.
func TestPanicInAnyCallbackReleasesAndDiscards(t *testing.T) {
	type panicker struct{ where string }
	for _, clk := range []string{"real", "synctest", "mock"} {
		for _, cancellable := range []bool{false, true} {
			for _, where := range []string{"next before the deadline", "next after the deadline", "OnTimeout", "Observer", "discard"} {
				name := clk + "/cancellable=" + map[bool]string{false: "no", true: "yes"}[cancellable] + "/" + where
				t.Run(name, func(t *testing.T) {
					run := func(t *testing.T) {
						boom := &panicker{where}
						var mu sync.Mutex
						var discarded []int
						parent := resilience.WithDiscard(context.Background(), func(r int) {
							mu.Lock()
							discarded = append(discarded, r)
							mu.Unlock()
							if where == "discard" {
								panic(boom)
							}
						})
						if cancellable {
							var cancel context.CancelFunc
							parent, cancel = context.WithCancel(parent)
							defer cancel()
						}
						cfg := Config{Timeout: time.Second}
						var pass func(ctx context.Context) // makes the deadline pass for next
						switch clk {
						case "real":
							cfg.Timeout = time.Millisecond
							pass = func(ctx context.Context) { <-ctx.Done() }
						case "synctest":
							pass = func(context.Context) { time.Sleep(2 * time.Second) }
						case "mock":
							mock := clock.NewMock()
							cfg.Clock = mock
							pass = func(context.Context) { mock.Add(2 * time.Second) }
						}
						if where == "OnTimeout" {
							cfg.OnTimeout = func(Event) { panic(boom) }
						}
						if where == "Observer" {
							cfg.Observer = resilience.ObserverFunc(func(context.Context, resilience.Event) { panic(boom) })
						}
						p := New[int](cfg)
						var c *deadlineCtx
						got := func() (v any) {
							defer func() { v = recover() }()
							_, _ = p.Execute(parent, func(ctx context.Context) (int, error) {
								c = ctx.(*deadlineCtx)
								if where == "next before the deadline" {
									panic(boom)
								}
								pass(ctx)
								if where == "next after the deadline" {
									panic(boom)
								}
								return 42, nil
							})
							return nil
						}()
						require.Same(t, boom, got, "the panic that left Execute")
						require.NotEqual(t, uint32(lazy), c.state.Load(), "next's ctx not ended")
						assert.Error(t, c.Err(), "next's ctx after the panic")
						if c.state.Load() == made {
							assert.Error(t, c.made.Err(), "the made context (and its timer) not ended")
						}
						if w := c.watch; w != nil {
							assert.False(t, w.Stop(), "the watch's timer still armed")
						} else {
							assert.False(t, cancellable, "no watch under a cancellable parent")
						}
						var want []int
						if where == "OnTimeout" || where == "Observer" || where == "discard" {
							want = []int{42} // produced after the deadline, not returned
						}
						mu.Lock()
						defer mu.Unlock()
						assert.Equal(t, want, discarded, "results handed to Discard")
					}
					if clk == "synctest" {
						synctest.Test(t, run)
					} else {
						run(t)
					}
				})
			}
		}
	}
}
