package main

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/go-resilience/resilience/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRun runs the program and checks what it prints, through run and
// through main, so that the example keeps working and keeps saying what its
// comments say.
func TestRun(t *testing.T) { testkit.CheckProgram(t, run, main, want) }

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
