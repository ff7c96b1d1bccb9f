package hedge_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/go-resilience/resilience/hedge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPanicInHedgeRepanicsOnCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(100), r: 1}, step{after: ms(2), panic: "boom"})
		p := hedge.New(hedge.Config[int]{Delay: ms(10)})
		assert.PanicsWithValue(t, "boom", func() { _, _ = p.Execute(s.ctx(), s.call) })
		assert.Equal(t, ms(12), s.since())
		assert.Equal(t, 2, s.returns(), "both attempts ended before the panic went on")
		assert.ErrorIs(t, s.causes[0], hedge.ErrLost)
		assert.Equal(t, []int{-1}, s.discards())
	})
}

func TestPanicInFirstAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type custom struct{ code int }
		s := newScript(step{after: ms(1), panic: custom{7}})
		p := hedge.New(hedge.Config[int]{Delay: ms(10)})
		assert.PanicsWithValue(t, custom{7}, func() { _, _ = p.Execute(s.ctx(), s.call) })
		assert.Equal(t, 1, s.calls())
	})
}

func TestPanicInLoserAfterWin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(100), r: 1, onCancel: "late"}, step{after: ms(2), r: 2})
		p := hedge.New(hedge.Config[int]{Delay: ms(10)})
		assert.PanicsWithValue(t, "late", func() { _, _ = p.Execute(s.ctx(), s.call) },
			"a panic is never swallowed, even a loser's")
		assert.Equal(t, []int{2}, s.discards(), "the winner's result is dropped, so discarded")
	})
}

func TestTwoPanicsFirstWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(100), onCancel: "second"}, step{after: ms(2), panic: "first"})
		p := hedge.New(hedge.Config[int]{Delay: ms(10)})
		assert.PanicsWithValue(t, "first", func() { _, _ = p.Execute(s.ctx(), s.call) })
	})
}

func TestGoexitInAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(100), r: 1})
		p := hedge.New(hedge.Config[int]{Delay: ms(10)})
		var calls atomic.Int32
		fn := func(ctx context.Context) (int, error) {
			if calls.Add(1) == 2 {
				runtime.Goexit()
			}
			return s.call(ctx)
		}
		done := make(chan bool)
		go func() {
			returned := false
			defer func() { done <- returned }()
			_, _ = p.Execute(s.ctx(), fn)
			returned = true
		}()
		assert.False(t, <-done, "Goexit in an attempt must end the caller's goroutine too")
		assert.Equal(t, 1, s.returns(), "after the other attempt returned")
	})
}

func TestPanicInFailureIfReleasesAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(100), r: 1}, step{after: ms(5), r: 2, err: errBusy}, step{after: ms(100), r: 3})
		p := hedge.New(hedge.Config[int]{
			Delay:     ms(10),
			MaxHedges: 2,
			FailureIf: func(r int, err error) bool {
				if r == 1 {
					panic("bad FailureIf")
				}
				return err != nil
			},
		})
		assert.PanicsWithValue(t, "bad FailureIf", func() { _, _ = p.Execute(s.ctx(), s.call) })
		assert.Equal(t, 3, s.returns(), "every attempt returned before the panic went on")
		// Attempt 1 answered at 100ms; attempts 3 (started at 15ms) was cancelled.
		assert.ElementsMatch(t, []int{2, -3}, s.discards())
	})
}

func TestPanicInOnHedgeReleasesAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(100), r: 1})
		p := hedge.New(hedge.Config[int]{Delay: ms(10), OnHedge: func(hedge.Event) { panic("bad hook") }})
		assert.PanicsWithValue(t, "bad hook", func() { _, _ = p.Execute(s.ctx(), s.call) })
		require.Equal(t, 1, s.calls(), "the hedge never started")
		assert.Equal(t, 1, s.returns())
		assert.ErrorIs(t, s.causes[0], hedge.ErrLost)
		assert.Equal(t, []int{-1}, s.discards())
	})
}
