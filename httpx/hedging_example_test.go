package httpx_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/go-resilience/resilience/httpx"
)

func ExampleHedging() {
	// The first request stalls; a hedge sent after 20ms answers at once.
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			<-r.Context().Done() // until the hedge wins and this one is cancelled
			return
		}
		fmt.Fprint(w, "answer from the hedge")
	}))
	defer srv.Close()

	client := &http.Client{Transport: httpx.Hedging(httpx.HedgingConfig{Delay: 20 * time.Millisecond})}
	resp, err := client.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	// Output: answer from the hedge
}
