// Command database wraps a database-style call in policies: a bulkhead the
// size of the connection pool, a retry for transient errors only, a circuit
// breaker that ignores "no rows", and a per-attempt timeout.
//
// The store is an in-memory stand-in that fails on cue, so the program
// runs anywhere; swap in a *sql.DB query and nothing else changes.
//
//	go run ./examples/database
package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/bulkhead"
	"github.com/go-resilience/resilience/circuitbreaker"
	"github.com/go-resilience/resilience/retry"
	"github.com/go-resilience/resilience/timeout"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// User is a row of the users table.
type User struct {
	ID, Name string
}

// Users loads users through one executor, built once and shared by every
// goroutine that loads users.
type Users struct {
	db      *Store
	breaker *circuitbreaker.Breaker[User]
	exec    *resilience.Executor[User]
}

// NewUsers builds the policies of the users query. Progress lines go to w.
func NewUsers(db *Store, w io.Writer) *Users {
	breaker := circuitbreaker.New(circuitbreaker.Config[User]{
		Name:                "users-db",
		ConsecutiveFailures: 5,
		OpenDelay:           10 * time.Second,
		// "No such user" is an answer, not a sign that the database is
		// broken.
		FailureIf: func(_ User, err error) bool {
			return err != nil && !errors.Is(err, sql.ErrNoRows)
		},
		OnStateChange: func(from, to circuitbreaker.State) {
			fmt.Fprintf(w, "  breaker: %s -> %s\n", from, to)
		},
	})
	return &Users{
		db:      db,
		breaker: breaker,
		exec: resilience.Compose(
			// At most as many queries in flight as the pool has
			// connections; a query waits 100ms for one at most.
			bulkhead.New[User](bulkhead.Config{Name: "users-db", MaxConcurrent: 4, MaxWait: 100 * time.Millisecond}),
			retry.New(retry.Config[User]{
				MaxAttempts: 3,
				Backoff:     retry.Exponential{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond, Jitter: retry.FullJitter},
				// Retry what a new attempt can fix: a dropped connection, an
				// attempt that ran out of time. Not "no rows", and not an
				// open breaker (retrying it would only wait for nothing).
				FailureIf: func(_ User, err error) bool {
					return errors.Is(err, driver.ErrBadConn) || errors.Is(err, timeout.ErrExceeded)
				},
				OnRetry: func(e retry.Event[User]) {
					fmt.Fprintf(w, "  attempt %d failed: %v; retrying\n", e.Attempt, e.Err)
				},
			}),
			breaker, // inside the retry: it sees every attempt
			timeout.New[User](timeout.Config{Timeout: 500 * time.Millisecond}),
		),
	}
}

// Load returns the user with the given id.
func (u *Users) Load(ctx context.Context, id string) (User, error) {
	return u.exec.Execute(ctx, func(ctx context.Context) (User, error) {
		return u.db.QueryUser(ctx, id)
	})
}

func run(w io.Writer) error {
	ctx := context.Background()
	db := NewStore(map[string]string{"ada": "Ada Lovelace", "alan": "Alan Turing"})
	users := NewUsers(db, w)

	show := func(id string) {
		user, err := users.Load(ctx, id)
		if err != nil {
			fmt.Fprintf(w, "  load %s: error: %v\n", id, err)
			return
		}
		fmt.Fprintf(w, "  load %s: %s\n", id, user.Name)
	}

	fmt.Fprintln(w, "1. Two dropped connections, then an answer:")
	db.Script(driver.ErrBadConn, driver.ErrBadConn)
	show("ada")

	fmt.Fprintln(w, "2. A missing row is an answer: no retry, no breaker failure:")
	show("grace")

	fmt.Fprintln(w, "3. A query that hangs is cut by the attempt timeout and retried:")
	db.Script(errHang)
	show("alan")

	fmt.Fprintln(w, "4. An outage: the breaker opens after 5 failed attempts in a row:")
	db.Script(repeat(driver.ErrBadConn, 20)...)
	for range 3 {
		show("ada")
	}
	_, err := users.Load(ctx, "ada")
	fmt.Fprintf(w, "  rejected without a query: %v (queries so far: %d)\n",
		errors.Is(err, circuitbreaker.ErrOpen), db.Queries())
	m := users.breaker.Metrics()
	fmt.Fprintf(w, "  breaker %s: %d failures in a row\n", m.State, m.ConsecutiveFailures)
	return nil
}

func repeat(err error, n int) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}
