package fallback_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/fallback"
)

func ok(context.Context) (int, error) { return 1, nil }

func TestValidate(t *testing.T) {
	keep := func(_ context.Context, r int, err error) (int, error) { return r, err }
	tests := []struct {
		name  string
		err   error
		field string
		want  string // "" = valid
	}{
		{"Config with Fallback", fallback.Config[int]{Fallback: keep}.Validate(), "", ""},
		{"Config without Fallback", fallback.Config[int]{Name: "x"}.Validate(), "Fallback",
			"fallback: Fallback = <nil>: must not be nil"},
		{"ChainConfig with one", fallback.ChainConfig[int]{Alternatives: []resilience.Func[int]{ok}}.Validate(), "", ""},
		{"ChainConfig without", fallback.ChainConfig[int]{}.Validate(), "Alternatives",
			"fallback: Alternatives = []: must hold at least one func"},
		{"ChainConfig with a nil", fallback.ChainConfig[int]{Alternatives: []resilience.Func[int]{ok, ok, nil}}.Validate(), "Alternatives[2]",
			"fallback: Alternatives[2] = <nil>: must not be nil"},
	}
	for _, tt := range tests {
		if tt.want == "" {
			assert.NoError(t, tt.err, tt.name)
			continue
		}
		require.Error(t, tt.err, "%s: Validate = nil, want %q", tt.name, tt.want)
		assert.EqualError(t, tt.err, tt.want, tt.name)
		assert.ErrorIs(t, tt.err, resilience.ErrInvalidConfig, tt.name)
		var ce *resilience.ConfigError
		require.ErrorAs(t, tt.err, &ce, tt.name)
		assert.Equal(t, "fallback", ce.Policy, tt.name)
		assert.Equal(t, tt.field, ce.Field, tt.name)
	}
}

func TestConstructorsPanicWithTheValidateError(t *testing.T) {
	assert.PanicsWithError(t, "fallback: Fallback = <nil>: must not be nil",
		func() { fallback.New(fallback.Config[int]{}) })
	assert.PanicsWithError(t, "fallback: Alternatives = []: must hold at least one func",
		func() { fallback.Chain[int]() })
	assert.PanicsWithError(t, "fallback: Alternatives[1] = <nil>: must not be nil",
		func() { fallback.Chain[int](ok, nil) })
	assert.PanicsWithError(t, "fallback: Alternatives[0] = <nil>: must not be nil",
		func() { fallback.NewChain(fallback.ChainConfig[int]{Alternatives: []resilience.Func[int]{nil}}) })

	defer func() {
		err, isErr := recover().(error)
		require.True(t, isErr, "Error(nil) did not panic with an error")
		assert.ErrorIs(t, err, resilience.ErrInvalidArgument)
	}()
	fallback.Error[int](nil)
	t.Fatal("Error(nil) did not panic")
}

func TestExecuteRejectsNilArguments(t *testing.T) {
	called := false
	p := fallback.New(fallback.Config[int]{Fallback: func(context.Context, int, error) (int, error) {
		called = true
		return 0, nil
	}})
	for _, p := range []*fallback.Policy[int]{p, fallback.Chain[int](ok)} {
		//lint:ignore SA1012 a nil ctx on purpose: Execute must reject it with ErrInvalidArgument
		_, err := p.Execute(nil, ok)
		assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "Execute(nil ctx)")
		_, err = p.Execute(context.Background(), nil)
		assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "Execute(nil fn)")
		assert.False(t, errors.Is(err, resilience.ErrInvalidConfig))
	}
	assert.False(t, called, "the fallback ran for invalid arguments")
}
