package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// demoLine is one per-second line of the demo's table.
var demoLine = regexp.MustCompile(`(?m)^\s*(\S+)\s+\S+\s+\|\s+(\d+)\s+(\S+)\s+\S+\s+\|\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+\S+\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\|`)

// TestDemoRuns drives a short demo and checks that every number it prints
// reconciles with the others: the lines add up to the summary, fresh +
// cached + failed make the calls, and the requests sent are the calls
// plus the retries minus the rejected attempts.
func TestDemoRuns(t *testing.T) {
	var out bytes.Buffer
	run(&out, options{duration: 3 * time.Second, failureRate: 0.3, concurrency: 2, pace: 5 * time.Millisecond, seed: 7})
	text := out.String()
	for _, want := range []string{"Each line counts", "  tmo ", "  RA ", "  rej ", "  bud ", "summary", "Reading the summary"} {
		if !strings.Contains(text, want) {
			t.Fatalf("demo output lacks %q:\n%s", want, text)
		}
	}
	atoi := func(s string) int {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "%"))
		if err != nil {
			t.Fatalf("%q is not a number:\n%s", s, text)
		}
		return n
	}

	var lines, plainCalls, resCalls, retries, rejected, refused int
	for _, m := range demoLine.FindAllStringSubmatch(text, -1) {
		lines++
		plainCalls += atoi(m[2])
		n := atoi(m[4])
		resCalls += n
		if n > 0 {
			if sum := atoi(m[5]) + atoi(m[6]) + atoi(m[7]); sum < 99 || sum > 101 {
				t.Errorf("line %s: fresh + cached + failed = %d%%, want 100%% (rounded)", m[1], sum)
			}
		}
		retries += atoi(m[8])
		rejected += atoi(m[11])
		refused += atoi(m[12])
	}
	if lines < 3 {
		t.Fatalf("%d per-second lines, want at least 3:\n%s", lines, text)
	}

	row := func(label string, cols int) []string {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + `\s{2,}(.*)$`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no %q row in:\n%s", label, text)
		}
		f := regexp.MustCompile(`\S+(?: \(\S+\))?(?: [+-] \d+)*`).FindAllString(m[1], -1)
		if len(f) != cols {
			t.Fatalf("row %q has %d columns %q, want %d", label, len(f), f, cols)
		}
		return f
	}
	lead := func(s string) int { return atoi(strings.Fields(s)[0]) }
	calls := row("calls", 2)
	fresh, cached, errs := row("  fresh answers", 2), row("  cached answers (fallback)", 2), row("  errors seen by the app", 2)
	for i, name := range []string{"plain", "resilient"} {
		if got, want := lead(fresh[i])+lead(cached[i])+lead(errs[i]), atoi(calls[i]); got != want {
			t.Errorf("%s: fresh + cached + errors = %d, calls %d", name, got, want)
		}
	}
	if atoi(calls[0]) != plainCalls || atoi(calls[1]) != resCalls {
		t.Errorf("calls %v, but the lines add up to %d and %d", calls, plainCalls, resCalls)
	}
	if got := row("retries", 2)[1]; atoi(got) != retries {
		t.Errorf("retries %s, but the lines add up to %d", got, retries)
	}
	if got := row("attempts rejected by the open breaker", 2)[1]; atoi(got) != rejected {
		t.Errorf("rejected %s, but the lines add up to %d", got, rejected)
	}
	if got := row("retries refused by the retry budget", 2)[1]; atoi(got) != refused {
		t.Errorf("refused %s, but the lines add up to %d", got, refused)
	}
	sent := row("requests sent upstream", 2)
	if atoi(sent[0]) != plainCalls {
		t.Errorf("plain client: %s requests sent for %d calls", sent[0], plainCalls)
	}
	if want := resCalls + retries - rejected; atoi(sent[1]) != want {
		t.Errorf("resilient client: %s requests sent, want calls + retries - rejected = %d + %d - %d = %d", sent[1], resCalls, retries, rejected, want)
	}
	identity := row("  = calls + retries - rejected", 2)
	if want := fmt.Sprintf("%d + %d - %d", resCalls, retries, rejected); identity[1] != want {
		t.Errorf("identity row says %q, want %q", identity[1], want)
	}

	answered := row("answered (fresh + cached)", 2)
	if plain, resilient := atoi(answered[0]), atoi(answered[1]); resilient < plain {
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
