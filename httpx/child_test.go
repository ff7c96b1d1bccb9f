package httpx_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"
)

// childEnv names, in a child test process, the one test it runs.
const childEnv = "HTTPX_TEST_CHILD"

// inParent runs the calling test again in a child process of its own and
// reports true in the parent, which then has checked that the child
// passed; in the child it reports false, and the test goes on there. It
// is for tests whose failure is a crash of the process (a panic on a
// goroutine no test can recover), which would otherwise end the whole
// suite instead of failing one test.
func inParent(t *testing.T) bool {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+t.Name())) {
		t.Fatalf("%s failed in its own process (%v):\n%s", t.Name(), err, out)
	}
	return true
}
