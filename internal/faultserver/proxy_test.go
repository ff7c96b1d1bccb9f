package faultserver_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/internal/faultserver"
)

// startProxy starts a proxy in front of s, closed when the test ends.
func startProxy(t *testing.T, s *faultserver.Server) *faultserver.Proxy {
	t.Helper()
	p, err := faultserver.StartProxy(s.URL()[len("http://"):])
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })
	return p
}

func proxyGet(t *testing.T, c *http.Client, p *faultserver.Proxy, id string) error {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.URL()+"/"+id, nil)
	require.NoError(t, err)
	req.Header.Set(faultserver.HeaderID, id)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	body, err := readAll(t, resp)
	require.NoError(t, err)
	assert.Equal(t, faultserver.Body(id, 4096), body)
	return nil
}

func TestProxyForwardsAndRefuses(t *testing.T) {
	s, c := start(t, faultserver.Config{})
	p := startProxy(t, s)

	require.NoError(t, proxyGet(t, c, p, "a"), "up: forwarded")
	require.NoError(t, proxyGet(t, c, p, "b"), "the connection is kept alive through the proxy")
	assert.Equal(t, 1, p.Forwarded())

	p.Down()
	assert.Equal(t, 1, p.Cut(), "the open connection is reset when the outage begins")
	for i := range 3 {
		err := proxyGet(t, c, p, "down")
		require.Error(t, err, "attempt %d during the outage", i)
		assert.ErrorContains(t, err, "reset")
	}
	assert.GreaterOrEqual(t, p.Refused(), 3, "every attempt during the outage is refused and counted")
	assert.Zero(t, s.Record("down").Arrivals, "nothing reaches the upstream while the proxy is down")

	p.Up()
	require.NoError(t, proxyGet(t, c, p, "c"), "the upstream is back once the outage ends")
	assert.Equal(t, 2, p.Forwarded())
}

func TestProxyCloseEndsOpenConnections(t *testing.T) {
	s, c := start(t, faultserver.Config{})
	p, err := faultserver.StartProxy(s.URL()[len("http://"):])
	require.NoError(t, err)
	require.NoError(t, proxyGet(t, c, p, "a"))
	require.NoError(t, p.Close(), "closes the idle forwarded connection and waits for its goroutines")
	require.NoError(t, p.Close(), "a second Close is a no-op")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Listener().WaitOpen(ctx, 0), "the upstream side of the connection is closed too")
}
