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

const want = `1. One replica hangs: the hedge answers.
  hedge: attempt 2, the first is slow
  => A-100 costs 19.99, calls: 2
2. UNAVAILABLE twice: a hedge, then a retry.
  hedge: attempt 2 at once, after UNAVAILABLE: connection refused
  retry: UNAVAILABLE: connection refused; backing off
  => A-100 costs 19.99, calls: 3
3. RESOURCE_EXHAUSTED with pushback: the retry waits as asked.
  retry: RESOURCE_EXHAUSTED: quota exceeded; waiting 30ms as the server asked
  => B-200 costs 4.50, calls: 2
4. INVALID_ARGUMENT: returned as it is.
  => error "INVALID_ARGUMENT: sku must not be empty", code INVALID_ARGUMENT, calls: 1
5. NOT_FOUND: an answer, not a failure.
  => error "NOT_FOUND: no price for Z-999", code NOT_FOUND, calls: 1
`
