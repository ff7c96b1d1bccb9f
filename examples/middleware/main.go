// Command middleware protects an HTTP server with httpx.Middleware: a rate
// limit answered with 429, a concurrency limit and a deadline answered
// with 503, each with a Retry-After header that tells clients when to come
// back.
//
// The server is a loopback server the program starts and stops.
//
//	go run ./examples/middleware
package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/ratelimit"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	// /search may be called 3 times at once, then once a minute.
	// These configs are static: Middleware panics, naming the field, if
	// one is invalid. Call ServerConfig.Validate first for configs read at
	// run time.
	limited := httpx.Middleware(httpx.ServerConfig{
		Name:      "search",
		RateLimit: ratelimit.Config{Rate: 1, Period: time.Minute, Burst: 3},
	})
	// /report runs one at a time; others are turned away at once.
	exclusive := httpx.Middleware(httpx.ServerConfig{Name: "report", MaxConcurrent: 1, RetryAfter: 5 * time.Second})
	// /slow must have answered within 50ms.
	bounded := httpx.Middleware(httpx.ServerConfig{Name: "slow", Timeout: 50 * time.Millisecond})

	reportStarted, releaseReport := make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/search", limited(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "results")
	})))
	mux.Handle("/report", exclusive(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("hold") != "" {
			close(reportStarted)
			<-releaseReport
		}
		fmt.Fprint(w, "report")
	})))
	mux.Handle("/slow", bounded(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // stuck until its deadline, with nothing written
	})))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}

	get := func(path string) string {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			return "error: " + err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		line := fmt.Sprintf("%d %q", resp.StatusCode, strings.TrimSpace(string(body)))
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			line += " Retry-After: " + ra
		}
		return line
	}

	fmt.Fprintln(w, "1. Rate limit: a burst of 3, then 1 a minute.")
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(w, "  GET /search #%d -> %s\n", i, get("/search"))
	}

	fmt.Fprintln(w, "2. Concurrency limit: one report at a time.")
	held := make(chan string)
	go func() { held <- get("/report?hold=1") }()
	<-reportStarted
	fmt.Fprintf(w, "  GET /report while one runs -> %s\n", get("/report"))
	close(releaseReport)
	fmt.Fprintf(w, "  the report that ran -> %s\n", <-held)

	fmt.Fprintln(w, "3. Deadline: a handler that has not answered in 50ms gets a 503 sent for it.")
	fmt.Fprintf(w, "  GET /slow -> %s\n", get("/slow"))
	return nil
}
