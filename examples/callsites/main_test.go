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
