package httpx

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/debug"
)

// A PanicError is a panic recovered where it must not crash the process:
// on a goroutine of the library's own, which no caller's recover can
// reach. A [Failover]'s health-check goroutine recovers so a panic in
// Next during a check, which fails the check with this error (wrapped) as
// HealthResult.Err, and a panic in OnCheck; it reports both to the
// Observer as a resilience.EventFailure whose Err wraps this error, and
// drops a panic of the Observer. Panics on a caller's goroutine are never
// turned into errors: they propagate unchanged.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the stack of the goroutine that panicked
}

func newPanicError(v any) *PanicError {
	return &PanicError{Value: v, Stack: debug.Stack()}
}

// Error reads like "httpx: panic: runtime error: invalid memory address".
func (e *PanicError) Error() string { return fmt.Sprintf("httpx: panic: %v", e.Value) }

// Unwrap returns Value if it is an error, so that errors.Is and errors.As
// reach it; else nil.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// goroutineID returns the id of the calling goroutine, read from the first
// line of its stack trace ("goroutine 42 [running]:"), or 0 if that line
// does not read so. It costs a stack trace: for rare calls only (Close).
func goroutineID() uint64 {
	var buf [64]byte
	line := buf[:runtime.Stack(buf[:], false)]
	line, ok := bytes.CutPrefix(line, []byte("goroutine "))
	if !ok {
		return 0
	}
	var id uint64
	for _, c := range line {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}
