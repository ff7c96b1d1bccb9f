package testkit

import (
	"io"
	"os"
	"testing"
)

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
