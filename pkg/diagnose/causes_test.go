package diagnose

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEveryCauseRanked reads the package's source: every code passed as a
// cause (because, mayBecause, forbiddenCheck.cause) has a rank in the one
// table, and every code that may be only possible has a maybe rank too.
func TestEveryCauseRanked(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	codes := map[string]string{} // constant name → code
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		for _, decl := range f.Decls {
			if g, ok := decl.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && strings.HasPrefix(n.Name, "Code") {
							codes[n.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	calls := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "because" && sel.Sel.Name != "mayBecause" && sel.Sel.Name != "cause") {
				return true
			}
			for _, a := range call.Args {
				id, ok := a.(*ast.Ident)
				if !ok || !strings.HasPrefix(id.Name, "Code") {
					continue
				}
				calls++
				code, ok := codes[id.Name]
				if !ok {
					t.Fatalf("%s: no constant %s", fset.Position(id.Pos()), id.Name)
				}
				if _, ok := causeRanks[code]; !ok {
					t.Errorf("%s: %s (%s) has no rank in causeRanks", fset.Position(call.Pos()), id.Name, code)
				}
				if _, ok := maybeRanks[code]; sel.Sel.Name == "mayBecause" && !ok {
					t.Errorf("%s: %s (%s) has no rank in maybeRanks", fset.Position(call.Pos()), id.Name, code)
				}
			}
			return true
		})
	}
	if calls < 30 {
		t.Errorf("found %d cause calls, want at least 30: were they renamed?", calls)
	}
}
