package httpx_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/go-resilience/resilience/httpx"
	"github.com/go-resilience/resilience/ratelimit"
)

// The middleware sheds load before it reaches the handler: over the rate
// limit a request gets 429, over the concurrency limit 503, each with a
// Retry-After telling the client when to come back.
func ExampleMiddleware() {
	protect := httpx.Middleware(httpx.ServerConfig{
		RateLimit:     ratelimit.Config{Rate: 2, Period: time.Minute, Burst: 2},
		MaxConcurrent: 100,
		Timeout:       10 * time.Second,
	})
	handler := protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))

	for range 3 {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		fmt.Printf("%d Retry-After=%q\n", rec.Code, rec.Header().Get("Retry-After"))
	}
	// Output:
	// 200 Retry-After=""
	// 200 Retry-After=""
	// 429 Retry-After="30"
}

// With a Timeout, a handler that has not answered by the deadline is
// answered 503 for it; its ctx is done, and its later writes fail.
func ExampleMiddleware_timeout() {
	protect := httpx.Middleware(httpx.ServerConfig{Timeout: 10 * time.Millisecond})
	handler := protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // a slow handler that honours its ctx
		_, err := io.WriteString(w, "too late")
		fmt.Println("handler:", err)
	}))

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Println(rec.Code, rec.Header().Get("Retry-After"))
	// Output:
	// handler: http: Handler timeout
	// 503 1
}
