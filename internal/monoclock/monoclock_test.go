package monoclock

import (
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The real clock is read as it runs: readings never go back, and the start
// plus a reading stays within the wall clock's readings around it.
func TestRealClock(t *testing.T) {
	before := time.Now()
	c := New(nil)
	first := c.Elapsed()
	second := c.Elapsed()
	after := time.Now()
	assert.GreaterOrEqual(t, first, time.Duration(0))
	assert.GreaterOrEqual(t, second, first, "Elapsed went back")
	assert.False(t, c.Start().Before(before) || c.Start().After(after), "Start outside the reads around New")
	now := c.Start().Add(second)
	assert.False(t, now.Before(before) || now.After(after), "Start+Elapsed outside the reads around it")
	assert.LessOrEqual(t, second, after.Sub(before))
}

func TestFakeClock(t *testing.T) {
	mock := clock.NewMock()
	c := New(mock)
	mock.Add(time.Minute)
	assert.Equal(t, time.Minute, c.Elapsed())
	assert.True(t, c.Start().Add(c.Elapsed()).Equal(mock.Now()))
	assert.True(t, c.Start().Equal(mock.Now().Add(-time.Minute)))
}
