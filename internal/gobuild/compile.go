package gobuild

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
)

// Compile compiles the package in t.Dir as sam build does for
// `BuildMethod: go1.x` (GOOS=linux, GOARCH from the architecture,
// CGO_ENABLED=0) and stops before the link: what a check needs to know (the
// code builds for Lambda, else the compiler's messages) without linking a
// bootstrap, most of a build's time after an edit. A compile error is a
// *CompileError, as from a build.
//
// The first compile runs go list -export, which compiles the package and its
// dependencies as go build does, with the same messages. After an edit of the
// package's Go files that leaves their headers as they were (see
// bodiesEdited), the compile go ran for the package is replayed (see replay):
// half the time. Only a success is taken from it; on an error, go list
// compiles again and its messages are shown.
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
	err = compile(ctx, goTool, t.Dir, goarch)
	var ce *CompileError
	if errors.As(err, &ce) {
		ce.Target = "linux/" + goarch
	}
	return err
}

func compile(ctx context.Context, goTool, dir, goarch string) error {
	// A line of its own: a host build of linux/arm64 keeps no package files.
	settings := keySettings(goTool, dir, "linux", goarch) + "\x00compile"
	if src := recall(settings); src != nil && src.pkg != nil {
		if src.okKey == src.key {
			return nil // compiled at this key before
		}
		if src.replay != nil {
			err := src.replay.run(ctx, dir, buildEnv("linux", goarch), "", true)
			if err == nil {
				// It compiles: what the link would say is ours to say, not go's.
				if err := src.pkg.linkable(dir); err != nil {
					return err
				}
				if src.unchanged() { // else it compiled the files saved since
					ok := *src
					ok.okKey = src.key
					remember(settings, &ok)
				}
				return nil
			}
			if ctx.Err() != nil {
				return fmt.Errorf("compile %s: %w", dir, ctx.Err())
			}
		}
	}
	// go list -export compiles the package and its dependencies, as go build
	// does and with the same messages, instead of linking it; it lists the
	// package's name and files, for what only the link would say. At the
	// lowest priority: after an edit, the checks that run the function wait
	// for its host build, which this would slow down on a machine with few
	// cores; this check waits for nothing else.
	before := stamps{}
	if names, err := os.ReadDir(dir); err == nil {
		for _, n := range names {
			before.add(filepath.Join(dir, n.Name()))
		}
	}
	src, err := sourceKey(ctx, goTool, dir, "linux", goarch, true)
	if err != nil {
		return err
	}
	if err := src.pkg.linkable(dir); err != nil {
		return err
	}
	// go list compiled the files before sourceKey read them: a file saved
	// in between is not known to compile.
	if !savedSince(before, src) {
		src.okKey = src.key
	}
	remember(settings, src)
	return nil
}

// savedSince reports whether a file of src's package has another stamp in src
// than it had in before.
func savedSince(before stamps, src *source) bool {
	for path := range src.files {
		if before[path] != src.read[path] {
			return true
		}
	}
	return false
}

// listedPackage is the package go list compiled: its name and Go files.
type listedPackage struct {
	Name    string
	GoFiles []string
}

func (p *listedPackage) linkable(dir string) error {
	return linkable(dir, append([]string{p.Name}, p.GoFiles...))
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
