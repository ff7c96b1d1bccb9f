package httpx_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
)

func TestTransportRejectsInvalidRequestsUpFront(t *testing.T) {
	valid := func() *http.Request {
		return mustRequest(t, http.MethodPost, "https://example.test/x", nil)
	}
	tests := []struct {
		name   string
		modify func(*http.Request)
	}{
		{"nil URL", func(r *http.Request) { r.URL = nil }},
		{"nil Header", func(r *http.Request) { r.Header = nil }},
		{"unsupported scheme", func(r *http.Request) { r.URL.Scheme = "ftp" }},
		{"upper-case scheme", func(r *http.Request) { r.URL.Scheme = "HTTP" }},
		{"no host", func(r *http.Request) { r.URL.Host = "" }},
		{"invalid method", func(r *http.Request) { r.Method = "GE T" }},
		{"invalid header name", func(r *http.Request) { r.Header["Bad Name"] = []string{"v"} }},
		{"empty header name", func(r *http.Request) { r.Header[""] = []string{"v"} }},
		{"invalid header value", func(r *http.Request) { r.Header["X-Ok"] = []string{"a\r\nInjected: 1"} }},
		{"DEL in header value", func(r *http.Request) { r.Header["X-Ok"] = []string{"a\x7f"} }},
		{"invalid trailer", func(r *http.Request) { r.Trailer = http.Header{"Bad:": nil} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy := &countingPolicy{}
			inner := &okTransport{}
			req := valid()
			body := &closeTracker{Reader: strings.NewReader("x")}
			req.Body = body
			tt.modify(req)
			resp, err := httpx.NewTransport(inner, policy).RoundTrip(req)
			assert.Nil(t, resp)
			assert.ErrorIs(t, err, httpx.ErrInvalidRequest)
			assert.False(t, httpx.IsFailure(nil, err), "not a failure to retry")
			assert.Zero(t, policy.calls.Load(), "no policy runs")
			assert.Empty(t, inner.reqs, "nothing is sent")
			assert.True(t, body.closed.Load(), "the body is closed")
		})
	}
	req := valid()
	req.Header.Set("X-Tab", "a\tb")
	_, err := httpx.NewTransport(&okTransport{}).RoundTrip(req)
	assert.NoError(t, err, "a tab is a valid header value byte")

	_, err = httpx.NewTransport(&okTransport{}).RoundTrip(nil)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument, "nil request")
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg   httpx.Config
		field string
	}{
		{cfg: httpx.Config{}},
		{cfg: httpx.Config{MaxBodyBuffer: -1, MaxDrain: -1}},
		{cfg: httpx.Config{MaxBodyBuffer: -2}, field: "MaxBodyBuffer"},
		{cfg: httpx.Config{MaxDrain: -2}, field: "MaxDrain"},
		{cfg: httpx.Config{PerHost: noPolicies, PerHostIdle: -time.Second}, field: "PerHostIdle"},
		{cfg: httpx.Config{PerHostIdle: time.Minute}, field: "PerHostIdle"}, // without PerHost
		{cfg: httpx.Config{PerHost: noPolicies, PerHostIdle: time.Minute}},
		{cfg: httpx.Config{Policies: []resilience.Policy[*http.Response]{&countingPolicy{}, nil}}, field: "Policies[1]"},
		{cfg: httpx.Config{Policies: []resilience.Policy[*http.Response]{(*countingPolicy)(nil)}}, field: "Policies[0]"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if tt.field == "" {
			assert.NoError(t, err, "Validate(%+v)", tt.cfg)
			continue
		}
		var ce *resilience.ConfigError
		if assert.ErrorAs(t, err, &ce, "Validate(%+v)", tt.cfg) {
			assert.Equal(t, tt.field, ce.Field)
			assert.Equal(t, "httpx", ce.Policy)
		}
		assert.ErrorIs(t, err, resilience.ErrInvalidConfig)
		assert.PanicsWithError(t, err.Error(), func() { httpx.New(tt.cfg) }, "New panics with the Validate error")
	}
	assert.Panics(t, func() { httpx.NewTransport(nil, nil) }, "NewTransport with a nil policy")
}

func TestPerHostBuildsOnePolicySetPerHostKey(t *testing.T) {
	b := builds{policies: func() []resilience.Policy[*http.Response] {
		return []resilience.Policy[*http.Response]{&countingPolicy{}}
	}}
	tr := httpx.New(httpx.Config{Next: &okTransport{}, PerHost: b.perHost})
	urls := []string{
		"http://example.test/a", "HTTP://Example.TEST:80/b", "http://example.test:80",
		"https://example.test/", "https://example.test:443/x",
		"https://example.test:8443/",
		"http://[::1]/", "http://[::1]:80/",
		"http://127.0.0.1:8080/",
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		for _, u := range urls {
			wg.Go(func() {
				req := mustRequest(t, http.MethodGet, "http://placeholder/", nil)
				parsed, err := url.Parse(u)
				if err != nil {
					t.Error(err)
					return
				}
				req.URL = parsed
				resp, err := tr.RoundTrip(req)
				if assert.NoError(t, err, u) {
					resp.Body.Close()
				}
			})
		}
	}
	wg.Wait()
	assert.Equal(t, map[string]int{
		"http://example.test:80":    1,
		"https://example.test:443":  1,
		"https://example.test:8443": 1,
		"http://[::1]:80":           1,
		"http://127.0.0.1:8080":     1,
	}, b.counts(), "PerHost calls per key")
}

// One request after another, the way a client of one host sends them,
// each request still runs its own key's policies: the same host and port
// under another scheme, or another host, is another key.
func TestPerHostKeyOfEachRequestInTurn(t *testing.T) {
	var ran []string // the key whose policies ran, per request
	perHost := func(key string) []resilience.Policy[*http.Response] {
		return []resilience.Policy[*http.Response]{resilience.PolicyFunc[*http.Response](
			func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
				ran = append(ran, key)
				return next(ctx)
			})}
	}
	tr := httpx.New(httpx.Config{Next: &okTransport{}, PerHost: perHost})
	var want []string
	for _, tc := range []struct{ url, key string }{
		{"https://example.test:8080/", "https://example.test:8080"},
		{"https://example.test:8080/a", "https://example.test:8080"},
		{"http://example.test:8080/", "http://example.test:8080"},
		{"https://Example.test:8080/b", "https://example.test:8080"},
		{"http://other.test:8080/", "http://other.test:8080"},
		{"http://example.test:8080/c", "http://example.test:8080"},
		{"https://example.test:8080/d", "https://example.test:8080"},
	} {
		resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, tc.url, nil))
		require.NoError(t, err, tc.url)
		resp.Body.Close()
		want = append(want, tc.key)
	}
	assert.Equal(t, want, ran, "the key whose policies each request ran")
}

func TestPerHostRunsPoliciesInsideShared(t *testing.T) {
	var order []string
	named := func(name string) resilience.Policy[*http.Response] {
		return resilience.PolicyFunc[*http.Response](func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
			order = append(order, name)
			return next(ctx)
		})
	}
	tr := httpx.New(httpx.Config{
		Next:     &okTransport{},
		Policies: []resilience.Policy[*http.Response]{named("shared")},
		PerHost: func(string) []resilience.Policy[*http.Response] {
			return []resilience.Policy[*http.Response]{named("host")}
		},
	})
	resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, "http://example.test", nil))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, []string{"shared", "host"}, order)
}

func TestPerHostPanicLeavesKeyToBeBuiltAgain(t *testing.T) {
	calls := 0
	tr := httpx.New(httpx.Config{
		Next: &okTransport{},
		PerHost: func(string) []resilience.Policy[*http.Response] {
			calls++
			if calls == 1 {
				panic("factory failed")
			}
			return nil
		},
	})
	body := &closeTracker{Reader: strings.NewReader("x")}
	req := mustRequest(t, http.MethodPut, "http://example.test", body)
	assert.PanicsWithValue(t, "factory failed", func() { tr.RoundTrip(req) })
	resp, err := tr.RoundTrip(mustRequest(t, http.MethodGet, "http://example.test", nil))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 2, calls)
}

func TestPerHostNilPolicyIsAnError(t *testing.T) {
	tr := httpx.New(httpx.Config{
		Next:    &okTransport{},
		PerHost: func(string) []resilience.Policy[*http.Response] { return []resilience.Policy[*http.Response]{nil} },
	})
	body := &closeTracker{Reader: strings.NewReader("x")}
	req := mustRequest(t, http.MethodPut, "http://example.test", body)
	resp, err := tr.RoundTrip(req)
	assert.Nil(t, resp)
	assert.ErrorIs(t, err, resilience.ErrInvalidArgument)
	assert.True(t, body.closed.Load(), "the unsent body is closed")
}

type idleCloser struct {
	okTransport
	closed atomic.Int32
}

func (c *idleCloser) CloseIdleConnections() { c.closed.Add(1) }

func TestCloseIdleConnectionsForwarded(t *testing.T) {
	inner := &idleCloser{}
	httpx.NewTransport(inner).CloseIdleConnections()
	assert.EqualValues(t, 1, inner.closed.Load())
	httpx.NewTransport(&okTransport{}).CloseIdleConnections() // no such method: nothing to do
}
