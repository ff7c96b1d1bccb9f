package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestDemoRuns drives a short demo and checks that the summary is there and
// that the resilient client answered at least as often as the plain one.
func TestDemoRuns(t *testing.T) {
	var out bytes.Buffer
	run(&out, options{duration: 2 * time.Second, failureRate: 0.3, concurrency: 2, pace: 5 * time.Millisecond, seed: 7})
	text := out.String()
	for _, want := range []string{"summary", "answered (fresh+cached)", "latency p99", "rejected by open breaker"} {
		if !strings.Contains(text, want) {
			t.Fatalf("demo output lacks %q:\n%s", want, text)
		}
	}
	m := regexp.MustCompile(`answered \(fresh\+cached\)\s+(\d+)%\s+(\d+)%`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no answered row in:\n%s", text)
	}
	plain, _ := strconv.Atoi(m[1])
	resilient, _ := strconv.Atoi(m[2])
	if resilient < plain {
		t.Errorf("resilient client answered %d%%, plain %d%%: want resilient >= plain\n%s", resilient, plain, text)
	}
}

func TestOptionsValidate(t *testing.T) {
	good := options{duration: time.Second, failureRate: 0.3, concurrency: 1}
	if err := good.validate(); err != nil {
		t.Fatalf("validate(%+v) = %v, want nil", good, err)
	}
	for _, tc := range []struct {
		mod  func(*options)
		want string
	}{
		{func(o *options) { o.duration = 0 }, "-duration = 0s"},
		{func(o *options) { o.failureRate = 1.5 }, "-failure-rate = 1.5"},
		{func(o *options) { o.concurrency = 0 }, "-concurrency = 0"},
		{func(o *options) { o.pace = -time.Second }, "-pace = -1s"},
	} {
		o := good
		tc.mod(&o)
		if err := o.validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("validate(%+v) = %v, want an error containing %q", o, err, tc.want)
		}
	}
}
