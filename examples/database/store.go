package main

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// errHang, scripted, makes a query block until its ctx ends.
var errHang = errors.New("hang")

// Store stands in for a database: it answers from a map, and fails the
// next queries as scripted. It honours ctx like a real driver.
type Store struct {
	mu      sync.Mutex // guards the fields below
	rows    map[string]string
	script  []error // what the next queries do, in order
	queries int
}

// NewStore returns a Store holding the given users (id -> name).
func NewStore(rows map[string]string) *Store {
	return &Store{rows: rows}
}

// Script sets what the next queries do: return the error, or, for
// errHang, block until their ctx ends.
func (s *Store) Script(errs ...error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, errs...)
}

// Queries returns the number of queries run so far.
func (s *Store) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

// QueryUser is the call being guarded: SELECT name FROM users WHERE id = ?.
func (s *Store) QueryUser(ctx context.Context, id string) (User, error) {
	s.mu.Lock()
	s.queries++
	var next error
	if len(s.script) > 0 {
		next, s.script = s.script[0], s.script[1:]
	}
	name, ok := s.rows[id]
	s.mu.Unlock()

	switch {
	case next == errHang:
		<-ctx.Done()
		return User{}, ctx.Err()
	case next != nil:
		return User{}, next
	case !ok:
		return User{}, sql.ErrNoRows
	}
	return User{ID: id, Name: name}, nil
}
