package prelude

// This file is compiled beside every README and docs code block that is not
// a whole file (see the package documentation): its names stand for the
// caller's own code, so that the guides need not declare them each time.

import (
	"context"
	"errors"
)

// User is what the guides' examples load.
type User struct {
	ID   string
	Name string
}

// loadUser stands for the call a policy guards: a query, an RPC.
func loadUser(ctx context.Context, id string) (*User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &User{ID: id, Name: "Ada"}, nil
}

// errNotFound stands for an answer that is not a failure of the dependency.
var errNotFound = errors.New("not found")
