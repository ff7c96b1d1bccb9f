package main

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRun runs the program and checks what it prints, so that the example
// keeps working and keeps saying what its comments say.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	assert.Equal(t, want, out.String())
}

// TestMainPrints runs main as go run does, with its standard output
// captured.
func TestMainPrints(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	stdout := os.Stdout
	os.Stdout = w
	defer func() { os.Stdout = stdout }()
	printed := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		printed <- string(b)
	}()
	main()
	require.NoError(t, w.Close())
	assert.Equal(t, want, <-printed)
}

const want = `1. Rate limit: a burst of 3, then 1 a minute.
  GET /search #1 -> 200 "results"
  GET /search #2 -> 200 "results"
  GET /search #3 -> 200 "results"
  GET /search #4 -> 429 "Too Many Requests" Retry-After: 60
2. Concurrency limit: one report at a time.
  GET /report while one runs -> 503 "Service Unavailable" Retry-After: 5
  the report that ran -> 200 "report"
3. Deadline: a handler that has not answered in 50ms gets a 503 sent for it.
  GET /slow -> 503 "Service Unavailable" Retry-After: 1
`
