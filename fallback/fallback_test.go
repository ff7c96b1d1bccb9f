package fallback_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/fallback"
	"github.com/go-resilience/resilience/timeout"
)

// res is a result holding a resource, named for the test's log.
type res struct{ name string }

// journal logs, in order, what happened during a call: "call NAME",
// "discard NAME", "hook N ERR", "event N ERR".
type journal struct{ lines []string }

func (j *journal) add(format string, args ...any) {
	j.lines = append(j.lines, fmt.Sprintf(format, args...))
}

func (j *journal) ctx() context.Context {
	return resilience.WithDiscard(context.Background(), func(r *res) {
		if r == nil {
			j.add("discard <nil>")
			return
		}
		j.add("discard %s", r.name)
	})
}

func (j *journal) Observe(_ context.Context, e resilience.Event) {
	j.add("event %s %s %q %d %v", e.Policy, e.Kind, e.Name, e.Attempt, e.Err)
}

func (j *journal) onFallback(e fallback.Event[*res]) {
	name := "<nil>"
	if e.Result != nil {
		name = e.Result.name
	}
	j.add("hook %d %s %v", e.Attempt, name, e.Err)
}

// returns makes a Func that logs its call and returns (&res{name}, err).
func (j *journal) returns(name string, err error) resilience.Func[*res] {
	return func(context.Context) (*res, error) {
		j.add("call %s", name)
		return &res{name}, err
	}
}

var (
	errPrimary = errors.New("primary down")
	errBackup  = errors.New("backup down")
)

func TestSuccessPassesThrough(t *testing.T) {
	j := &journal{}
	p := fallback.New(fallback.Config[*res]{
		Fallback:   func(context.Context, *res, error) (*res, error) { j.add("fallback"); return nil, nil },
		OnFallback: j.onFallback,
		Observer:   j,
	})
	got, err := p.Execute(j.ctx(), j.returns("primary", nil))
	require.NoError(t, err)
	assert.Equal(t, "primary", got.name)
	assert.Equal(t, []string{"call primary"}, j.lines, "a success must not fall back, report or discard")
}

func TestFallbackOnError(t *testing.T) {
	j := &journal{}
	ctx := j.ctx()
	var gotCtx context.Context
	p := fallback.New(fallback.Config[*res]{
		Name: "users",
		Fallback: func(ctx context.Context, r *res, err error) (*res, error) {
			gotCtx = ctx
			j.add("fallback %s %v", r.name, err)
			return &res{"cached"}, nil
		},
		OnFallback: j.onFallback,
		Observer:   j,
	})
	got, err := p.Execute(ctx, j.returns("primary", errPrimary))
	require.NoError(t, err)
	assert.Equal(t, "cached", got.name)
	assert.Same(t, ctx, gotCtx, "Fallback got another ctx")
	assert.Equal(t, []string{
		"call primary",
		"hook 1 primary primary down",
		`event fallback fallback "users" 1 primary down`,
		"fallback primary primary down",
		"discard primary", // after Fallback is done with it
	}, j.lines)
}

func TestFallbackOnResult(t *testing.T) {
	j := &journal{}
	p := fallback.New(fallback.Config[*res]{
		Fallback:   func(context.Context, *res, error) (*res, error) { return &res{"default"}, nil },
		FailureIf:  func(r *res, err error) bool { return err == nil && r.name == "bad" },
		OnFallback: j.onFallback,
	})
	got, err := p.Execute(j.ctx(), j.returns("bad", nil))
	require.NoError(t, err)
	assert.Equal(t, "default", got.name, "a failed result must fall back")
	assert.Equal(t, []string{"call bad", "hook 1 bad <nil>", "discard bad"}, j.lines)

	// FailureIf decides alone: an error it accepts is returned as is.
	j.lines = nil
	got, err = p.Execute(j.ctx(), j.returns("good", errPrimary))
	assert.Same(t, errPrimary, err)
	assert.Equal(t, "good", got.name)
	assert.Equal(t, []string{"call good"}, j.lines)
}

func TestFallbackErrorIsReturned(t *testing.T) {
	j := &journal{}
	p := fallback.New(fallback.Config[*res]{
		Fallback: func(_ context.Context, _ *res, err error) (*res, error) {
			return nil, fmt.Errorf("no cache either: %w", err)
		},
	})
	got, err := p.Execute(j.ctx(), j.returns("primary", errPrimary))
	assert.Nil(t, got)
	assert.EqualError(t, err, "no cache either: primary down")
	assert.ErrorIs(t, err, errPrimary)
	assert.Equal(t, []string{"call primary", "discard primary"}, j.lines)
}

func TestFallbackHandsTheResultBack(t *testing.T) {
	j := &journal{}
	p := fallback.New(fallback.Config[*res]{
		Fallback: func(_ context.Context, r *res, err error) (*res, error) {
			return r, fmt.Errorf("degraded: %w", err) // keeps r: it must not be discarded
		},
	})
	got, err := p.Execute(j.ctx(), j.returns("primary", errPrimary))
	require.NotNil(t, got)
	assert.Equal(t, "primary", got.name)
	assert.ErrorIs(t, err, errPrimary)
	assert.Equal(t, []string{"call primary"}, j.lines, "the returned result was discarded")
}

func TestNoFallbackWhenCallerEnded(t *testing.T) {
	j := &journal{}
	p := fallback.New(fallback.Config[*res]{
		Fallback:   func(context.Context, *res, error) (*res, error) { j.add("fallback"); return nil, nil },
		OnFallback: j.onFallback,
	})
	for _, cancel := range []func(context.CancelCauseFunc){
		func(c context.CancelCauseFunc) { c(nil) },
		func(c context.CancelCauseFunc) { c(errors.New("user went away")) },
	} {
		j.lines = nil
		ctx, cancelCtx := context.WithCancelCause(j.ctx())
		got, err := p.Execute(ctx, func(ctx context.Context) (*res, error) {
			cancel(cancelCtx)
			return &res{"partial"}, ctx.Err()
		})
		assert.Equal(t, context.Canceled, err, "a caller-ended outcome must be returned as is")
		assert.Equal(t, "partial", got.name)
		assert.Empty(t, j.lines, "fell back, reported or discarded after the caller cancelled")
	}
}

func TestFallbackOnDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := &journal{}
		p := fallback.New(fallback.Config[*res]{
			Fallback:   func(context.Context, *res, error) (*res, error) { return &res{"stale"}, nil },
			OnFallback: j.onFallback,
		})
		wait := func(ctx context.Context) (*res, error) { <-ctx.Done(); return nil, ctx.Err() }

		// The caller's own deadline.
		ctx, cancel := context.WithTimeout(j.ctx(), time.Second)
		defer cancel()
		got, err := p.Execute(ctx, wait)
		require.NoError(t, err)
		assert.Equal(t, "stale", got.name, "a deadline must fall back")

		// A timeout policy inside the fallback.
		exec := resilience.Compose[*res](p, timeout.New[*res](timeout.Config{Timeout: time.Second}))
		got, err = exec.Execute(j.ctx(), wait)
		require.NoError(t, err)
		assert.Equal(t, "stale", got.name, "a timeout must fall back")
		assert.Equal(t, []string{
			"hook 1 <nil> context deadline exceeded",
			"discard <nil>",
			"discard <nil>", // the timeout's dropped (nil) result
			"hook 1 <nil> timeout: exceeded after 1s",
			"discard <nil>",
		}, j.lines)
	})
}

func TestFallbackOnPermanentError(t *testing.T) {
	var seen error
	p := fallback.New(fallback.Config[int]{Fallback: func(_ context.Context, _ int, err error) (int, error) {
		seen = err
		return -1, nil
	}})
	got, err := p.Execute(context.Background(), func(context.Context) (int, error) {
		return 0, resilience.Permanent(errPrimary)
	})
	require.NoError(t, err)
	assert.Equal(t, -1, got, "a permanent error must still fall back")
	assert.True(t, resilience.IsPermanent(seen), "Fallback got %v, want the permanent error", seen)
	assert.ErrorIs(t, seen, errPrimary)
}

func TestPanicInPrimaryPropagates(t *testing.T) {
	j := &journal{}
	p := fallback.New(fallback.Config[*res]{
		Fallback:   func(context.Context, *res, error) (*res, error) { j.add("fallback"); return nil, nil },
		OnFallback: j.onFallback,
	})
	assert.PanicsWithValue(t, "primary exploded", func() {
		_, _ = p.Execute(j.ctx(), func(context.Context) (*res, error) { panic("primary exploded") })
	})
	assert.Empty(t, j.lines, "fell back from a panic")
}

func TestPanicInFallbackPropagatesAndDiscards(t *testing.T) {
	j := &journal{}
	p := fallback.New(fallback.Config[*res]{
		Fallback: func(context.Context, *res, error) (*res, error) { panic("fallback exploded") },
	})
	assert.PanicsWithValue(t, "fallback exploded", func() {
		_, _ = p.Execute(j.ctx(), j.returns("primary", errPrimary))
	})
	assert.Equal(t, []string{"call primary", "discard primary"}, j.lines, "the failed result leaks on a panic")
}

func TestGlobalObserver(t *testing.T) {
	j := &journal{}
	resilience.SetObserver(j)
	defer resilience.SetObserver(nil)
	p := fallback.Value(&res{"default"})
	_, _ = p.Execute(context.Background(), j.returns("primary", errPrimary))
	assert.Equal(t, []string{"call primary", `event fallback fallback "" 1 primary down`}, j.lines)
}

func TestValue(t *testing.T) {
	p := fallback.Value("guest")
	got, err := p.Execute(context.Background(), func(context.Context) (string, error) { return "", errPrimary })
	require.NoError(t, err)
	assert.Equal(t, "guest", got)
	got, err = p.Execute(context.Background(), func(context.Context) (string, error) { return "ann", nil })
	require.NoError(t, err)
	assert.Equal(t, "ann", got)
}

func TestError(t *testing.T) {
	errUnavailable := errors.New("profile unavailable")
	p := fallback.Error[string](errUnavailable)
	got, err := p.Execute(context.Background(), func(context.Context) (string, error) { return "half", errPrimary })
	assert.Empty(t, got)
	assert.EqualError(t, err, "profile unavailable: primary down")
	assert.ErrorIs(t, err, errUnavailable)
	assert.ErrorIs(t, err, errPrimary, "the original error is lost")
}

// discardCount runs a fallback that turns the failed result failed into
// answer and reports how many times failed was discarded.
func discardCount[R any](t *testing.T, failed, answer R) int {
	t.Helper()
	n := 0
	ctx := resilience.WithDiscard(context.Background(), func(R) { n++ })
	p := fallback.New(fallback.Config[R]{Fallback: func(context.Context, R, error) (R, error) { return answer, nil }})
	_, err := p.Execute(ctx, func(context.Context) (R, error) { return failed, errPrimary })
	require.NoError(t, err)
	return n
}

func TestDiscardUnlessHandedBack(t *testing.T) {
	a, b := &res{"a"}, &res{"a"}
	m := map[string]int{}
	s := []byte("body")
	ch := make(chan int)
	var rdr io.Reader = strings.NewReader("x")
	fn := func() {}
	type pair struct {
		n int
		s string
	}
	type holder struct{ b []byte }

	tests := []struct {
		name string
		got  int
		want int
	}{
		{"same pointer", discardCount(t, a, a), 0},
		{"equal but distinct pointers", discardCount(t, a, b), 1},
		{"nil pointers", discardCount[*res](t, nil, nil), 0},
		{"same map", discardCount(t, m, m), 0},
		{"another map", discardCount(t, m, map[string]int{}), 1},
		{"same slice", discardCount(t, s, s), 0},
		{"another slice", discardCount(t, s, []byte("body")), 1},
		{"same channel", discardCount(t, ch, ch), 0},
		{"same interface value", discardCount(t, rdr, rdr), 0},
		{"interface, other value", discardCount[io.Reader](t, rdr, strings.NewReader("x")), 1},
		{"interface, other type", discardCount[io.Reader](t, rdr, &bytes.Buffer{}), 1},
		{"interface, nil answer", discardCount[io.Reader](t, rdr, nil), 1},
		{"interface, both nil", discardCount[io.Reader](t, nil, nil), 0},
		{"equal ints", discardCount(t, 3, 3), 0},
		{"other int", discardCount(t, 3, 4), 1},
		{"equal structs", discardCount(t, pair{1, "x"}, pair{1, "x"}), 0},
		{"other struct", discardCount(t, pair{1, "x"}, pair{2, "x"}), 1},
		{"incomparable struct", discardCount(t, holder{s}, holder{s}), 1},
		{"func", discardCount(t, fn, fn), 1},
		{"any holding a slice", discardCount[any](t, s, s), 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.got, "%s: discarded %d times, want %d", tt.name, tt.got, tt.want)
	}
}
