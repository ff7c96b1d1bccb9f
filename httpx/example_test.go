package httpx_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/retry"
	"github.com/go-resilience/resilience/timeout"
)

// flaky starts a server that answers 503 twice, then 200.
func flaky() *httptest.Server {
	var n atomic.Int32
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "hello after %d attempts", n.Load())
	}))
}

func ExampleStandard() {
	srv := flaky()
	defer srv.Close()

	tr := httpx.Standard(httpx.StandardConfig{})
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	resp, err := client.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 hello after 3 attempts
}

func ExampleStandardConfig_Config() {
	srv := flaky()
	defer srv.Close()

	// The standard stack, with a client-wide bulkhead around it and every
	// method retried (the server here is known to be idempotent).
	cfg := httpx.StandardConfig{MaxAttempts: 5, Backoff: retry.Constant(10 * time.Millisecond)}.Config()
	cfg.RetryAll = true
	limit := resilience.PolicyFunc[*http.Response](func(ctx context.Context, next resilience.Func[*http.Response]) (*http.Response, error) {
		return next(ctx) // a bulkhead.New(...) in real code
	})
	cfg.Policies = append([]resilience.Policy[*http.Response]{limit}, cfg.Policies...)
	tr := httpx.New(cfg)
	defer tr.CloseIdleConnections()

	resp, err := (&http.Client{Transport: tr}).Post(srv.URL, "text/plain", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output: 200
}

func ExampleNewTransport() {
	srv := flaky()
	defer srv.Close()

	tr := httpx.NewTransport(nil,
		retry.New(retry.Config[*http.Response]{MaxAttempts: 2, DelayFunc: httpx.RetryAfter}),
		timeout.New[*http.Response](timeout.Config{Timeout: 5 * time.Second}),
	)
	defer tr.CloseIdleConnections()

	// Two attempts are not enough: the last 503 comes back as the answer,
	// with a nil error and its body intact.
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("%d %s", resp.StatusCode, body)
	// Output: 503 busy
}

func ExampleNew() {
	srv := flaky()
	defer srv.Close()

	tr := httpx.New(httpx.Config{
		Policies: []resilience.Policy[*http.Response]{
			retry.New(retry.Config[*http.Response]{MaxAttempts: 3, DelayFunc: httpx.RetryAfter}),
		},
		// One breaker per downstream, made on its first request.
		PerHost: func(host string) []resilience.Policy[*http.Response] {
			fmt.Println("new breaker for", host == srv.URL)
			return []resilience.Policy[*http.Response]{
				circuitbreaker.New(circuitbreaker.Config[*http.Response]{Name: host}),
			}
		},
	})
	defer tr.CloseIdleConnections()

	for range 2 {
		resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	// Output:
	// new breaker for true
	// 200
	// 200
}

func ExampleIsFailure() {
	for _, code := range []int{200, 404, 429, 501, 503} {
		fmt.Println(code, httpx.IsFailure(&http.Response{StatusCode: code}, nil))
	}
	fmt.Println(httpx.IsFailure(nil, context.Canceled), httpx.IsFailure(nil, context.DeadlineExceeded))
	// Output:
	// 200 false
	// 404 false
	// 429 true
	// 501 false
	// 503 true
	// false true
}

func ExampleRetryAfter() {
	resp := &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{
		"Date":        {"Sun, 06 Nov 1994 08:49:37 GMT"},
		"Retry-After": {"Sun, 06 Nov 1994 08:50:07 GMT"},
	}}
	fmt.Println(httpx.RetryAfter(1, resp, nil))

	resp.Header.Set("Retry-After", "120")
	fmt.Println(httpx.RetryAfter(1, resp, nil))

	resp.Header.Set("Retry-After", "in a while")
	fmt.Println(httpx.RetryAfter(1, resp, nil))
	// Output:
	// 30s
	// 2m0s
	// -1ns
}

func ExampleConfig_Validate() {
	cfg := httpx.Config{MaxBodyBuffer: -5}
	fmt.Println(cfg.Validate())
	// Output: httpx: MaxBodyBuffer = -5: must be -1 (never buffer) or >= 0
}
