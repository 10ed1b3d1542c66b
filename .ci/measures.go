// Command measures checks the sizes the workbook promises a reader: no
// file of a stage over 450 lines and no function over 60, tests aside, in
// the stages and in the tester. They are what lets a reader hold a file
// or a function in one sitting, and they slip one feature at a time
// unless something counts them.
//
// Run it from the repository root: go run .ci/measures.go
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
)

const (
	maxFileLines = 450 // per file of a stage
	maxFuncLines = 60  // per function, in the stages and the tester
)

func main() {
	var faults []string
	for _, dir := range roots() {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			panic(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			faults = append(faults, measure(path, dir != "tester")...)
		}
	}
	for _, f := range faults {
		fmt.Println(f)
	}
	if len(faults) > 0 {
		os.Exit(1)
	}
}

// roots are the directories measured: every stage, its tools, and the
// tester. The peer harness is a module of its own, with servers written
// to be compared, not read as lessons, so it is left out.
func roots() []string {
	dirs := []string{"tester"}
	stages, _ := filepath.Glob("stage0*")
	for _, s := range stages {
		dirs = append(dirs, s)
		tools, _ := filepath.Glob(filepath.Join(s, "*", "main.go"))
		for _, t := range tools {
			if d := filepath.Dir(t); filepath.Base(d) != "peers" {
				dirs = append(dirs, d)
			}
		}
	}
	return dirs
}

// measure returns what in path is over the limits; whole is whether the
// file's own length counts.
func measure(path string, whole bool) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", path, err)}
	}
	var faults []string
	if n := fset.File(f.Pos()).LineCount(); whole && n > maxFileLines {
		faults = append(faults, fmt.Sprintf("%s: %d lines, more than %d: split it by concept", path, n, maxFileLines))
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		start, end := fset.Position(fd.Pos()), fset.Position(fd.End())
		if n := end.Line - start.Line + 1; n > maxFuncLines {
			faults = append(faults, fmt.Sprintf("%s:%d: %s is %d lines, more than %d", path, start.Line, fd.Name.Name, n, maxFuncLines))
		}
	}
	return faults
}
