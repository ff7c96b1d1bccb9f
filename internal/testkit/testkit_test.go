package testkit_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"go.uber.org/goleak"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a testing.TB whose Fatalf records the failure and stops the
// check, so that the test can see that CheckConfig would fail.
type recorder struct {
	testing.TB
	failed string
}

type stop struct{}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(stop{})
}

func check(t *testing.T, policy string, err error, bad []string, build func()) string {
	r := &recorder{TB: t}
	func() {
		defer func() {
			if v := recover(); v != nil && v != (stop{}) {
				panic(v)
			}
		}()
		testkit.CheckConfig(r, policy, err, bad, build)
	}()
	return r.failed
}

func TestCheckConfig(t *testing.T) {
	cfgErr := &resilience.ConfigError{Policy: "retry", Field: "MaxAttempts", Value: -2, Rule: "must be -1 (unlimited) or >= 0"}
	panicking := func() { panic(error(cfgErr)) }
	fine := func() {}
	for _, tc := range []struct {
		name, policy string
		err          error
		bad          []string
		build        func()
		fails        bool
	}{
		{"valid and built", "retry", nil, nil, fine, false},
		{"invalid, named, New panics with it", "retry", cfgErr, []string{"MaxAttempts"}, panicking, false},
		{"any policy accepted", "", cfgErr, []string{"MaxAttempts"}, panicking, false},
		{"valid but Validate errs", "retry", cfgErr, nil, fine, true},
		{"valid but New panics", "retry", nil, nil, panicking, true},
		{"invalid but Validate is nil", "retry", nil, []string{"MaxAttempts"}, panicking, true},
		{"wrong policy", "timeout", cfgErr, []string{"MaxAttempts"}, panicking, true},
		{"wrong field", "retry", cfgErr, []string{"Backoff"}, panicking, true},
		{"not a ConfigError", "retry", errors.New("bad"), []string{"MaxAttempts"}, panicking, true},
		{"New does not panic", "retry", cfgErr, []string{"MaxAttempts"}, fine, true},
	} {
		if failed := check(t, tc.policy, tc.err, tc.bad, tc.build); (failed != "") != tc.fails {
			t.Errorf("%s: CheckConfig failed = %q, want failure %v", tc.name, failed, tc.fails)
		}
	}
}

func TestCheckProgram(t *testing.T) {
	run := func(w io.Writer) error { _, err := io.WriteString(w, "hi\n"); return err }
	main := func() { fmt.Println("hi") }
	testkit.CheckProgram(t, run, main, "hi\n")
}

func TestRequireConfigError(t *testing.T) {
	err := error(&resilience.ConfigError{Policy: "retry", Field: "MaxAttempts", Value: -2, Rule: "must be -1 (unlimited) or >= 0"})
	for _, tc := range []struct {
		name, policy, field string
		value               any
		err                 error
		fails               bool
	}{
		{"matches", "retry", "MaxAttempts", -2, err, false},
		{"wrapped", "retry", "MaxAttempts", -2, fmt.Errorf("load: %w", err), false},
		{"wrong policy", "timeout", "MaxAttempts", -2, err, true},
		{"wrong field", "retry", "Backoff", -2, err, true},
		{"wrong value", "retry", "MaxAttempts", -3, err, true},
		{"not a ConfigError", "retry", "MaxAttempts", -2, errors.New("bad"), true},
		{"nil", "retry", "MaxAttempts", -2, nil, true},
	} {
		r := &recorder{TB: t}
		func() {
			defer func() {
				if v := recover(); v != nil && v != (stop{}) {
					panic(v)
				}
			}()
			testkit.RequireConfigError(r, tc.err, tc.policy, tc.field, tc.value, tc.name)
		}()
		if (r.failed != "") != tc.fails {
			t.Errorf("%s: RequireConfigError failed = %q, want failure %v", tc.name, r.failed, tc.fails)
		}
	}
}

func TestRateOK(t *testing.T) {
	for f, want := range map[float64]bool{
		0: true, 0.5: true, 1: true, 0.1: true, 1.0 / 3: true, 1e-19: true,
		-0.1: false, 1.0000001: false, 1e-20: false, 0.12345678901234567e-5: false,
	} {
		if got := testkit.RateOK(f); got != want {
			t.Errorf("RateOK(%v) = %v, want %v", f, got, want)
		}
	}
}
