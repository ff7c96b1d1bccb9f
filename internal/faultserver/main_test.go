package faultserver_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/go-resilience/resilience/internal/faultserver"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start starts a server for the test and a client of its own; both are
// closed when the test ends.
func start(t *testing.T, cfg faultserver.Config) (*faultserver.Server, *http.Client) {
	t.Helper()
	s, err := faultserver.Start(cfg)
	require.NoError(t, err)
	tr := &http.Transport{}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		require.NoError(t, s.Close())
	})
	return s, &http.Client{Transport: tr}
}

// get sends GET /id with the request id set.
func get(ctx context.Context, c *http.Client, s *faultserver.Server, id string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/"+id, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(faultserver.HeaderID, id)
	return c.Do(req)
}

// post sends POST /id with body and its sum (or sum, if not empty).
func post(c *http.Client, s *faultserver.Server, id string, body []byte, sum string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/"+id, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if sum == "" {
		sum = faultserver.Sum(body)
	}
	req.Header.Set(faultserver.HeaderID, id)
	req.Header.Set(faultserver.HeaderSum, sum)
	return c.Do(req)
}

// readAll reads and closes resp's body.
func readAll(t *testing.T, resp *http.Response) ([]byte, error) {
	t.Helper()
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
