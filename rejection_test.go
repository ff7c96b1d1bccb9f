package resilience_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/internal/testkit"
)

func TestRejectionTellsWhatTheNextCallWouldMeet(t *testing.T) {
	boom := errors.New("boom")
	refused := testkit.Refusal{Wait: 3 * time.Second}
	tests := []struct {
		name string
		err  error
		want error
		wait time.Duration
	}{
		{"nil", nil, nil, 0},
		{"a failure", boom, nil, 0},
		{"a refusal", refused, refused, 3 * time.Second},
		{"a wrapped refusal", fmt.Errorf("outer: %w", refused), fmt.Errorf("outer: %w", refused), 3 * time.Second},
		{"a refusal that does not say when", resilience.ErrRejected, resilience.ErrRejected, 0},
		{"a failure that left the policy refusing", fmt.Errorf("x: %w", testkit.LeftRefusing{Err: boom, Next: refused}), refused, 3 * time.Second},
		{"a carrier without a rejection", testkit.LeftRefusing{Err: boom, Next: nil}, nil, 0},
		{"a negative wait", testkit.Refusal{Wait: -time.Second}, testkit.Refusal{Wait: -time.Second}, 0},
	}
	for _, tt := range tests {
		got, wait := resilience.Rejection(tt.err)
		assert.Equal(t, tt.want, got, "%s: Rejection", tt.name)
		assert.Equal(t, tt.wait, wait, "%s: retryAfter", tt.name)
	}
}

func TestRejectionOfAFailureAllocatesNothing(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", errors.Join(errors.New("boom"), errors.New("bang")))
	allocs := testing.AllocsPerRun(1000, func() { _, _ = resilience.Rejection(err) })
	assert.Zero(t, allocs, "Rejection(a plain failure) = %v allocs, want 0", allocs)
}
