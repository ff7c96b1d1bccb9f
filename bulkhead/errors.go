package bulkhead

import (
	"errors"
	"fmt"
	"time"
)

// ErrFull is matched (errors.Is) by the error of every call a bulkhead
// rejects because all its permits stayed taken.
var ErrFull = errors.New("bulkhead: full")

// FullError is the error a Bulkhead returns when it rejects a call. It
// wraps ErrFull and says which bulkhead refused. Callers usually test
// errors.Is(err, bulkhead.ErrFull); errors.As gives the details.
type FullError struct {
	Name          string        // the bulkhead's Config.Name
	MaxConcurrent int           // its number of permits, all taken
	Waited        time.Duration // how long the call queued first: the bulkhead's MaxWait
}

// Error reads like "bulkhead: full (db: 10 in flight, waited 100ms)".
func (e *FullError) Error() string {
	name := ""
	if e.Name != "" {
		name = e.Name + ": "
	}
	if e.Waited > 0 {
		return fmt.Sprintf("%s (%s%d in flight, waited %v)", ErrFull, name, e.MaxConcurrent, e.Waited)
	}
	return fmt.Sprintf("%s (%s%d in flight)", ErrFull, name, e.MaxConcurrent)
}

// Unwrap returns ErrFull.
func (e *FullError) Unwrap() error { return ErrFull }
