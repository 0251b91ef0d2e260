package nn

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryForwardFiresHooks checks that every Forward method of this
// package (and ForwardMasked, which Forward calls) starts with the hooks
// prologue of the package documentation (`if HooksActive() { return
// CallHooked...(...) }`), or only calls a method that does: a layer added
// later without it would silently ignore hooks.
func TestEveryForwardFiresHooks(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Name.Name != "Forward" || fd.Body == nil || len(fd.Body.List) == 0 {
				continue
			}
			n++
			recv := types(fd.Recv.List[0].Type)
			if hooksPrologue(fd.Body.List[0]) || delegates(fd.Body.List) {
				continue
			}
			t.Errorf("%s: (%s).Forward does not start with the hooks prologue (see the package documentation, Hooks)", fset.Position(fd.Pos()), recv)
		}
	}
	if n < 20 {
		t.Errorf("only %d Forward methods found", n)
	}
}

func types(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		return "*" + types(s.X)
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return "?"
}

// hooksPrologue reports whether s is `if HooksActive() { ... CallHooked... }`.
func hooksPrologue(s ast.Stmt) bool {
	is, ok := s.(*ast.IfStmt)
	if !ok {
		return false
	}
	call, ok := is.Cond.(*ast.CallExpr)
	if !ok {
		return false
	}
	if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "HooksActive" {
		return false
	}
	found := false
	ast.Inspect(is.Body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && strings.HasPrefix(id.Name, "CallHooked") {
			found = true
		}
		return true
	})
	return found
}

// delegates reports whether the body is a single return of a call to a
// ForwardMasked method (which has the prologue itself).
func delegates(body []ast.Stmt) bool {
	if len(body) != 1 {
		return false
	}
	r, ok := body[0].(*ast.ReturnStmt)
	if !ok || len(r.Results) != 1 {
		return false
	}
	call, ok := r.Results[0].(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "ForwardMasked"
}
