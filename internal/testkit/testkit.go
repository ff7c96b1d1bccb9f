// Package testkit holds the test helpers that the module's packages share:
// the check behind every FuzzValidate, and the harness that keeps the
// example programs printing what their comments say.
package testkit

import (
	"time"

	"context"
	"errors"
	"github.com/benbjohnson/clock"
	"io"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/go-resilience/resilience"
)

// CheckConfig checks err, what a Validate returned, against bad, the
// fields that the documented rules reject (none: the config is valid), and
// that build (New, and perhaps a call) agrees: it must not panic for a
// valid config and must panic with Validate's error for an invalid one.
// policy is the ConfigError.Policy expected; "" accepts any (a config that
// builds others').
func CheckConfig(t testing.TB, policy string, err error, bad []string, build func()) {
	t.Helper()
	panicked := func() (v any) {
		defer func() { v = recover() }()
		build()
		return nil
	}()
	if len(bad) == 0 {
		if err != nil || panicked != nil {
			t.Fatalf("valid config: Validate() = %v, New panicked with %v", err, panicked)
		}
		return
	}
	var ce *resilience.ConfigError
	if !errors.As(err, &ce) || !errors.Is(err, resilience.ErrInvalidConfig) || policy != "" && ce.Policy != policy {
		t.Fatalf("invalid %v: Validate() = %v, want a %s *ConfigError", bad, err, policy)
	}
	if !slices.Contains(bad, ce.Field) {
		t.Fatalf("Validate() = %v: names %s, want one of %v", err, ce.Field, bad)
	}
	if perr, ok := panicked.(error); !ok || perr.Error() != err.Error() {
		t.Fatalf("New panicked with %v, want Validate's error %v", panicked, err)
	}
}

// CheckProgram checks that an example program prints want, both through
// its run func and through main as `go run` calls it (standard output
// captured).
func CheckProgram(t *testing.T, run func(io.Writer) error, main func(), want string) {
	t.Helper()
	var out stringWriter
	if err := run(&out); err != nil {
		t.Fatalf("run: %v", err)
	}
	if out.s != want {
		t.Errorf("run printed:\n%s\nwant:\n%s", out.s, want)
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	defer func() { os.Stdout = stdout }()
	printed := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		printed <- string(b)
	}()
	main()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := <-printed; got != want {
		t.Errorf("main printed:\n%s\nwant:\n%s", got, want)
	}
}

type stringWriter struct{ s string }

func (w *stringWriter) Write(p []byte) (int, error) { w.s += string(p); return len(p), nil }

// Events is a resilience.Observer that keeps every event it sees; safe
// for concurrent use.
type Events struct {
	mu     sync.Mutex // guards events
	events []resilience.Event
}

// Observe records e.
func (r *Events) Observe(_ context.Context, e resilience.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// All returns a copy of the events seen so far, in order.
func (r *Events) All() []resilience.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]resilience.Event(nil), r.events...)
}

// RequireConfigError checks that err is a *resilience.ConfigError of
// policy naming field and value (and so wraps ErrInvalidConfig), failing
// the test at once if it is not one; msg prefixes the failure messages.
func RequireConfigError(t testing.TB, err error, policy, field string, value any, msg string) {
	t.Helper()
	var ce *resilience.ConfigError
	if !errors.As(err, &ce) || !errors.Is(err, resilience.ErrInvalidConfig) {
		t.Fatalf("%s: Validate() = %v (%T), want a *resilience.ConfigError", msg, err, err)
	}
	if ce.Policy != policy || ce.Field != field || !reflect.DeepEqual(ce.Value, value) {
		t.Fatalf("%s: Validate() names %s.%s = %#v, want %s.%s = %#v", msg, ce.Policy, ce.Field, ce.Value, policy, field, value)
	}
}

// RateOK is the circuit breaker's documented rule for a rate, written
// independently of the package: 0 (the default) or in (0, 1] with at most
// 19 decimal places in its shortest decimal form.
func RateOK(f float64) bool {
	if f == 0 {
		return true
	}
	if !(f > 0 && f <= 1) {
		return false
	}
	// Shortest form "d.ddde-XX": places = digits after the point - exponent.
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	_, frac, _ := strings.Cut(mant, ".")
	return len(frac)-e <= 19
}

// ParkClock is a mock clock that sends the duration of each timer, once
// it is set, on Parked (buffered, one deep), so that a test moves time
// only when the code under test is waiting.
type ParkClock struct {
	*clock.Mock
	Parked chan time.Duration
}

// NewParkClock returns a ParkClock at the mock clock's epoch.
func NewParkClock() ParkClock {
	return ParkClock{Mock: clock.NewMock(), Parked: make(chan time.Duration, 1)}
}

// Timer sets a timer on the mock clock and reports its duration on Parked.
func (c ParkClock) Timer(d time.Duration) *clock.Timer {
	t := c.Mock.Timer(d)
	c.Parked <- d
	return t
}
