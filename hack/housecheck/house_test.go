// Package housecheck holds the tests that keep the house in the shape
// STYLE.md describes: files that do one job, functions short enough to read,
// and imports that point one way. They read the source as text and syntax
// trees; nothing here is built into the plugin.
package housecheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const (
	// maxFileLines is where a file starts to do several jobs (STYLE.md:
	// "a file past ~600 lines is a sign that it does several jobs").
	maxFileLines = 600
	// maxFuncLines is where a function wants a split or a reason: a doc
	// comment that says "long because ...".
	maxFuncLines = 80
	module       = "github.com/eksaccess/kubectl-eksaccess/"
)

var generated = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

// sourceFile is one non-test Go file of the plugin, parsed.
type sourceFile struct {
	path  string // relative to the repository root
	lines int
	file  *ast.File
	fset  *token.FileSet
}

// pluginSources parses every non-test, non-generated Go file under cmd/ and
// pkg/: the code that is built into the plugin.
func pluginSources(t *testing.T) []sourceFile {
	t.Helper()
	root := filepath.Join("..", "..")
	var out []sourceFile
	for _, dir := range []string{"cmd", "pkg"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if generated.Match(src) {
				return nil
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, p, src, parser.ParseComments)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			out = append(out, sourceFile{path: filepath.ToSlash(rel), lines: strings.Count(string(src), "\n"), file: f, fset: fset})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 20 {
		t.Fatalf("found only %d source files under cmd/ and pkg/: is the test running from hack/housecheck?", len(out))
	}
	return out
}

func TestNoFileOverLimit(t *testing.T) {
	for _, f := range pluginSources(t) {
		if f.lines > maxFileLines {
			t.Errorf("%s has %d lines (limit %d): split it along the seams its section comments mark", f.path, f.lines, maxFileLines)
		}
	}
}

func TestNoLongFunctionWithoutReason(t *testing.T) {
	for _, f := range pluginSources(t) {
		for _, d := range f.file.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			n := f.fset.Position(fd.End()).Line - f.fset.Position(fd.Pos()).Line + 1
			if n <= maxFuncLines {
				continue
			}
			if fd.Doc != nil && strings.Contains(strings.ToLower(fd.Doc.Text()), "long because") {
				continue
			}
			t.Errorf("%s:%d: func %s has %d lines (limit %d): split it, or say why in its doc comment (\"... long because ...\")",
				f.path, f.fset.Position(fd.Pos()).Line, fd.Name.Name, n, maxFuncLines)
		}
	}
}

// forbidden lists, per package of the plugin (by path prefix), the imports
// that would make the arrows of STYLE.md's house point the wrong way.
var forbidden = []struct {
	pkg     string
	exclude string // a sub-path that has its own row
	imports []string
}{
	{pkg: "pkg/awsauth", imports: []string{"k8s.io/client-go", "k8s.io/cli-runtime", "github.com/spf13/", "github.com/aws/", "net/http", "os", module + "pkg/cmd", module + "pkg/kube", module + "pkg/awsapi", module + "pkg/diagnose", module + "pkg/output", module + "pkg/accessentry", module + "pkg/manifest"}},
	{pkg: "pkg/manifest", imports: []string{"k8s.io/client-go", "k8s.io/cli-runtime", "github.com/spf13/", "github.com/aws/", "net/http", "os", module + "pkg/cmd", module + "pkg/kube"}},
	{pkg: "pkg/accessentry", imports: []string{"k8s.io/client-go", "k8s.io/cli-runtime", "github.com/spf13/", "github.com/aws/", "net/http", "os", module + "pkg/cmd", module + "pkg/kube", module + "pkg/awsapi", module + "pkg/diagnose", module + "pkg/output"}},
	{pkg: "pkg/diagnose", exclude: "pkg/diagnose/gather", imports: []string{"k8s.io/client-go", "k8s.io/cli-runtime", "github.com/spf13/", "github.com/aws/", "net/http", "os", module + "pkg/cmd", module + "pkg/kube", module + "pkg/awsapi", module + "pkg/output"}},
	{pkg: "pkg/diagnose/gather", imports: []string{"github.com/spf13/", "k8s.io/cli-runtime", module + "pkg/cmd", module + "pkg/output"}},
	{pkg: "pkg/kube", imports: []string{"github.com/spf13/", "github.com/aws/", module + "pkg/cmd", module + "pkg/output", module + "pkg/awsapi", module + "pkg/diagnose"}},
	{pkg: "pkg/awsapi", imports: []string{"github.com/spf13/", "k8s.io/client-go", "k8s.io/cli-runtime", module + "pkg/cmd", module + "pkg/kube", module + "pkg/output", module + "pkg/diagnose"}},
	{pkg: "pkg/output", imports: []string{"github.com/spf13/", "k8s.io/client-go", "github.com/aws/", "net/http", module + "pkg/cmd", module + "pkg/kube", module + "pkg/awsapi"}},
	{pkg: "cmd/", imports: []string{"k8s.io/client-go", "github.com/aws/", module + "pkg/awsauth", module + "pkg/kube", module + "pkg/awsapi", module + "pkg/diagnose", module + "pkg/output"}},
}

func TestImportsPointOneWay(t *testing.T) {
	checked := 0
	for _, f := range pluginSources(t) {
		for _, rule := range forbidden {
			if !strings.HasPrefix(f.path, rule.pkg) || (rule.exclude != "" && strings.HasPrefix(f.path, rule.exclude)) {
				continue
			}
			checked++
			for _, imp := range f.file.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, bad := range rule.imports {
					if path == bad || strings.HasPrefix(path, strings.TrimSuffix(bad, "/")+"/") || (strings.HasSuffix(bad, "/") && strings.HasPrefix(path, bad)) {
						t.Errorf("%s imports %s: %s must not depend on it (see STYLE.md, The house)", f.path, path, rule.pkg)
					}
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d files matched a rule: did the packages move? update the table", checked)
	}
}
