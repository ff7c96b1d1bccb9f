// Command failover serves one logical HTTP service from three endpoints:
// requests go to the primary, move on to the next endpoint when it fails
// (if that is safe for the request), skip an endpoint whose breaker is
// open or whose health check fails, and never send a POST twice unless
// the failure proves the first never arrived.
//
// The endpoints are loopback servers the program starts and stops.
//
//	go run ./examples/failover
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/timeout"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// backend is one endpoint of the inventory service.
type backend struct {
	name    string
	status  atomic.Int32 // the status it answers with
	healthy atomic.Bool  // what its /healthz says
	srv     *httptest.Server
}

func newBackend(name string) *backend {
	b := &backend{name: name}
	b.status.Store(http.StatusOK)
	b.healthy.Store(true)
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			if !b.healthy.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(int(b.status.Load()))
		fmt.Fprintf(w, "%s %s from %s", r.Method, r.URL.Path, b.name)
	}))
	return b
}

func run(w io.Writer) error {
	primary, secondary, tertiary := newBackend("primary"), newBackend("secondary"), newBackend("tertiary")
	for _, b := range []*backend{primary, secondary, tertiary} {
		defer b.srv.Close()
	}
	inner := &http.Transport{}
	defer inner.CloseIdleConnections()

	f := httpx.NewFailover(httpx.FailoverConfig{
		Name: "inventory",
		Endpoints: []httpx.Endpoint{
			{URL: primary.srv.URL}, {URL: secondary.srv.URL}, {URL: tertiary.srv.URL},
		},
		Strategy: httpx.Ordered, // a primary with backups, tried in turn
		Next:     inner,
		// Each endpoint gets its own breaker from this template.
		Breaker:     circuitbreaker.Config[*http.Response]{ConsecutiveFailures: 2, OpenDelay: time.Minute},
		HealthCheck: httpx.HealthCheck{Path: "/healthz"}, // checked on demand below (Interval 0)
		OnFailover: func(endpoint string, err error) {
			fmt.Fprintf(w, "  left %s: %s\n", label(endpoint, primary, secondary, tertiary), why(err))
		},
	})
	defer f.Close()

	// The Transport's policies wrap the whole failover: here, a bound on
	// the time to the response headers, across every endpoint tried.
	client := &http.Client{Transport: httpx.NewTransport(f,
		timeout.New[*http.Response](timeout.Config{Timeout: 2 * time.Second}))}

	// Requests name the service, not an endpoint: the failover rewrites
	// scheme and host onto the endpoint it tries.
	do := func(method string) {
		req, err := http.NewRequestWithContext(context.Background(), method, "http://inventory/items/42", strings.NewReader("{}"))
		if err == nil {
			var resp *http.Response
			if resp, err = client.Do(req); err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				fmt.Fprintf(w, "  %s -> %d %q\n", method, resp.StatusCode, body)
				return
			}
		}
		fmt.Fprintf(w, "  %s -> error: %s\n", method, describe(err, primary, secondary, tertiary))
	}

	fmt.Fprintln(w, "1. All healthy: the primary answers.")
	do(http.MethodGet)

	fmt.Fprintln(w, "2. The primary fails with 502: a GET moves on to the secondary.")
	primary.status.Store(http.StatusBadGateway)
	do(http.MethodGet)

	fmt.Fprintln(w, "3. A POST is not idempotent: a 502 may mean it was processed, so it stays.")
	do(http.MethodPost)

	fmt.Fprintln(w, "4. The primary's breaker is open (2 failures in a row): it is skipped, even for a POST.")
	do(http.MethodPost)

	fmt.Fprintln(w, "5. The secondary's health check fails: requests go to the tertiary.")
	secondary.healthy.Store(false)
	f.CheckHealth(context.Background())
	do(http.MethodGet)

	fmt.Fprintln(w, "6. Every endpoint is skipped or down: the error tells why, endpoint by endpoint.")
	tertiary.srv.Close()
	do(http.MethodGet)

	fmt.Fprintln(w, "Endpoints:")
	for _, m := range f.Metrics() {
		fmt.Fprintf(w, "  %-9s healthy=%-5v attempts=%d failures=%d breaker=%s\n",
			label(m.URL, primary, secondary, tertiary), m.Healthy, m.Attempts, m.Failures, m.Breaker.State)
	}
	return nil
}

// describe explains a failover's error: one reason per endpoint.
func describe(err error, backends ...*backend) string {
	var joined interface{ Unwrap() []error }
	if !errors.Is(err, httpx.ErrEndpointsFailed) || !errors.As(err, &joined) {
		return err.Error()
	}
	var reasons []string
	for _, e := range joined.Unwrap() {
		var ep *httpx.EndpointError
		if !errors.As(e, &ep) {
			continue
		}
		reasons = append(reasons, label(ep.Endpoint, backends...)+": "+why(ep.Err))
	}
	return strings.Join(reasons, "; ")
}

// why says in a few stable words why an endpoint failed.
func why(err error) string {
	var op *net.OpError
	switch {
	case errors.Is(err, circuitbreaker.ErrOpen):
		return "skipped, breaker open"
	case errors.Is(err, httpx.ErrUnhealthy):
		return "skipped, health check failed"
	case errors.As(err, &op):
		return op.Op + " failed" // "dial failed": the address varies from run to run
	}
	return err.Error()
}

// label names an endpoint URL after its backend, for stable output.
func label(url string, backends ...*backend) string {
	for _, b := range backends {
		if b.srv.URL == url {
			return b.name
		}
	}
	return url
}
