package hedge_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/hedge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	errBoom = errors.New("boom")
	errBusy = errors.New("busy")
)

func TestNoHedgeWhenFirstAnswersBeforeDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(9), r: 1})
		var hedges []hedge.Event
		p := hedge.New(hedge.Config[int]{Delay: ms(10), OnHedge: func(e hedge.Event) { hedges = append(hedges, e) }})
		r, err := p.Execute(s.ctx(), s.call)
		require.NoError(t, err)
		assert.Equal(t, 1, r)
		assert.Equal(t, ms(9), s.since(), "Execute returned at %v, want 9ms", s.since())
		assert.Equal(t, 1, s.calls(), "attempts")
		assert.Empty(t, hedges)
		assert.Empty(t, s.discards())
	})
}

func TestHedgeAfterDelayFasterWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(100), r: 1}, step{after: ms(5), r: 2})
		var hedges []hedge.Event
		p := hedge.New(hedge.Config[int]{Delay: ms(10), OnHedge: func(e hedge.Event) { hedges = append(hedges, e) }})
		r, err := p.Execute(s.ctx(), s.call)
		require.NoError(t, err)
		assert.Equal(t, 2, r, "the hedge answered first")
		assert.Equal(t, ms(15), s.since(), "Execute returned at %v, want 15ms", s.since())
		assert.Equal(t, []time.Duration{0, ms(10)}, s.startTimes())
		assert.Equal(t, []hedge.Event{{Attempt: 2, Delay: ms(10), Elapsed: ms(10)}}, hedges)

		assert.Equal(t, 2, s.returns(), "Execute returned before the loser did")
		assert.ErrorIs(t, s.causes[0], hedge.ErrLost, "the loser's cause")
		assert.True(t, s.callerEnded[0], "the loser must look caller-ended to inner policies")
		assert.Equal(t, []int{-1}, s.discards(), "the loser's result is discarded once")
	})
}

func TestExecuteWaitsForLoserThatIgnoresCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(100), r: 1, ignoreCtx: true}, step{after: ms(5), r: 2})
		p := hedge.New(hedge.Config[int]{Delay: ms(10)})
		r, err := p.Execute(s.ctx(), s.call)
		require.NoError(t, err)
		assert.Equal(t, 2, r)
		assert.Equal(t, ms(100), s.since(), "Execute must wait for every attempt it started")
		assert.Equal(t, 2, s.returns())
		assert.Equal(t, []int{1}, s.discards(), "a late success of a loser is discarded")
	})
}

func TestMaxHedges(t *testing.T) {
	for _, maxHedges := range []int{0, 1, 3, 6} {
		want := maxHedges
		if want == 0 {
			want = 1
		}
		synctest.Test(t, func(t *testing.T) {
			steps := make([]step, want+1)
			for i := range steps {
				steps[i] = step{after: time.Second, r: i + 1}
			}
			s := newScript(steps...)
			var hedges []hedge.Event
			p := hedge.New(hedge.Config[int]{Delay: ms(10), MaxHedges: maxHedges, OnHedge: func(e hedge.Event) { hedges = append(hedges, e) }})
			r, err := p.Execute(s.ctx(), s.call)
			require.NoError(t, err)
			assert.Equal(t, 1, r, "MaxHedges %d: the first attempt finishes first", maxHedges)
			assert.Equal(t, want+1, s.calls(), "MaxHedges %d: attempts", maxHedges)
			for i, e := range hedges {
				assert.Equal(t, hedge.Event{Attempt: i + 2, Delay: ms(10), Elapsed: ms(10 * (i + 1))}, e)
			}
			assert.Len(t, s.discards(), want, "MaxHedges %d: every loser is discarded", maxHedges)
		})
	}
}

func TestFailureStartsNextHedgeAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(
			step{after: ms(3), r: 1, err: errBusy},
			step{after: ms(100), r: 2},
			step{after: ms(4), r: 3},
		)
		var hedges []hedge.Event
		p := hedge.New(hedge.Config[int]{Delay: ms(10), MaxHedges: 2, OnHedge: func(e hedge.Event) { hedges = append(hedges, e) }})
		r, err := p.Execute(s.ctx(), s.call)
		require.NoError(t, err)
		assert.Equal(t, 3, r)
		assert.Equal(t, []time.Duration{0, ms(3), ms(13)}, s.startTimes(),
			"the failure starts attempt 2 at once, and attempt 3 a delay after attempt 2")
		assert.Equal(t, []hedge.Event{
			{Attempt: 2, Delay: ms(3), Elapsed: ms(3), AfterFailure: true, Err: errBusy},
			{Attempt: 3, Delay: ms(10), Elapsed: ms(13)},
		}, hedges)
		assert.ElementsMatch(t, []int{1, -2}, s.discards(), "the failure and the loser are discarded")
	})
}

func TestAllFailReturnsLastFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errLast := errors.New("last")
		s := newScript(
			step{after: ms(50), r: 1, err: errLast},
			step{after: ms(2), r: 2, err: errBusy},
			step{after: ms(8), r: 3, err: errBusy},
		)
		p := hedge.New(hedge.Config[int]{Delay: ms(10), MaxHedges: 2})
		r, err := p.Execute(s.ctx(), s.call)
		assert.ErrorIs(t, err, errLast)
		assert.Equal(t, 1, r)
		assert.Equal(t, ms(50), s.since())
		assert.Equal(t, []time.Duration{0, ms(10), ms(12)}, s.startTimes())
		assert.Equal(t, []int{2, 3}, s.discards(), "each failure is discarded when a later one replaces it")
	})
}

func TestFailureIfResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(1), r: 503}, step{after: ms(1), r: 200})
		p := hedge.New(hedge.Config[int]{
			Delay:     ms(10),
			FailureIf: func(r int, err error) bool { return err != nil || r >= 500 },
		})
		r, err := p.Execute(s.ctx(), s.call)
		require.NoError(t, err)
		assert.Equal(t, 200, r)
		assert.Equal(t, []int{503}, s.discards())
	})
}

func TestPermanentErrorIsNotHedged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		perm := resilience.Permanent(errBoom)
		s := newScript(step{after: ms(3), err: perm})
		p := hedge.New(hedge.Config[int]{Delay: ms(10), MaxHedges: 2})
		_, err := p.Execute(s.ctx(), s.call)
		assert.ErrorIs(t, err, errBoom)
		assert.True(t, resilience.IsPermanent(err))
		assert.Equal(t, 1, s.calls(), "a permanent error must not start a hedge")
		assert.Empty(t, s.discards())
	})
}

func TestPermanentErrorFromHedgeEndsExecution(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		perm := resilience.Permanent(errBoom)
		s := newScript(step{after: ms(100), r: 1}, step{after: ms(2), r: 2, err: perm})
		p := hedge.New(hedge.Config[int]{Delay: ms(10), MaxHedges: 3})
		r, err := p.Execute(s.ctx(), s.call)
		assert.ErrorIs(t, err, errBoom)
		assert.Equal(t, 2, r)
		assert.Equal(t, ms(12), s.since())
		assert.Equal(t, 2, s.calls())
		assert.ErrorIs(t, s.causes[0], hedge.ErrLost)
		assert.Equal(t, []int{-1}, s.discards())
	})
}

func TestNotRepeatableRunsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(100), r: 1})
		p := hedge.New(hedge.Config[int]{Delay: ms(10)})
		r, err := p.Execute(resilience.WithoutRepeat(s.ctx()), s.call)
		require.NoError(t, err)
		assert.Equal(t, 1, r)
		assert.Equal(t, 1, s.calls())
		assert.Equal(t, ms(100), s.since())
	})
}

func TestContextCancelEndsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: time.Second, r: 1}, step{after: time.Second, r: 2})
		p := hedge.New(hedge.Config[int]{Delay: ms(10), MaxHedges: 5})
		ctx, cancel := context.WithCancel(s.ctx())
		defer cancel()
		time.AfterFunc(ms(15), cancel)
		_, err := p.Execute(ctx, s.call)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, ms(15), s.since(), "Execute returned at %v, want 15ms", s.since())
		assert.Equal(t, 2, s.calls(), "no hedge after ctx is done")
		assert.Equal(t, 2, s.returns())
		assert.Len(t, s.discards(), 1, "one of the two failures is returned, the other discarded")
		assert.NotErrorIs(t, s.causes[0], hedge.ErrLost, "the caller, not the hedge, cancelled")
	})
}

func TestContextDeadlineBeforeDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: time.Second, r: 1})
		p := hedge.New(hedge.Config[int]{Delay: ms(10)})
		ctx, cancel := context.WithTimeout(s.ctx(), ms(5))
		defer cancel()
		_, err := p.Execute(ctx, s.call)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 1, s.calls())
		assert.False(t, s.callerEnded[0], "a deadline is not caller-ended")
	})
}

func TestCancelledBeforeExecute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: time.Second, r: 1})
		p := hedge.New(hedge.Config[int]{Delay: ms(10)})
		ctx, cancel := context.WithCancel(s.ctx())
		cancel()
		_, err := p.Execute(ctx, s.call)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, s.calls())
	})
}

func TestInvalidArguments(t *testing.T) {
	p := hedge.New(hedge.Config[int]{})
	//lint:ignore SA1012 a nil ctx on purpose: Execute must reject it with ErrInvalidArgument
	_, err := p.Execute(nil, func(context.Context) (int, error) { return 0, nil })
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument)
	_, err = p.Execute(context.Background(), nil)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument)
}

func TestObserverEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got []resilience.Event
		obs := resilience.ObserverFunc(func(_ context.Context, e resilience.Event) { got = append(got, e) })
		s := newScript(step{after: ms(100), r: 1}, step{after: ms(5), r: 2})
		p := hedge.New(hedge.Config[int]{Name: "search", Delay: ms(10), Observer: obs})
		_, err := p.Execute(s.ctx(), s.call)
		require.NoError(t, err)
		assert.Equal(t, []resilience.Event{{
			Policy: "hedge", Name: "search", Kind: resilience.EventHedge, Attempt: 2, Delay: ms(10), Duration: ms(10),
		}}, got)
	})
}

func TestComposed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(step{after: ms(100), r: 1}, step{after: ms(5), r: 2})
		exec := resilience.Compose[int](hedge.New(hedge.Config[int]{Delay: ms(10)}))
		r, err := exec.Execute(s.ctx(), s.call)
		require.NoError(t, err)
		assert.Equal(t, 2, r)
	})
}

func TestDelayFixed(t *testing.T) {
	p := hedge.New(hedge.Config[int]{Delay: time.Second})
	d, ok := p.Delay()
	assert.True(t, ok)
	assert.Equal(t, time.Second, d)
}
