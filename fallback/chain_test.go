package fallback_test

import (
	"context"
	"errors"
	"io/fs"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/fallback"
)

func (j *journal) chain(alternatives ...resilience.Func[*res]) *fallback.Policy[*res] {
	return fallback.NewChain(fallback.ChainConfig[*res]{
		Name:         "replicas",
		Alternatives: alternatives,
		OnFallback:   j.onFallback,
	})
}

func TestChainStopsAtTheFirstSuccess(t *testing.T) {
	j := &journal{}
	p := j.chain(j.returns("b1", errBackup), j.returns("b2", nil), j.returns("b3", nil))
	got, err := p.Execute(j.ctx(), j.returns("primary", errPrimary))
	require.NoError(t, err)
	assert.Equal(t, "b2", got.name)
	assert.Equal(t, []string{
		"call primary",
		"hook 1 primary primary down",
		"discard primary", // before the next attempt starts
		"call b1",
		"hook 2 b1 backup down",
		"discard b1",
		"call b2",
	}, j.lines)
}

func TestChainPrimarySuccess(t *testing.T) {
	j := &journal{}
	p := j.chain(j.returns("b1", nil))
	got, err := p.Execute(j.ctx(), j.returns("primary", nil))
	require.NoError(t, err)
	assert.Equal(t, "primary", got.name)
	assert.Equal(t, []string{"call primary"}, j.lines)
}

func TestChainAllFail(t *testing.T) {
	j := &journal{}
	errLast := &fs.PathError{Op: "open", Path: "/backup", Err: fs.ErrNotExist}
	p := j.chain(j.returns("b1", errBackup), j.returns("b2", errLast))
	got, err := p.Execute(j.ctx(), j.returns("primary", errPrimary))
	require.Error(t, err)
	assert.Equal(t, "b2", got.name, "the result is the last alternative's")
	assert.EqualError(t, err, "primary down\nbackup down\nopen /backup: file does not exist", "errors joined in order")
	assert.ErrorIs(t, err, errPrimary)
	assert.ErrorIs(t, err, errBackup)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	var pe *fs.PathError
	require.ErrorAs(t, err, &pe)
	assert.Same(t, errLast, pe)
	joined, isJoin := err.(interface{ Unwrap() []error })
	require.True(t, isJoin, "%T is not an errors.Join error", err)
	assert.Equal(t, []error{errPrimary, errBackup, errLast}, joined.Unwrap())
	assert.Equal(t, []string{
		"call primary", "hook 1 primary primary down", "discard primary",
		"call b1", "hook 2 b1 backup down", "discard b1",
		"call b2", // returned, not discarded
	}, j.lines)
}

func TestChainFailureIf(t *testing.T) {
	j := &journal{}
	notFound := func(r *res, err error) bool { return err != nil || r.name == "miss" }
	p := fallback.NewChain(fallback.ChainConfig[*res]{
		Alternatives: []resilience.Func[*res]{j.returns("miss", nil), j.returns("miss", nil)},
		FailureIf:    notFound,
	})

	// Failed results carry no error: the one error is returned unwrapped.
	got, err := p.Execute(j.ctx(), j.returns("primary", errPrimary))
	assert.Same(t, errPrimary, err)
	assert.Equal(t, "miss", got.name)

	// No failure had an error: the last failed result and a nil error.
	got, err = p.Execute(j.ctx(), j.returns("miss", nil))
	require.NoError(t, err)
	assert.Equal(t, "miss", got.name)

	// An outcome FailureIf accepts ends the chain, error and all.
	p = fallback.NewChain(fallback.ChainConfig[*res]{
		Alternatives: []resilience.Func[*res]{j.returns("hit", errBackup), j.returns("b2", nil)},
		FailureIf:    func(r *res, _ error) bool { return r.name != "hit" },
	})
	got, err = p.Execute(j.ctx(), j.returns("primary", nil))
	assert.Same(t, errBackup, err)
	assert.Equal(t, "hit", got.name)
}

func TestChainStopsWhenCallerCancels(t *testing.T) {
	j := &journal{}
	ctx, cancel := context.WithCancel(j.ctx())
	defer cancel()
	p := j.chain(
		func(ctx context.Context) (*res, error) {
			j.add("call b1")
			cancel()
			return &res{"b1"}, ctx.Err()
		},
		j.returns("b2", nil),
	)
	got, err := p.Execute(ctx, j.returns("primary", errPrimary))
	assert.Equal(t, "b1", got.name)
	assert.ErrorIs(t, err, errPrimary)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []string{"call primary", "hook 1 primary primary down", "discard primary", "call b1"}, j.lines,
		"the chain went on after the caller cancelled")

	// Cancelled before the primary returned: no alternative at all.
	j.lines = nil
	got, err = p.Execute(ctx, j.returns("primary", context.Canceled))
	assert.Equal(t, context.Canceled, err)
	assert.Equal(t, "primary", got.name)
	assert.Equal(t, []string{"call primary"}, j.lines)
}

func TestChainGoesOnAfterADeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := fallback.Chain(
			func(ctx context.Context) (string, error) { // a replica that needs more time than is left
				<-ctx.Done()
				return "", ctx.Err()
			},
			func(context.Context) (string, error) { return "from cache", nil },
		)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		got, err := p.Execute(ctx, func(ctx context.Context) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		})
		require.NoError(t, err)
		assert.Equal(t, "from cache", got)
	})
}

func TestChainEvents(t *testing.T) {
	j := &journal{}
	p := fallback.NewChain(fallback.ChainConfig[*res]{
		Name:         "replicas",
		Alternatives: []resilience.Func[*res]{j.returns("b1", errBackup), j.returns("b2", nil)},
		Observer:     j,
	})
	_, err := p.Execute(context.Background(), j.returns("primary", errPrimary))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"call primary",
		`event fallback fallback "replicas" 1 primary down`,
		"call b1",
		`event fallback fallback "replicas" 2 backup down`,
		"call b2",
	}, j.lines)
}

func TestChainPanicPropagates(t *testing.T) {
	j := &journal{}
	p := j.chain(func(context.Context) (*res, error) { panic("backup exploded") }, j.returns("b2", nil))
	assert.PanicsWithValue(t, "backup exploded", func() {
		_, _ = p.Execute(j.ctx(), j.returns("primary", errPrimary))
	})
	assert.Equal(t, []string{"call primary", "hook 1 primary primary down", "discard primary"}, j.lines)
}

func TestChainCopiesItsAlternatives(t *testing.T) {
	alts := []resilience.Func[int]{func(context.Context) (int, error) { return 1, nil }}
	p := fallback.NewChain(fallback.ChainConfig[int]{Alternatives: alts})
	alts[0] = func(context.Context) (int, error) { return 2, nil }
	got, err := p.Execute(context.Background(), func(context.Context) (int, error) { return 0, errors.New("x") })
	require.NoError(t, err)
	assert.Equal(t, 1, got, "changing the caller's slice changed the policy")
}
