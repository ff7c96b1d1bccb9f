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

const want = `1. All healthy: the primary answers.
  GET -> 200 "GET /items/42 from primary"
2. The primary fails with 502: a GET moves on to the secondary.
  left primary: httpx: 502 Bad Gateway
  GET -> 200 "GET /items/42 from secondary"
3. A POST is not idempotent: a 502 may mean it was processed, so it stays.
  POST -> 502 "POST /items/42 from primary"
4. The primary's breaker is open (2 failures in a row): it is skipped, even for a POST.
  POST -> 200 "POST /items/42 from secondary"
5. The secondary's health check fails: requests go to the tertiary.
  GET -> 200 "GET /items/42 from tertiary"
6. Every endpoint is skipped or down: the error tells why, endpoint by endpoint.
  left tertiary: dial failed
  GET -> error: primary: skipped, breaker open; secondary: skipped, health check failed; tertiary: dial failed
Endpoints:
  primary   healthy=true  attempts=3 failures=2 breaker=open
  secondary healthy=false attempts=2 failures=0 breaker=closed
  tertiary  healthy=true  attempts=2 failures=1 breaker=closed
`
