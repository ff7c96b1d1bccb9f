package faultserver_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/internal/faultserver"
)

func TestNoFault(t *testing.T) {
	s, c := start(t, faultserver.Config{BodySize: 1000})
	resp, err := get(context.Background(), c, s, "a")
	require.NoError(t, err)
	body, err := readAll(t, resp)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, faultserver.Body("a", 1000), body)
	assert.Equal(t, faultserver.Sum(body), resp.Header.Get(faultserver.HeaderSum))
	assert.Equal(t, "a", resp.Header.Get(faultserver.HeaderID))
	assert.Equal(t, faultserver.Record{Arrivals: 1, Taken: 1, Faults: []faultserver.Fault{faultserver.None}}, s.Record("a"))
	assert.Equal(t, 1, s.Faults()[faultserver.None])
}

func TestRequestBodies(t *testing.T) {
	s, c := start(t, faultserver.Config{})
	body := faultserver.Body("p", 5000)

	resp, err := post(c, s, "p", body, "")
	require.NoError(t, err)
	_, _ = readAll(t, resp)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, faultserver.Record{Arrivals: 1, Taken: 1, Intact: 1, Faults: []faultserver.Fault{faultserver.None}}, s.Record("p"))

	resp, err = post(c, s, "torn", body, faultserver.Sum(body[1:]))
	require.NoError(t, err)
	_, _ = readAll(t, resp)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, faultserver.Record{Arrivals: 1, Torn: 1, Faults: []faultserver.Fault{faultserver.None}}, s.Record("torn"))
}

func TestTooLargeBodyIsTorn(t *testing.T) {
	s, c := start(t, faultserver.Config{MaxRequestBody: 10})
	resp, err := post(c, s, "big", make([]byte, 11), "")
	require.NoError(t, err)
	_, _ = readAll(t, resp)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, 1, s.Record("big").Torn)
}

func TestReset(t *testing.T) {
	s, c := start(t, faultserver.Config{Schedule: faultserver.Script(faultserver.Reset)})

	_, err := get(context.Background(), c, s, "g")
	require.Error(t, err, "a reset connection gives no response")

	_, err = post(c, s, "p", faultserver.Body("p", 1<<20), "")
	require.Error(t, err)
	rec := s.Record("p")
	assert.Equal(t, 1, rec.Arrivals)
	assert.Zero(t, rec.Taken, "a reset request is not taken")
	assert.Zero(t, rec.Intact+rec.Torn, "the body is not received")
	assert.Equal(t, 2, s.Listener().Resets())
	assert.Equal(t, 2, s.Faults()[faultserver.Reset])
}

func TestShed(t *testing.T) {
	s, c := start(t, faultserver.Config{
		Schedule:   faultserver.Script(faultserver.Shed503, faultserver.Shed429),
		RetryAfter: func(id string, arrival int) string { return id + "-" + string(rune('0'+arrival)) },
	})
	for _, want := range []struct {
		code int
		ra   string
	}{{503, "x-1"}, {429, "x-2"}, {200, ""}} {
		resp, err := get(context.Background(), c, s, "x")
		require.NoError(t, err)
		_, _ = readAll(t, resp)
		assert.Equal(t, want.code, resp.StatusCode)
		assert.Equal(t, want.ra, resp.Header.Get("Retry-After"))
	}
	rec := s.Record("x")
	assert.Equal(t, 3, rec.Arrivals)
	assert.Equal(t, 1, rec.Taken, "shed arrivals are not taken")
}

func TestDefaultRetryAfter(t *testing.T) {
	s, c := start(t, faultserver.Config{Schedule: faultserver.Script(faultserver.Shed503)})
	resp, err := get(context.Background(), c, s, "x")
	require.NoError(t, err)
	_, _ = readAll(t, resp)
	assert.Equal(t, "0", resp.Header.Get("Retry-After"))
}

func TestFailureStatuses(t *testing.T) {
	s, c := start(t, faultserver.Config{Schedule: faultserver.Script(faultserver.Status503, faultserver.Status500), BodySize: 300})
	for _, code := range []int{503, 500} {
		resp, err := get(context.Background(), c, s, "x")
		require.NoError(t, err)
		body, err := readAll(t, resp)
		require.NoError(t, err)
		assert.Equal(t, code, resp.StatusCode)
		assert.Empty(t, resp.Header.Get("Retry-After"))
		assert.Len(t, body, 300)
	}
	assert.Equal(t, 2, s.Record("x").Taken, "the server acted on both")
	assert.Equal(t, 1, s.Listener().Accepted(), "failure answers keep the connection")
}

func TestStallHeadersEndsWhenTheClientLeaves(t *testing.T) {
	s, c := start(t, faultserver.Config{Schedule: faultserver.Script(faultserver.StallHeaders), Stall: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := get(ctx, c, s, "x")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	wait, cancelWait := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelWait()
	_, err = s.WaitRecord(wait, "x", func(r faultserver.Record) bool { return r.Taken == 1 })
	require.NoError(t, err, "the server took the request")
	// The stalled handler must end now that the client left: Close
	// (in cleanup) waits for it, so a stall that ignored the client would
	// hang the test for an hour.
	require.NoError(t, s.Listener().WaitOpen(context.Background(), 0))
}

func TestStallHeadersThenAnswers(t *testing.T) {
	s, c := start(t, faultserver.Config{Schedule: faultserver.Script(faultserver.StallHeaders), Stall: time.Millisecond})
	resp, err := get(context.Background(), c, s, "x")
	require.NoError(t, err)
	body, err := readAll(t, resp)
	require.NoError(t, err)
	assert.Equal(t, faultserver.Body("x", 4096), body)
}

func TestStallBody(t *testing.T) {
	s, c := start(t, faultserver.Config{Schedule: faultserver.Script(faultserver.StallBody, faultserver.StallBody), Stall: time.Hour, BodySize: 1000})
	resp, err := get(context.Background(), c, s, "x")
	require.NoError(t, err, "the headers come before the stall")
	first := make([]byte, 500)
	_, err = io.ReadFull(resp.Body, first)
	require.NoError(t, err, "so does the first half of the body")
	assert.Equal(t, faultserver.Body("x", 1000)[:500], first)
	// Closing the server ends the stall; the rest of the body never comes.
	require.NoError(t, s.Close())
	_, err = io.ReadAll(resp.Body)
	require.Error(t, err)
	resp.Body.Close()
}

func TestStallBodyCompletes(t *testing.T) {
	s, c := start(t, faultserver.Config{Schedule: faultserver.Script(faultserver.StallBody), Stall: 10 * time.Millisecond, BodySize: 1000})
	resp, err := get(context.Background(), c, s, "x")
	require.NoError(t, err)
	body, err := readAll(t, resp)
	require.NoError(t, err)
	assert.Equal(t, faultserver.Body("x", 1000), body)
}

func TestCloseConn(t *testing.T) {
	s, c := start(t, faultserver.Config{Schedule: faultserver.Script(faultserver.CloseConn)})
	for range 3 {
		resp, err := get(context.Background(), c, s, "x")
		require.NoError(t, err)
		body, err := readAll(t, resp)
		require.NoError(t, err)
		assert.Equal(t, faultserver.Body("x", 4096), body)
	}
	assert.Equal(t, 2, s.Listener().Accepted(), "the closed connection is replaced once, then kept")
}

func TestPartialBody(t *testing.T) {
	s, c := start(t, faultserver.Config{Schedule: faultserver.Script(faultserver.PartialBody), BodySize: 1000})
	resp, err := get(context.Background(), c, s, "x")
	require.NoError(t, err)
	assert.Equal(t, int64(1000), resp.ContentLength)
	body, err := readAll(t, resp)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, faultserver.Body("x", 1000)[:500], body)
	assert.Equal(t, 1, s.Record("x").Taken)
}

func TestCutRequestBody(t *testing.T) {
	s, c := start(t, faultserver.Config{})
	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, s.URL(), pr)
	require.NoError(t, err)
	req.ContentLength = 100_000
	req.Header.Set(faultserver.HeaderID, "cut")
	req.Header.Set(faultserver.HeaderSum, faultserver.Sum(make([]byte, 100_000)))
	go func() {
		// More than the client's write buffer, so the headers and a part
		// of the body surely reach the server before the body is cut.
		_, _ = pw.Write(make([]byte, 16<<10))
		pw.CloseWithError(io.ErrUnexpectedEOF)
	}()
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec, err := s.WaitRecord(ctx, "cut", func(r faultserver.Record) bool { return r.Cut == 1 })
	require.NoError(t, err, "the server saw the cut body: %+v", rec)
	assert.Equal(t, faultserver.Record{Arrivals: 1, Cut: 1, Faults: []faultserver.Fault{faultserver.None}}, rec)
}

func TestUnknownFaultIsNone(t *testing.T) {
	s, c := start(t, faultserver.Config{Schedule: func(string, int) faultserver.Fault { return 99 }})
	resp, err := get(context.Background(), c, s, "x")
	require.NoError(t, err)
	_, _ = readAll(t, resp)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []faultserver.Fault{faultserver.None}, s.Record("x").Faults)
}

func TestRecords(t *testing.T) {
	s, c := start(t, faultserver.Config{})
	for _, id := range []string{"a", "b", "a"} {
		resp, err := get(context.Background(), c, s, id)
		require.NoError(t, err)
		_, _ = readAll(t, resp)
	}
	recs := s.Records()
	assert.Len(t, recs, 2)
	assert.Equal(t, 2, recs["a"].Arrivals)
	assert.Equal(t, 1, recs["b"].Arrivals)
	assert.Equal(t, faultserver.Record{}, s.Record("never"))
	assert.True(t, strings.HasPrefix(s.URL(), "http://127.0.0.1:"))
}

func TestListenerCounts(t *testing.T) {
	s, _ := start(t, faultserver.Config{})
	var clients []*http.Transport
	for range 3 { // three clients, three connections
		tr := &http.Transport{}
		clients = append(clients, tr)
		resp, err := get(context.Background(), &http.Client{Transport: tr}, s, "x")
		require.NoError(t, err)
		_, _ = readAll(t, resp)
	}
	l := s.Listener()
	assert.Equal(t, 3, l.Accepted())
	assert.Equal(t, 3, l.Peak())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, l.WaitOpen(ctx, 0), context.Canceled, "WaitOpen gives up with ctx")

	for _, tr := range clients {
		tr.CloseIdleConnections()
	}
	require.NoError(t, l.WaitOpen(context.Background(), 0))
	assert.Zero(t, l.Open())
	assert.Equal(t, 3, l.Peak(), "the peak stays")
}

func TestCloseTwice(t *testing.T) {
	s, err := faultserver.Start(faultserver.Config{})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
}
