package gobuild

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/proc"
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
// bodiesEdited), the go tool's compiler compiles the package alone against
// the dependencies go list compiled (compiled.run): half the time, as go
// need not load and hash the 300 packages of a function that uses the AWS
// SDK again. Only a success is taken from it; on an error, go list compiles
// again and its messages are shown.
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
	// A line of its own: a host build of linux/arm64 keeps no compile.
	settings := keySettings(goTool, dir, "linux", goarch) + "\x00compile"
	env := buildEnv("linux", goarch)
	if src := recall(settings); src != nil && src.compile.usable() {
		if src.okKey == src.key {
			return nil // compiled at this key before
		}
		err := src.compile.run(ctx, dir, env)
		if err == nil {
			// It compiles: what the link would say is ours to say, not go's.
			if err := linkable(dir, append([]string{src.compile.Name}, src.compile.GoFiles...)); err != nil {
				return err
			}
			ok := *src
			ok.okKey = src.key
			remember(settings, &ok)
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("compile %s: %w", dir, ctx.Err())
		}
	}
	// go list -export compiles the package and its dependencies, as go build
	// does and with the same messages, instead of linking it; it prints the
	// package's name and files, for what only the link would say. At the
	// lowest priority: after an edit, the checks that run the function wait
	// for its host build, which this would slow down on a machine with few
	// cores; this check waits for nothing else.
	src, err := sourceKey(ctx, goTool, dir, "linux", goarch, true)
	if err != nil {
		return err
	}
	if err := linkable(dir, append([]string{src.compile.Name}, src.compile.GoFiles...)); err != nil {
		return err
	}
	src.okKey = src.key
	remember(settings, src)
	return nil
}

// compiled is what the compiler needs to compile a package again, as go
// list compiled it: the go tool's compiler, the package's Go files, its
// module's language version and the export data of every package it may
// import (the build cache's files).
type compiled struct {
	Tool     string
	Name     string   // the package clause
	GoFiles  []string // in the package directory
	Lang     string   // e.g. go1.26
	Other    bool     // it has files besides Go files (cgo, assembly, embedded): only go builds those
	Packages map[string]string
}

// usable reports whether the compiler alone compiles the package as go
// would: a main package of Go files only, built with no flags from GOFLAGS
// (-tags, -gcflags), whose language version is known.
func (c *compiled) usable() bool {
	return c != nil && c.Name == "main" && !c.Other && c.Lang != "" && len(c.GoFiles) > 0 && os.Getenv("GOFLAGS") == ""
}

// run compiles the package in dir with the compiler alone, as go build runs it
// (go build -x shows the command), at the lowest CPU priority. Any error,
// a compile error or export data the build cache has since removed, means
// go must compile it.
func (c *compiled) run(ctx context.Context, dir string, env []string) error {
	tmp, err := os.MkdirTemp("", "workshop-compile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var cfg strings.Builder
	for _, path := range slices.Sorted(maps.Keys(c.Packages)) {
		fmt.Fprintf(&cfg, "packagefile %s=%s\n", path, c.Packages[path])
	}
	importcfg := filepath.Join(tmp, "importcfg")
	if err := os.WriteFile(importcfg, []byte(cfg.String()), 0o644); err != nil {
		return err
	}
	args := []string{"-o", filepath.Join(tmp, "_pkg_.a"), "-p", "main", "-lang=" + c.Lang, "-complete", "-nolocalimports", "-importcfg", importcfg, "-pack"}
	for _, f := range c.GoFiles {
		args = append(args, "./"+f)
	}
	cmd := exec.CommandContext(ctx, c.Tool, args...)
	cmd.Dir, cmd.Env = dir, env
	if err := proc.StartBackground(cmd); err != nil {
		return err
	}
	return cmd.Wait()
}

// langVersion is the compiler's -lang for a go.mod go version: go1.26 for
// 1.26.0; "" for none.
func langVersion(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return ""
	}
	return "go" + parts[0] + "." + parts[1]
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
