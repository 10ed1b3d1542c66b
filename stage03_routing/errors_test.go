package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryStatusErrorHasAnAnswer checks every StatusError the server's
// source writes, sentinel or not, so that a new one cannot go unchecked:
// its status must be one StatusText names, because the answer's status
// line carries the reason phrase, and its message, the answer's body, must
// say something. A list of the sentinels kept by hand would miss the one
// added next; so the test reads them from the source, as a reader would.
func TestEveryStatusErrorHasAnAnswer(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok || !isIdent(lit.Type, "StatusError") {
				return true
			}
			found++
			where := fset.Position(lit.Pos()).String()
			if !assert.Len(t, lit.Elts, 2, "%s: write a StatusError as {status, message}", where) {
				return true
			}
			status, err := strconv.Atoi(literal(lit.Elts[0], token.INT))
			if assert.NoError(t, err, "%s: the status must be a number this test can read", where) {
				assert.NotEmpty(t, StatusText(status), "%s: StatusText has no reason phrase for %d", where, status)
			}
			msg, err := strconv.Unquote(literal(leftmost(lit.Elts[1]), token.STRING))
			if assert.NoError(t, err, "%s: the message must start with a string this test can read", where) {
				assert.NotEmpty(t, msg, "%s: the message is the answer's body; say what is wrong", where)
			}
			return true
		})
	}
	// ErrRequestLine and ErrBodyTooLarge, at least: had the walk missed
	// them, it would have checked nothing.
	assert.GreaterOrEqual(t, found, 2, "StatusError literals found")
}

// isIdent reports whether e is the identifier name.
func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// literal returns the text of e if it is a literal of kind, such as 400 or
// "too large", and "" otherwise. A field written with its key, Status: 400,
// counts as its value.
func literal(e ast.Expr, kind token.Token) string {
	if kv, ok := e.(*ast.KeyValueExpr); ok {
		e = kv.Value
	}
	if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == kind {
		return lit.Value
	}
	return ""
}

// leftmost returns the first operand of a string concatenation, such as
// "bad name: " in "bad name: " + why, or e itself.
func leftmost(e ast.Expr) ast.Expr {
	if kv, ok := e.(*ast.KeyValueExpr); ok {
		e = kv.Value
	}
	for {
		b, ok := e.(*ast.BinaryExpr)
		if !ok || b.Op != token.ADD {
			return e
		}
		e = b.X
	}
}
