// Command benchtable runs the side-by-side benchmarks several times and
// prints a Markdown table of medians with each peer's ratio to this library.
//
// Benchmarks are named Benchmark<Case>/<library>; the library
// "resilience" is the reference every other row of the case is compared to.
//
//	go run ./cmd/benchtable -count 6 -benchtime 1s [-bench regexp] [-o results.md]
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

const reference = "resilience"

func main() {
	count := flag.Int("count", 6, "runs of each benchmark (medians are taken over them)")
	benchtime := flag.String("benchtime", "1s", "go test -benchtime")
	bench := flag.String("bench", ".", "go test -bench regexp")
	in := flag.String("in", "", "read go test -bench output from this file instead of running it")
	out := flag.String("o", "", "also write the table to this file")
	flag.Parse()

	var raw []byte
	var err error
	if *in != "" {
		raw, err = os.ReadFile(*in)
	} else {
		raw, err = run(*bench, *benchtime, *count)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	table := render(parse(bytes.NewReader(raw)), *count, *benchtime)
	fmt.Print(table)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(table), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
	}
}

// run runs the benchmarks count times over, each round every benchmark
// once (rather than go test -count, which runs one benchmark count times
// before the next): a machine whose speed drifts during the run then
// slows every library of a case alike.
func run(bench, benchtime string, count int) ([]byte, error) {
	args := []string{"test", "-run", "^$", "-bench", bench, "-benchmem",
		"-benchtime", benchtime, "-count", "1", "./..."}
	var buf bytes.Buffer
	for i := range count {
		fmt.Fprintf(os.Stderr, "round %d of %d: go %s\n", i+1, count, strings.Join(args, " "))
		cmd := exec.Command("go", args...)
		cmd.Stdout = io.MultiWriter(&buf, os.Stderr)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return buf.Bytes(), err
		}
	}
	return buf.Bytes(), nil
}

// sample is one benchmark line: the standard measures, and any a
// benchmark reports of its own (b.ReportMetric), by unit.
type sample struct {
	ns, bytes, allocs float64
	extra             map[string]float64
}

// row is every sample of one Case/library pair.
type row struct {
	kase, lib string
	samples   []sample
}

func parse(r io.Reader) []*row {
	rows := map[string]*row{}
	var order []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndex(name, "-"); i > 0 { // GOMAXPROCS suffix
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		kase, lib, ok := strings.Cut(name, "/")
		if !ok {
			continue
		}
		var s sample
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				s.ns = v
			case "B/op":
				s.bytes = v
			case "allocs/op":
				s.allocs = v
			default:
				if s.extra == nil {
					s.extra = map[string]float64{}
				}
				s.extra[f[i+1]] = v
			}
		}
		if rows[name] == nil {
			rows[name] = &row{kase: kase, lib: lib}
			order = append(order, name)
		}
		rows[name].samples = append(rows[name].samples, s)
	}
	out := make([]*row, 0, len(order))
	for _, n := range order {
		out = append(out, rows[n])
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func field(r *row, f func(sample) float64) float64 {
	xs := make([]float64, len(r.samples))
	for i, s := range r.samples {
		xs[i] = f(s)
	}
	return median(xs)
}

func render(rows []*row, count int, benchtime string) string {
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "Medians of %d runs of -benchtime %s; %s/%s, GOMAXPROCS=%d, %s, host %s, %s.\n",
		count, benchtime, runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.Version(), host,
		time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "\"× ours\" is the row's time divided by this library's in the same case: above 1 means this library is faster.\n\n")
	fmt.Fprintf(&b, "| case | library | ns/op | B/op | allocs/op | × ours |\n|---|---|---:|---:|---:|---:|\n")
	ref := map[string]float64{}
	for _, r := range rows {
		if r.lib == reference {
			ref[r.kase] = field(r, func(s sample) float64 { return s.ns })
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].kase != rows[j].kase {
			return false // keep the cases in run order
		}
		return rows[i].lib == reference && rows[j].lib != reference
	})
	for _, r := range rows {
		ns := field(r, func(s sample) float64 { return s.ns })
		ratio := "—"
		if base, ok := ref[r.kase]; ok && base > 0 && r.lib != reference {
			ratio = fmtRatio(ns / base)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.0f | %.0f | %s |\n", r.kase, r.lib, fmtNs(ns),
			field(r, func(s sample) float64 { return s.bytes }),
			field(r, func(s sample) float64 { return s.allocs }), ratio)
	}
	renderExtra(&b, rows)
	return b.String()
}

// renderExtra adds a table of the medians of the metrics benchmarks
// reported of their own, if any did.
func renderExtra(b *strings.Builder, rows []*row) {
	header := false
	for _, r := range rows {
		units := map[string]bool{}
		for _, s := range r.samples {
			for u := range s.extra {
				units[u] = true
			}
		}
		sorted := make([]string, 0, len(units))
		for u := range units {
			sorted = append(sorted, u)
		}
		sort.Strings(sorted)
		for _, u := range sorted {
			if !header {
				fmt.Fprintf(b, "\n| case | library | metric | median |\n|---|---|---|---:|\n")
				header = true
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", r.kase, r.lib, u, fmtNs(field(r, func(s sample) float64 { return s.extra[u] })))
		}
	}
}

// fmtRatio shows a ratio near 1 (the HTTP cases, where a few percent
// matter) to two decimals, and others to one.
func fmtRatio(r float64) string {
	if r < 2 {
		return strconv.FormatFloat(r, 'f', 2, 64) + "×"
	}
	return strconv.FormatFloat(r, 'f', 1, 64) + "×"
}

func fmtNs(ns float64) string {
	switch {
	case ns >= 100:
		return strconv.FormatFloat(ns, 'f', 0, 64)
	case ns >= 10:
		return strconv.FormatFloat(ns, 'f', 1, 64)
	default:
		return strconv.FormatFloat(ns, 'f', 2, 64)
	}
}
