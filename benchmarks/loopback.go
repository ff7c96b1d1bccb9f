package benchmarks

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"time"

	"github.com/go-resilience/resilience/httpx"
)

// This file is what the HTTP benchmarks and cmd/httpab share, so that both
// measure the same request to the same server over the same transports.

// NewServer starts a loopback server answering every request with a small
// JSON body. The caller closes it.
func NewServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
}

// NewBase returns a fresh copy of http.DefaultTransport keeping up to idle
// connections to the server.
func NewBase(idle int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = idle
	return t
}

// RetryOnly is the standard stack with its retry alone: what holding an
// attempt past the policies costs, with the least policy work.
func RetryOnly(next http.RoundTripper) *httpx.Transport {
	return httpx.Standard(httpx.StandardConfig{Next: next, TotalTimeout: -1, AttemptTimeout: -1, NoBreaker: true, NoBudget: true})
}

// Get GETs url with ctx, reads the body to its end and closes it.
func Get(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}

// GetCancellable is Get with a request context that can be cancelled (and
// is, once the body is read): the least any client that can cut an attempt
// short costs, since net/http then links a context of its own to it per
// request. It is the floor under every resilient client, and what a
// request made in a server's handler (whose context can always be
// cancelled) costs bare.
func GetCancellable(c *http.Client, url string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	return Get(ctx, c, url)
}

// CPUTime returns the CPU time the process has used so far, user and
// system, client and server: what a request costs on both cores whatever
// else this noisy machine is doing at the time.
func CPUTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
