package doccheck_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// guides are the documents that must exist, each with Go code in it.
var guides = []string{
	"README.md",
	"docs/composition.md",
	"docs/http.md",
	"docs/testing.md",
	"docs/observability.md",
	"docs/migration-failsafe-go.md",
	"docs/migration-gobreaker.md",
	"docs/migration-hystrix-go.md",
	"docs/migration-retryablehttp.md",
	"docs/migration-resilience4j-polly.md",
}

// peers are the libraries a "// peer: NAME" mark may name.
var peers = []string{
	"failsafe-go", "gobreaker", "hystrix-go", "go-retryablehttp",
	"cenkalti/backoff", "go-resiliency", "heimdall", "resilience4j", "Polly",
}

// docs reads every document and returns its blocks, by file.
func docs(t *testing.T) (root string, files []string, blocks map[string][]block) {
	t.Helper()
	root, err := moduleRoot()
	require.NoError(t, err)
	files, err = docFiles(root)
	require.NoError(t, err)
	blocks = map[string][]block{}
	for _, f := range files {
		text, err := os.ReadFile(filepath.Join(root, f))
		require.NoError(t, err, "read %s", f)
		blocks[f] = extract(f, string(text))
	}
	return root, files, blocks
}

func TestGuidesHaveGoCode(t *testing.T) {
	_, files, blocks := docs(t)
	for _, g := range guides {
		if !assert.Contains(t, files, g, "%s is missing", g) {
			continue
		}
		ours := 0
		for _, b := range blocks[g] {
			if b.lang == "go" && b.peer() == "" {
				ours++
			}
		}
		assert.NotZero(t, ours, "%s has no Go block of ours", g)
	}
}

func TestCodeBlocksCompile(t *testing.T) {
	root, files, blocks := docs(t)
	var goBlocks []block
	for _, f := range files {
		for _, b := range blocks[f] {
			if b.lang != "go" {
				continue
			}
			if p := b.peer(); p != "" {
				assert.Contains(t, peers, p, "%s: unknown peer in its // peer: mark", b)
				continue
			}
			goBlocks = append(goBlocks, b)
		}
	}
	require.NotEmpty(t, goBlocks)
	out, err := build(t, root, goBlocks)
	require.NoError(t, err, "code blocks of the docs do not compile:\n%s", out)
	t.Logf("%d Go blocks compile", len(goBlocks))
}

// The check must catch a block that does not compile, and report it at
// its place in the Markdown file.
func TestBrokenBlockFails(t *testing.T) {
	root, err := moduleRoot()
	require.NoError(t, err)
	md := "# Broken\n\n```go\nn := retry.Constant(time.Second)\n```\n\n```go\nfunc ok() *User { return nil }\n```\n"
	blocks := extract("docs/broken.md", md)
	require.Len(t, blocks, 2)
	out, err := build(t, root, blocks)
	require.Error(t, err, "a block with an unused variable compiled")
	assert.Contains(t, out, "docs/broken.md:4: declared and not used: n")
	assert.NotContains(t, out, "broken.md:8", "the valid block was reported")
}

// Blocks of one document build on each other; whole files stand alone,
// and another document does not see the first one's names.
func TestBlocksOfADocumentShareAPackage(t *testing.T) {
	root, err := moduleRoot()
	require.NoError(t, err)
	guide := "```go\ntype store struct{ users []User }\n```\n\n```go\nfunc (s *store) first() User { return s.users[0] }\n```\n\n" +
		"```go\npackage main\n\nfunc main() {}\n```\n"
	blocks := append(extract("docs/a.md", guide), extract("docs/b.md", "```go\nvar _ = (*store).first\n```\n")...)
	out, err := build(t, root, blocks[:3])
	require.NoError(t, err, "blocks of one document:\n%s", out)
	out, err = build(t, root, blocks)
	require.Error(t, err, "a document used another's names")
	assert.Contains(t, out, "docs/b.md:2: undefined: store")
}

// Tests a document declares run, and a failing one fails the check.
func TestDocumentTestsRun(t *testing.T) {
	root, err := moduleRoot()
	require.NoError(t, err)
	pass := "```go\nfunc TestPasses(t *testing.T) { assert.Equal(t, 2, 1+1) }\n```\n"
	out, err := build(t, root, extract("docs/pass.md", pass))
	require.NoError(t, err, "a passing test:\n%s", out)

	fail := "```go\nfunc TestFails(t *testing.T) { t.Errorf(\"doc test ran and failed\") }\n```\n"
	out, err = build(t, root, extract("docs/fail.md", fail))
	require.Error(t, err, "a failing test passed")
	assert.Contains(t, out, "doc test ran and failed")
}

func TestSourceShapes(t *testing.T) {
	tests := []struct {
		text      string
		wantShape string
		wantIn    []string
	}{
		{"package main\n\nfunc main() {}\n", shapeFile, []string{"//line x.md:3\npackage main"}},
		{"func f() time.Duration { return time.Second }\n", shapeDecls, []string{`import (` + "\n\t" + `"time"`, "package b\n"}},
		{"d := rand.N(time.Second)\n_ = d\n", shapeStmts, []string{`"math/rand/v2"`, `"time"`, "func _() {\n//line x.md:3\n"}},
		{"url := \"x\"\n_ = url\n", shapeStmts, nil},
	}
	for _, tt := range tests {
		src, shape, err := source(block{file: "x.md", line: 3, lang: "go", text: tt.text}, "b")
		require.NoError(t, err, "source(%q)", tt.text)
		assert.Equal(t, tt.wantShape, shape, "source(%q): shape", tt.text)
		for _, want := range tt.wantIn {
			assert.Contains(t, src, want, "source(%q)", tt.text)
		}
		if tt.wantIn == nil {
			assert.NotContains(t, src, "import", "source(%q): a local url is not the package", tt.text)
		}
	}
	_, _, err := source(block{file: "x.md", line: 1, text: "func {\n"}, "b")
	assert.Error(t, err, "a block that is no Go at all")
}

func TestExtract(t *testing.T) {
	md := "text\n```go\n// peer: gobreaker\nx\n```\n\n  ```sh\nmake test\n  ```\n````go\na\n```\nb\n````\n"
	got := extract("f.md", md)
	require.Len(t, got, 3)
	assert.Equal(t, block{file: "f.md", line: 3, lang: "go", text: "// peer: gobreaker\nx\n"}, got[0])
	assert.Equal(t, "gobreaker", got[0].peer())
	assert.Equal(t, block{file: "f.md", line: 8, lang: "sh", text: "make test\n"}, got[1])
	assert.Equal(t, "a\n```\nb\n", got[2].text, "a longer fence holds a shorter one")
	assert.Empty(t, got[2].peer())
}

var linkRE = regexp.MustCompile(`\]\(([^)\s]+)\)`)

func TestRelativeLinksResolve(t *testing.T) {
	root, files, _ := docs(t)
	for _, f := range files {
		text, err := os.ReadFile(filepath.Join(root, f))
		require.NoError(t, err)
		for _, m := range linkRE.FindAllStringSubmatch(prose(string(text)), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			path := filepath.Join(root, filepath.Dir(f), filepath.FromSlash(target))
			_, err := os.Stat(path)
			assert.NoError(t, err, "%s links to %s, which does not exist", f, m[1])
		}
	}
}

var codeSpanRE = regexp.MustCompile("`[^`]*`")

// prose returns a Markdown document without its code: fenced blocks and
// code spans, where `f[R](x)` is Go, not a link.
func prose(doc string) string {
	var b strings.Builder
	fence := ""
	for line := range strings.Lines(doc) {
		if m := fenceRE.FindStringSubmatch(line); m != nil && (fence == "" || strings.TrimSpace(line) == fence) {
			if fence == "" {
				fence = m[1]
			} else {
				fence = ""
			}
			continue
		}
		if fence == "" {
			b.WriteString(codeSpanRE.ReplaceAllString(line, "``"))
		}
	}
	return b.String()
}

func TestProse(t *testing.T) {
	doc := "See [a](a.md) and `f[R](d)`.\n```go\nx := y[0](z)\n```\n[b](b.md)\n"
	got := linkRE.FindAllStringSubmatch(prose(doc), -1)
	require.Len(t, got, 2)
	assert.Equal(t, "a.md", got[0][1])
	assert.Equal(t, "b.md", got[1][1])
}

// The README's quick start must be the body of the Example that runs it
// and checks its output, so that the README shows what the code does.
func TestReadmeQuickStartIsTested(t *testing.T) {
	root, _, blocks := docs(t)
	var quick string
	for _, b := range blocks["README.md"] {
		if b.lang == "go" && strings.Contains(b.text, "func main() {") {
			quick = funcBody(b.text, "func main() {")
			break
		}
	}
	require.NotEmpty(t, quick, "README.md has no quick start (a Go block with a main func)")
	example, err := os.ReadFile(filepath.Join(root, "readme_example_test.go"))
	require.NoError(t, err)
	body := funcBody(string(example), "func Example_quickStart() {")
	require.NotEmpty(t, body, "readme_example_test.go has no Example_quickStart")
	body, _, _ = strings.Cut(body, "\t// Output:")
	assert.Equal(t, strings.TrimSpace(quick), strings.TrimSpace(body),
		"the README's quick start and Example_quickStart differ")
}

// funcBody returns the lines between the line holding head and the next
// line that is just "}", or "".
func funcBody(src, head string) string {
	_, rest, ok := strings.Cut(src, head+"\n")
	if !ok {
		return ""
	}
	body, _, ok := strings.Cut(rest, "\n}\n")
	if !ok {
		return ""
	}
	return body + "\n"
}

// build compiles the blocks laid over the module with go build -overlay,
// so that nothing is written inside the module, runs the tests they
// declare, and returns the go command's and the tests' output. The blocks
// of one document that are not whole files form one package, one file
// each, with the prelude; each whole file is a package of its own.
func build(t *testing.T, root string, blocks []block) (string, error) {
	t.Helper()
	prelude, err := os.ReadFile(filepath.Join(root, "internal", "doccheck", "testdata", "prelude.go"))
	require.NoError(t, err)
	tmp := t.TempDir()
	overlay := map[string]string{}
	var pkgs, tested []string
	docPkg := map[string]string{} // document -> its package
	for i, b := range blocks {
		pkg, ok := docPkg[b.file]
		if !ok {
			pkg = fmt.Sprintf("doc%02d", len(docPkg))
		}
		src, shape, err := source(b, pkg)
		require.NoError(t, err)
		if shape == shapeFile {
			pkg = fmt.Sprintf("file%03d", i)
		} else if !ok {
			docPkg[b.file] = pkg
			p := strings.Replace(string(prelude), "package prelude", "package "+pkg, 1)
			overlay[filepath.Join(root, "internal", "doccheck", "blocks", pkg, "prelude.go")] = write(t, tmp, pkg+"_prelude.go", p)
		}
		path := "./internal/doccheck/blocks/" + pkg
		if shape == shapeFile || !ok {
			pkgs = append(pkgs, path)
		}
		name := fmt.Sprintf("block%03d.go", i)
		if declaresTests(src) {
			name = fmt.Sprintf("block%03d_test.go", i)
			if !slices.Contains(tested, path) {
				tested = append(tested, path)
			}
		}
		overlay[filepath.Join(root, "internal", "doccheck", "blocks", pkg, name)] = write(t, tmp, pkg+"_"+name, src)
	}
	spec, err := json.Marshal(map[string]any{"Replace": overlay})
	require.NoError(t, err)
	overlayFile := write(t, tmp, "overlay.json", string(spec))
	goCmd, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is needed to build the blocks")

	var out strings.Builder
	run := func(dir, name string, args ...string) error {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = &out, &out
		return cmd.Run()
	}
	if err := run(root, goCmd, append([]string{"build", "-overlay", overlayFile}, pkgs...)...); err != nil {
		return out.String(), err
	}
	for _, path := range tested {
		bin := filepath.Join(tmp, filepath.Base(path)+".test")
		if err := run(root, goCmd, "test", "-c", "-vet=off", "-overlay", overlayFile, "-o", bin, path); err != nil {
			return out.String(), err
		}
		// The binary runs in tmp: the package's directory exists only in
		// the overlay.
		if err := run(tmp, bin, "-test.count=1", "-test.timeout=2m"); err != nil {
			return out.String(), fmt.Errorf("tests of %s: %w", path, err)
		}
	}
	return out.String(), nil
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}
