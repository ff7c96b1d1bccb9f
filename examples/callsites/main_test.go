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

const want = `1. Healthy (the recommendation service is slow):
  orders: [desk chair] (err: <nil>)
  count: 2
  place: "o-3" (err: <nil>)
  recommended: bestsellers
  database calls so far: 3
2. 50 concurrent page loads share the executors and the 10 connections:
  50 of 50 loaded; connections in use now: 0
3. The database goes down:
  [orders-db breaker: closed -> open]
  orders: [desk chair lamp] (err: <nil>)
  count: -1
  place: "" (err: circuitbreaker: open (orders-db))
  recommended: bestsellers
  database calls so far: 56
4. Still down: every call site fails fast, without calling it:
  orders: [desk chair lamp] (err: <nil>)
  count: -1
  place: "" (err: circuitbreaker: open (orders-db))
  recommended: bestsellers
  database calls so far: 56
`
