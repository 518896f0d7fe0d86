package gobuild

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
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
	// does and with the same messages, and prints where the compiled package
	// is (in go's build cache) instead of linking it.
	cmd := exec.CommandContext(ctx, goTool, "list", "-export", "-f", "{{.Export}}", ".")
	cmd.Dir = t.Dir
	cmd.Env = buildEnv("linux", goarch)
	// At the lowest priority: after an edit, the checks that run the
	// function wait for its host build, which this would slow down on a
	// machine with few cores; this check waits for nothing else.
	return runGo(ctx, cmd, t.Dir, "compile", true)
}
