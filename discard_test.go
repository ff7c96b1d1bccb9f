package resilience_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience"
)

func TestDiscard(t *testing.T) {
	ctx := context.Background()
	resilience.Discard(ctx, 1) // nothing carried: a no-op

	var ints []int
	var strs []string
	ctx = resilience.WithDiscard(ctx, func(v int) { ints = append(ints, v) })
	ctx = resilience.WithDiscard(ctx, func(v string) { strs = append(strs, v) })
	resilience.Discard(ctx, 7)
	resilience.Discard(ctx, "x")
	resilience.Discard(ctx, 2.5) // no discard func for float64
	assert.Equal(t, []int{7}, ints)
	assert.Equal(t, []string{"x"}, strs)

	var nilFn func(int)
	resilience.Discard(resilience.WithDiscard(context.Background(), nilFn), 1) // a nil func is ignored
}
