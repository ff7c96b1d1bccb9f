package doccheck_test

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A block is one fenced code block of a Markdown file.
type block struct {
	file string // path relative to the module root, e.g. "docs/http.md"
	line int    // line of the block's first code line, from 1
	lang string // the fence's info string: "go", "sh", ...
	text string
}

func (b block) String() string { return b.file + ":" + strconv.Itoa(b.line) }

// peer returns the library a block shows when its first line is a
// "// peer: NAME" mark, and "" otherwise.
func (b block) peer() string {
	first, _, _ := strings.Cut(strings.TrimLeft(b.text, "\n"), "\n")
	name, ok := strings.CutPrefix(strings.TrimSpace(first), "// peer:")
	if !ok {
		return ""
	}
	return strings.TrimSpace(name)
}

var fenceRE = regexp.MustCompile("^ {0,3}(```+)\\s*([^`\\s]*)")

// extract returns the fenced code blocks of a Markdown document.
func extract(file, doc string) []block {
	var (
		blocks []block
		cur    *block
		fence  string
		lines  []string
	)
	sc := bufio.NewScanner(strings.NewReader(doc))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if cur == nil {
			if m := fenceRE.FindStringSubmatch(line); m != nil {
				cur, fence, lines = &block{file: file, line: n + 1, lang: m[2]}, m[1], nil
			}
			continue
		}
		if strings.TrimSpace(line) == fence {
			cur.text = strings.Join(lines, "\n") + "\n"
			blocks = append(blocks, *cur)
			cur = nil
			continue
		}
		lines = append(lines, line)
	}
	return blocks
}

// knownImports maps the package names that blocks may use without an
// import line to their import paths.
var knownImports = map[string]string{
	"resilience":     "github.com/go-resilience/resilience",
	"budget":         "github.com/go-resilience/resilience/budget",
	"bulkhead":       "github.com/go-resilience/resilience/bulkhead",
	"circuitbreaker": "github.com/go-resilience/resilience/circuitbreaker",
	"fallback":       "github.com/go-resilience/resilience/fallback",
	"hedge":          "github.com/go-resilience/resilience/hedge",
	"httpx":          "github.com/go-resilience/resilience/httpx",
	"ratelimit":      "github.com/go-resilience/resilience/ratelimit",
	"resiliencetest": "github.com/go-resilience/resilience/resiliencetest",
	"retry":          "github.com/go-resilience/resilience/retry",
	"timeout":        "github.com/go-resilience/resilience/timeout",

	"clock":    "github.com/benbjohnson/clock",
	"assert":   "github.com/stretchr/testify/assert",
	"require":  "github.com/stretchr/testify/require",
	"goleak":   "go.uber.org/goleak",
	"errgroup": "golang.org/x/sync/errgroup",

	"atomic":    "sync/atomic",
	"bytes":     "bytes",
	"context":   "context",
	"driver":    "database/sql/driver",
	"errors":    "errors",
	"fmt":       "fmt",
	"http":      "net/http",
	"httptest":  "net/http/httptest",
	"httptrace": "net/http/httptrace",
	"io":        "io",
	"json":      "encoding/json",
	"log":       "log",
	"maps":      "maps",
	"math":      "math",
	"net":       "net",
	"os":        "os",
	"rand":      "math/rand/v2",
	"runtime":   "runtime",
	"slices":    "slices",
	"slog":      "log/slog",
	"sort":      "sort",
	"sql":       "database/sql",
	"strconv":   "strconv",
	"strings":   "strings",
	"sync":      "sync",
	"synctest":  "testing/synctest",
	"testing":   "testing",
	"time":      "time",
	"url":       "net/url",
}

// The shapes a Go block can have.
const (
	shapeFile  = "file"  // a whole file, package clause included
	shapeDecls = "decls" // top-level declarations
	shapeStmts = "stmts" // statements: the body of a func
)

// source turns a Go block into the source of a file of package pkg, and
// says what shape the block has. Line directives make the compiler report
// positions in the Markdown file.
func source(b block, pkg string) (src, shape string, err error) {
	directive := "//line " + b.file + ":" + strconv.Itoa(b.line) + "\n"
	fset := token.NewFileSet()
	if f, err := parser.ParseFile(fset, "", b.text, parser.PackageClauseOnly); err == nil && f.Name != nil {
		return directive + b.text, shapeFile, nil
	}

	// Declarations, else statements.
	head := "package " + pkg + "\n"
	shape = shapeDecls
	body := directive + b.text
	f, err := parser.ParseFile(fset, "", head+body, parser.AllErrors)
	if err != nil {
		shape = shapeStmts
		body = "func _() {\n" + directive + b.text + "}\n"
		if f, err = parser.ParseFile(fset, "", head+body, parser.AllErrors); err != nil {
			return "", "", fmt.Errorf("%s: neither a file, declarations nor statements: %w", b, err)
		}
	}
	imports := missingImports(f)
	if len(imports) == 0 {
		return head + body, shape, nil
	}
	return head + "\nimport (\n\t" + strings.Join(imports, "\n\t") + "\n)\n\n" + body, shape, nil
}

// declaresTests reports whether the Go source src declares a func TestXxx
// or TestMain: such a block goes to a _test.go file, and its tests run.
func declaresTests(src string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
	if err != nil {
		return false
	}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Test") {
			return true
		}
	}
	return false
}

// missingImports returns the import specs of the known packages that f
// uses without importing.
func missingImports(f *ast.File) []string {
	have := map[string]bool{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		name := pkgName(path)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		have[name] = true
	}
	var specs []string
	for _, id := range f.Unresolved {
		path, ok := knownImports[id.Name]
		if !ok || have[id.Name] {
			continue
		}
		have[id.Name] = true
		if pkgName(path) == id.Name {
			specs = append(specs, strconv.Quote(path))
		} else {
			specs = append(specs, id.Name+" "+strconv.Quote(path))
		}
	}
	slices.Sort(specs)
	return specs
}

// pkgName returns the name of the package at an import path, for the
// paths of knownImports: its last element, or the one before a major
// version suffix ("math/rand/v2" is rand).
func pkgName(path string) string {
	dir, last := filepath.Split(path)
	if len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		return filepath.Base(dir)
	}
	return last
}

// moduleRoot returns the directory of the module's go.mod, found upwards
// from the test's directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the test directory")
		}
		dir = parent
	}
}

// docFiles returns README.md and docs/*.md, relative to root.
func docFiles(root string) ([]string, error) {
	files := []string{"README.md"}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		rel, err := filepath.Rel(root, d)
		if err != nil {
			return nil, err
		}
		files = append(files, filepath.ToSlash(rel))
	}
	slices.Sort(files[1:])
	return files, nil
}
