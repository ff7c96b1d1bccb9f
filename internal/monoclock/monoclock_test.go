package monoclock

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRealClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New(nil)
		assert.Zero(t, c.Elapsed())
		time.Sleep(3 * time.Second) // fake time in the bubble
		assert.Equal(t, 3*time.Second, c.Elapsed())
		assert.True(t, c.Now().Equal(c.Start().Add(3*time.Second)))
		assert.True(t, c.Now().Equal(time.Now()), "the bubble's wall and monotonic clocks move together")
	})
}

func TestFakeClock(t *testing.T) {
	mock := clock.NewMock()
	c := New(mock)
	mock.Add(time.Minute)
	assert.Equal(t, time.Minute, c.Elapsed())
	assert.True(t, c.Now().Equal(mock.Now()))
	assert.True(t, c.Start().Equal(mock.Now().Add(-time.Minute)))
}
