package testkit

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
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
