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

const want = `1. Two dropped connections, then an answer:
  attempt 1 failed: driver: bad connection; retrying
  attempt 2 failed: driver: bad connection; retrying
  load ada: Ada Lovelace
2. A missing row is an answer: no retry, no breaker failure:
  load grace: error: sql: no rows in result set
3. A query that hangs is cut by the attempt timeout and retried:
  attempt 1 failed: timeout: exceeded after 500ms; retrying
  load alan: Alan Turing
4. An outage: the breaker opens after 5 failed attempts in a row:
  attempt 1 failed: driver: bad connection; retrying
  attempt 2 failed: driver: bad connection; retrying
  load ada: error: retry: exhausted after 3 attempts: driver: bad connection
  attempt 1 failed: driver: bad connection; retrying
  breaker: closed -> open
  load ada: error: retry: exhausted after 2 attempts: circuitbreaker: open (users-db) for longer than MaxRejectionWait 0s: driver: bad connection
  load ada: error: circuitbreaker: open (users-db)
  rejected without a query: true (queries so far: 11)
  breaker open: 5 failures in a row
`
