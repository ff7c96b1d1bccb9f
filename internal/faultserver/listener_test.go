package faultserver_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/internal/faultserver"
)

// getBody GETs id from s and checks the body of a response.
func getBody(t *testing.T, c *http.Client, s *faultserver.Server, id string) error {
	t.Helper()
	resp, err := get(t.Context(), c, s, id)
	if err != nil {
		return err
	}
	body, err := readAll(t, resp)
	require.NoError(t, err)
	assert.Equal(t, faultserver.Body(id, 4096), body)
	return nil
}

func TestListenerDownRefusesEveryConnectionUntilUp(t *testing.T) {
	s, c := start(t, faultserver.Config{})
	ln := s.Listener()

	require.NoError(t, getBody(t, c, s, "a"), "up")
	require.NoError(t, getBody(t, c, s, "b"), "the connection is kept alive")
	assert.Equal(t, 1, ln.Accepted())

	ln.Down()
	assert.Equal(t, 1, ln.Resets(), "the open connection is reset when the outage begins")
	for i := range 3 {
		err := getBody(t, c, s, "down")
		require.Error(t, err, "attempt %d during the outage", i)
		assert.ErrorContains(t, err, "reset")
	}
	assert.GreaterOrEqual(t, ln.Refused(), 3, "every attempt during the outage is refused and counted")
	assert.Zero(t, s.Record("down").Arrivals, "nothing reaches the server while it is down")
	assert.Equal(t, 1, ln.Accepted(), "a refused connection is not accepted")

	ln.Up()
	require.NoError(t, getBody(t, c, s, "c"), "the server is back once the outage ends")
	assert.Equal(t, 2, ln.Accepted())
}
