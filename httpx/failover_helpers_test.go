package httpx_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience/httpx"
)

// foServer is a loopback server with a hit counter, closed when the test
// ends.
type foServer struct {
	*httptest.Server
	hits atomic.Int32
}

func newFoServer(t *testing.T, h http.HandlerFunc) *foServer {
	t.Helper()
	s := &foServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// foText answers every request with code and body.
func foText(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// foRefusing returns the URL of a port nothing listens on: a dial there is
// refused.
func foRefusing(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

// foTransport is a fresh http.Transport that counts the responses it
// produced and the bodies closed; its idle connections close at the end
// of the test.
type foTransport struct {
	tr        *http.Transport
	responses atomic.Int32
	closed    atomic.Int32
}

func newFoTransport(t *testing.T) *foTransport {
	t.Helper()
	c := &foTransport{tr: &http.Transport{}}
	t.Cleanup(c.tr.CloseIdleConnections)
	return c
}

func (c *foTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.tr.RoundTrip(req)
	if resp != nil {
		c.responses.Add(1)
		resp.Body = &foCountedBody{ReadCloser: resp.Body, closed: &c.closed}
	}
	return resp, err
}

type foCountedBody struct {
	io.ReadCloser
	once   sync.Once
	closed *atomic.Int32
}

func (b *foCountedBody) Close() error {
	b.once.Do(func() { b.closed.Add(1) })
	return b.ReadCloser.Close()
}

// foStub is an in-memory RoundTripper: it answers each request with
// answer(req) and records the hosts in order.
type foStub struct {
	answer func(req *http.Request) (*http.Response, error)
	mu     sync.Mutex // guards hosts
	hosts  []string
}

func (s *foStub) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.hosts = append(s.hosts, req.URL.Host)
	s.mu.Unlock()
	if req.Body != nil {
		req.Body.Close()
	}
	return s.answer(req)
}

func (s *foStub) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.hosts...)
}

// foStatus makes a response with code and body for req.
func foStatus(req *http.Request, code int, body string) *http.Response {
	return &http.Response{
		StatusCode: code, Status: http.StatusText(code), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: req,
	}
}

// foOK answers 200 with the request's host as the body.
func foOK(req *http.Request) (*http.Response, error) {
	return foStatus(req, http.StatusOK, req.URL.Host), nil
}

func newFailover(t *testing.T, cfg httpx.FailoverConfig) *httpx.Failover {
	t.Helper()
	f := httpx.NewFailover(cfg)
	t.Cleanup(func() { f.Close() })
	return f
}

func foEndpoints(urls ...string) []httpx.Endpoint {
	eps := make([]httpx.Endpoint, len(urls))
	for i, u := range urls {
		eps[i] = httpx.Endpoint{URL: u}
	}
	return eps
}

// foGet sends a GET for path through rt and returns the status and body.
func foGet(t *testing.T, rt http.RoundTripper, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://service"+path, nil)
	require.NoError(t, err)
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp.StatusCode, string(b)
}
