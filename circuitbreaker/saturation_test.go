//go:build !race

// A million calls take too long under the race detector; this runs in the
// non-race pass.

package circuitbreaker_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-resilience/resilience/circuitbreaker"
)

// TestTimeBucketSaturates records more calls in one time bucket than its
// counters hold: the bucket keeps a sample of 2^20 calls instead of
// overflowing into the next field.
func TestTimeBucketSaturates(t *testing.T) {
	const limit = 1 << 20
	b := circuitbreaker.New(circuitbreaker.Config[int]{WindowPeriod: time.Minute, Clock: &fakeClock{}})
	b.MetricsOnly()
	ctx := context.Background()
	for range limit + 5 {
		p, _ := b.Allow(ctx)
		p.Done(0, errBoom)
	}
	m := b.Metrics()
	assert.Equal(t, limit, m.Calls, "Calls after 2^20+5 calls in one bucket")
	assert.Equal(t, limit, m.Failures, "Failures after 2^20+5 failures in one bucket")
	assert.Zero(t, m.SlowCalls)
}
