package httpx_test

import (
	"context"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-resilience/resilience"
)

// upstream is a loopback HTTP server that answers the n-th request (from
// 1) with handle(n, w, r) and records every request body it received.
type upstream struct {
	*httptest.Server
	hits atomic.Int32

	mu     sync.Mutex // guards bodies
	bodies []string
}

func newUpstream(t *testing.T, handle func(n int, w http.ResponseWriter, r *http.Request)) *upstream {
	t.Helper()
	u := newUnstartedUpstream(t, handle)
	u.Start()
	return u
}

// newTLSUpstream is newUpstream over HTTPS; u.Client() trusts it.
func newTLSUpstream(t *testing.T, handle func(n int, w http.ResponseWriter, r *http.Request)) *upstream {
	t.Helper()
	u := newUnstartedUpstream(t, handle)
	u.StartTLS()
	return u
}

func newUnstartedUpstream(t *testing.T, handle func(n int, w http.ResponseWriter, r *http.Request)) *upstream {
	u := &upstream{}
	u.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(u.hits.Add(1))
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.bodies = append(u.bodies, string(b))
		u.mu.Unlock()
		handle(n, w, r)
	}))
	u.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS handshake errors some tests cause on purpose
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) received() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.bodies...)
}

// statuses answers the n-th request with codes[n-1] (the last code for
// later requests) and a body naming the request, e.g. "503 #2".
func statuses(codes ...int) func(n int, w http.ResponseWriter, r *http.Request) {
	return func(n int, w http.ResponseWriter, r *http.Request) {
		code := codes[min(n, len(codes))-1]
		w.WriteHeader(code)
		io.WriteString(w, http.StatusText(code)+" #"+strconv.Itoa(n))
	}
}

// counting wraps a real *http.Transport and counts the attempts sent, the
// responses produced and the response bodies closed.
type counting struct {
	next      *http.Transport
	attempts  atomic.Int32
	responses atomic.Int32
	closed    atomic.Int32
}

// newCounting returns a counting transport over a fresh http.Transport
// whose idle connections are closed when the test ends.
func newCounting(t *testing.T, configure ...func(*http.Transport)) *counting {
	t.Helper()
	tr := &http.Transport{}
	for _, f := range configure {
		f(tr)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &counting{next: tr}
}

func (c *counting) RoundTrip(req *http.Request) (*http.Response, error) {
	c.attempts.Add(1)
	resp, err := c.next.RoundTrip(req)
	if resp != nil {
		c.responses.Add(1)
		cb := &countedBody{ReadCloser: resp.Body, closed: &c.closed}
		if w, ok := resp.Body.(io.Writer); ok {
			resp.Body = &countedRWBody{countedBody: cb, w: w}
		} else {
			resp.Body = cb
		}
	}
	return resp, err
}

func (c *counting) CloseIdleConnections() { c.next.CloseIdleConnections() }

type countedBody struct {
	io.ReadCloser
	once   sync.Once
	closed *atomic.Int32
}

func (b *countedBody) Close() error {
	b.once.Do(func() { b.closed.Add(1) })
	return b.ReadCloser.Close()
}

type countedRWBody struct {
	*countedBody
	w io.Writer
}

func (b *countedRWBody) Write(p []byte) (int, error) { return b.w.Write(p) }

// retrying is a minimal retry policy for the transport's own tests: up to
// n attempts while the outcome is an error that is not permanent and ctx
// is live, discarding each dropped response as policies must.
func retrying(n int) resilience.Policy[*http.Response] {
	return resilience.PolicyFunc[*http.Response](func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
		for i := 1; ; i++ {
			resp, err := next(ctx)
			if err == nil || resilience.IsPermanent(err) || i == n || ctx.Err() != nil {
				return resp, err
			}
			resilience.Discard(ctx, resp)
		}
	})
}

// stubborn repeats every failure n times, ignoring permanent marks: the
// retry policy the Transport must still protect a POST from.
func stubborn(n int) resilience.Policy[*http.Response] {
	return resilience.PolicyFunc[*http.Response](func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
		for i := 1; ; i++ {
			resp, err := next(ctx)
			if err == nil || i == n {
				return resp, err
			}
			resilience.Discard(ctx, resp)
		}
	})
}

// markProbe records, for each outcome of next, whether the policies see
// it as permanent.
type markProbe struct {
	mu        sync.Mutex
	permanent []bool
}

func (p *markProbe) Execute(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
	resp, err := next(ctx)
	p.mu.Lock()
	p.permanent = append(p.permanent, resilience.IsPermanent(err))
	p.mu.Unlock()
	return resp, err
}

func (p *markProbe) marks() []bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]bool(nil), p.permanent...)
}

// countingPolicy counts its executions and passes them on.
type countingPolicy struct{ calls atomic.Int32 }

func (p *countingPolicy) Execute(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
	p.calls.Add(1)
	return next(ctx)
}

// rtFunc adapts a function to an http.RoundTripper.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func mustRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// readAll reads and closes resp.Body.
func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatalf("closing body: %v", err)
	}
	return string(b)
}

// closeTracker is a request body that records whether it was closed.
type closeTracker struct {
	io.Reader
	closed atomic.Bool
}

func (b *closeTracker) Close() error {
	b.closed.Store(true)
	return nil
}

// builds counts PerHost calls by key; each call returns policies().
type builds struct {
	mu       sync.Mutex
	n        map[string]int
	policies func() []resilience.Policy[*http.Response] // nil: none
}

func (b *builds) perHost(key string) []resilience.Policy[*http.Response] {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n == nil {
		b.n = map[string]int{}
	}
	b.n[key]++
	if b.policies == nil {
		return nil
	}
	return b.policies()
}

func (b *builds) count(key string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n[key]
}

// counts returns the PerHost calls so far, by key.
func (b *builds) counts() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return maps.Clone(b.n)
}
