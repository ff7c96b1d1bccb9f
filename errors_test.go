package resilience_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
)

func TestPermanent(t *testing.T) {
	assert.NoError(t, resilience.Permanent(nil))
	assert.False(t, resilience.IsPermanent(nil))

	base := &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist}
	p := resilience.Permanent(base)
	assert.True(t, resilience.IsPermanent(p))
	assert.Equal(t, base.Error(), p.Error(), "the mark does not change the message")
	assert.ErrorIs(t, p, fs.ErrNotExist)
	var pe *fs.PathError
	require.ErrorAs(t, p, &pe)
	assert.Same(t, base, pe)

	wrapped := fmt.Errorf("loading config: %w", p)
	assert.True(t, resilience.IsPermanent(wrapped), "the mark is found through wrapping")
	assert.Same(t, p, resilience.Permanent(p), "marking twice returns the same error")
	assert.False(t, resilience.IsPermanent(base))
	assert.True(t, resilience.IsPermanent(errors.Join(errors.New("a"), p)))
}
