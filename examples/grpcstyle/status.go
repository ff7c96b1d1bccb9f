package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-resilience/resilience/timeout"
)

// Code is a gRPC-style status code. A real client would use
// google.golang.org/grpc/codes and status.Code(err); this program keeps to
// the standard library.
type Code int

// The codes this program uses.
const (
	OK Code = iota
	InvalidArgument
	NotFound
	ResourceExhausted
	Unavailable
	DeadlineExceeded
	Internal
)

var codeNames = [...]string{"OK", "INVALID_ARGUMENT", "NOT_FOUND", "RESOURCE_EXHAUSTED", "UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL"}

func (c Code) String() string { return codeNames[c] }

// StatusError is a failed RPC's status.
type StatusError struct {
	Code    Code
	Message string
	// Pushback is how long the server asked the client to wait before
	// trying again (gRPC's grpc-retry-pushback-ms); 0 if it did not say.
	Pushback time.Duration
}

func (e *StatusError) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// CodeOf returns the status code of an RPC's error, as status.Code does,
// with deadlines (a timeout policy's included) as DeadlineExceeded.
func CodeOf(err error) Code {
	var se *StatusError
	switch {
	case err == nil:
		return OK
	case errors.As(err, &se):
		return se.Code
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, timeout.ErrExceeded):
		return DeadlineExceeded
	}
	return Internal
}
