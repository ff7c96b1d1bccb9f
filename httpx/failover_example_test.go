package httpx_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/go-resilience/resilience/httpx"
)

// A primary and a backup serve one logical service; requests name the
// service by a placeholder host and go to whichever endpoint answers.
func ExampleNewFailover() {
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	defer primary.Close()
	backup := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backup served %s?%s", r.URL.Path, r.URL.RawQuery)
	}))
	defer backup.Close()

	f := httpx.NewFailover(httpx.FailoverConfig{
		Endpoints: []httpx.Endpoint{{URL: primary.URL + "/v1"}, {URL: backup.URL + "/v1"}},
		OnFailover: func(endpoint string, err error) {
			fmt.Println("left the primary:", err)
		},
	})
	defer f.Close()
	defer f.CloseIdleConnections()

	client := &http.Client{Transport: f}
	resp, err := client.Get("http://users/users/42?fields=name")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// left the primary: httpx: 503 Service Unavailable
	// 200 backup served /v1/users/42?fields=name
}

// Active health checks take an endpoint out of rotation when its health
// endpoint fails, and put it back when it passes again. CheckHealth runs a
// round at once; with HealthCheck.Interval set, rounds also run by
// themselves until Close.
func ExampleFailover_CheckHealth() {
	healthy := map[string]bool{"a.internal": false, "b.internal": true}
	next := rtFuncFo(func(req *http.Request) (*http.Response, error) {
		code := http.StatusOK
		if req.URL.Path == "/healthz" && !healthy[req.URL.Host] {
			code = http.StatusServiceUnavailable
		}
		return &http.Response{StatusCode: code, Body: http.NoBody, Header: http.Header{}, Request: req}, nil
	})
	f := httpx.NewFailover(httpx.FailoverConfig{
		Endpoints:   []httpx.Endpoint{{URL: "http://a.internal"}, {URL: "http://b.internal"}},
		Next:        next,
		HealthCheck: httpx.HealthCheck{Path: "/healthz"},
	})
	defer f.Close()

	f.CheckHealth(context.Background())
	for _, m := range f.Metrics() {
		fmt.Printf("%s healthy=%v breaker=%v\n", m.URL, m.Healthy, m.Breaker.State)
	}
	resp, _ := f.RoundTrip(httptestRequest("http://svc/orders"))
	fmt.Println("served by", resp.Request.URL.Host)
	// Output:
	// http://a.internal healthy=false breaker=closed
	// http://b.internal healthy=true breaker=closed
	// served by b.internal
}

func httptestRequest(url string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	return req
}
