package gobuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
)

// Compile compiles the package in t.Dir as sam build does for
// `BuildMethod: go1.x` (GOOS=linux, GOARCH from the architecture,
// CGO_ENABLED=0) and stops before the link: what a check needs to know (the
// code builds for Lambda, else the compiler's messages) without linking a
// bootstrap, most of a build's time after an edit. A compile error is a
// *CompileError, as from a build.
func Compile(ctx context.Context, t Target) error {
	goarch, err := GOARCH(t.Arch)
	if err != nil {
		return err
	}
	if !filepath.IsAbs(t.Dir) {
		return fmt.Errorf("compile %s: the function directory must be an absolute path", t.Dir)
	}
	goTool, err := goCommand()
	if err != nil {
		return err
	}
	// go list -export compiles the package and its dependencies, as go build
	// does and with the same messages, instead of linking it; it prints the
	// package's name and files, for what only the link would say.
	cmd := exec.CommandContext(ctx, goTool, "list", "-export", "-f", `{{.Name}}{{range .GoFiles}}{{"\n"}}{{.}}{{end}}`, ".")
	cmd.Dir = t.Dir
	cmd.Env = buildEnv("linux", goarch)
	var out bytes.Buffer
	cmd.Stdout = &out
	// At the lowest priority: after an edit, the checks that run the
	// function wait for its host build, which this would slow down on a
	// machine with few cores; this check waits for nothing else.
	err = runGo(ctx, cmd, t.Dir, "compile", true)
	if err == nil {
		err = linkable(t.Dir, strings.Split(strings.TrimSpace(out.String()), "\n"))
	}
	var ce *CompileError
	if errors.As(err, &ce) {
		ce.Target = "linux/" + goarch
	}
	return err
}

// linkable finds what would stop the link of a package that compiles: a
// bootstrap is linked from a package main with a func main. names is the
// package's name, then its Go files.
func linkable(dir string, names []string) error {
	if len(names) == 0 || names[0] != "main" {
		return &CompileError{Dir: dir, Output: fmt.Sprintf("package %s is not a main package: sam build links bootstrap only from package main (with func main)\n", names[0])}
	}
	fset := token.NewFileSet()
	for _, name := range names[1:] {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			continue // it compiled: the compiler read it
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "main" {
				return nil
			}
		}
	}
	// The linker's words, as sam build would show them.
	return &CompileError{Dir: dir, Output: "function main is undeclared in the main package\n"}
}
