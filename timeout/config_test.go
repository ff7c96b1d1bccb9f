package timeout_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/timeout"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		timeout time.Duration
		want    string // "" = valid
	}{
		{time.Nanosecond, ""},
		{2 * time.Second, ""},
		{0, "timeout: Timeout = 0s: must be > 0"},
		{-time.Second, "timeout: Timeout = -1s: must be > 0"},
	}
	for _, tt := range tests {
		cfg := timeout.Config{Timeout: tt.timeout}
		err := cfg.Validate()
		if tt.want == "" {
			assert.NoError(t, err, "Validate(Timeout: %v)", tt.timeout)
			assert.NotPanics(t, func() { timeout.New[int](cfg) }, "New(Timeout: %v)", tt.timeout)
			continue
		}
		require.Error(t, err, "Validate(Timeout: %v) = nil, want %q", tt.timeout, tt.want)
		assert.EqualError(t, err, tt.want, "Validate(Timeout: %v)", tt.timeout)
		assert.ErrorIs(t, err, resilience.ErrInvalidConfig, "Validate(Timeout: %v)", tt.timeout)
		var ce *resilience.ConfigError
		require.ErrorAs(t, err, &ce, "Validate(Timeout: %v)", tt.timeout)
		assert.Equal(t, "timeout", ce.Policy)
		assert.Equal(t, "Timeout", ce.Field)
		assert.Equal(t, tt.timeout, ce.Value)
		assert.PanicsWithError(t, tt.want, func() { timeout.New[int](cfg) }, "New(Timeout: %v)", tt.timeout)
	}
}

func TestNewPanicsWithTheValidateError(t *testing.T) {
	cfg := timeout.Config{Timeout: -5 * time.Millisecond}
	defer func() {
		r := recover()
		err, ok := r.(error)
		require.True(t, ok, "New panicked with %T %v, want an error", r, r)
		assert.Equal(t, cfg.Validate(), err, "New panicked with %v, want Validate's error", err)
	}()
	timeout.New[int](cfg)
	t.Fatal("New did not panic on an invalid config")
}

func TestExecuteRejectsNilArguments(t *testing.T) {
	p := timeout.New[int](timeout.Config{Timeout: time.Second})
	called := false
	fn := func(context.Context) (int, error) { called = true; return 1, nil }

	//lint:ignore SA1012 a nil ctx on purpose: Execute must reject it with ErrInvalidArgument
	_, err := p.Execute(nil, fn)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "Execute(nil ctx)")
	_, err = p.Execute(context.Background(), nil)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "Execute(nil fn)")
	assert.False(t, called, "fn was called despite invalid arguments")
}

func TestErrors(t *testing.T) {
	assert.EqualError(t, timeout.ErrExceeded, "timeout: exceeded")
	assert.ErrorIs(t, timeout.ErrExceeded, context.DeadlineExceeded, "ErrExceeded is not DeadlineExceeded")
	assert.NotErrorIs(t, timeout.ErrExceeded, context.Canceled)

	cause := errors.New("disk on fire")
	tests := []struct {
		err  *timeout.ExceededError
		want string
	}{
		{&timeout.ExceededError{Limit: 2 * time.Second}, "timeout: exceeded after 2s"},
		{&timeout.ExceededError{Limit: 150 * time.Millisecond, Err: cause}, "timeout: exceeded after 150ms: disk on fire"},
	}
	for _, tt := range tests {
		assert.EqualError(t, tt.err, tt.want)
		assert.ErrorIs(t, tt.err, timeout.ErrExceeded, "%v is not ErrExceeded", tt.err)
		assert.ErrorIs(t, tt.err, context.DeadlineExceeded, "%v is not DeadlineExceeded", tt.err)
		assert.NotErrorIs(t, tt.err, context.Canceled, "%v is Canceled", tt.err)
		assert.Equal(t, tt.err.Err != nil, errors.Is(tt.err, cause), "errors.Is(%v, cause)", tt.err)
	}
}
