// Package gobuild builds a Go function's bootstrap as `sam build` does for
// `Metadata: BuildMethod: go1.x`, and checks the executable's machine against
// the function's Architectures.
package gobuild

import (
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/proc"
)

// Target is one function to build.
type Target struct {
	Dir  string // CodeUri directory, absolute
	Arch string // "arm64" or "x86_64" as in the template's Architectures; "" means x86_64
}

// GOARCH maps a Lambda architecture to Go's name for it. An empty arch is
// x86_64, Lambda's default when Architectures is absent.
func GOARCH(arch string) (string, error) {
	switch arch {
	case "x86_64", "":
		return "amd64", nil
	case "arm64":
		return "arm64", nil
	}
	return "", fmt.Errorf("unknown architecture %q: Architectures must be [x86_64] or [arm64]", arch)
}

// Build runs what sam build runs: `go build -o <outDir>/bootstrap <Dir>` in
// Dir with GOOS=linux and GOARCH from the architecture, the rest of the
// environment passed through. It returns the bootstrap's path.
func Build(ctx context.Context, t Target, outDir string) (string, error) {
	goarch, err := GOARCH(t.Arch)
	if err != nil {
		return "", err
	}
	return build(ctx, t.Dir, outDir, "linux", goarch)
}

// BuildHost builds the same package for this machine, so it can run locally.
//
// Each check deploys the step afresh, so builds are kept in the user's cache
// directory by content: an unchanged function is linked, not built again.
func BuildHost(ctx context.Context, dir, outDir string) (string, error) {
	cacheDir, err := os.UserCacheDir()
	if err != nil {
		return build(ctx, dir, outDir, runtime.GOOS, runtime.GOARCH)
	}
	return buildHost(ctx, dir, outDir, filepath.Join(cacheDir, "sam-dynamodb-go", "bootstrap"))
}

// buildHost is BuildHost with its cache in cacheDir, so tests can start from
// an empty one.
func buildHost(ctx context.Context, dir, outDir, cacheDir string) (string, error) {
	key, err := sourceKey(dir)
	if err != nil {
		return build(ctx, dir, outDir, runtime.GOOS, runtime.GOARCH)
	}
	cached := filepath.Join(cacheDir, key)
	out, err := filepath.Abs(filepath.Join(outDir, proc.ExeName("bootstrap", runtime.GOOS)))
	if err != nil {
		return "", fmt.Errorf("build %s: %w", dir, err)
	}
	if os.MkdirAll(outDir, 0o755) == nil && linkOrCopy(cached, out) == nil {
		now := time.Now()
		_ = os.Chtimes(cached, now, now) // still in use: keep it past the next prune
		return out, nil
	}
	bin, err := build(ctx, dir, outDir, runtime.GOOS, runtime.GOARCH)
	if err != nil {
		return "", err
	}
	if os.MkdirAll(cacheDir, 0o755) == nil {
		prune(cacheDir, 24*time.Hour)
		tmp := fmt.Sprintf("%s.%d.tmp", cached, os.Getpid())
		if linkOrCopy(bin, tmp) == nil && os.Rename(tmp, cached) != nil {
			_ = os.Remove(tmp)
		}
	}
	return bin, nil
}

// linkOrCopy makes dst the same file as src: a hard link, or a copy across file systems.
func linkOrCopy(src, dst string) error {
	_ = os.Remove(dst)
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o755)
}

// prune removes cached builds unused for longer than age: each edit of a
// step makes a new one.
func prune(dir string, age time.Duration) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > age {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// sourceKey hashes what a build of dir depends on here: the Go version, the
// platform, the directory's Go files and the module's go.mod and go.sum.
func sourceKey(dir string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			files = append(files, filepath.Join(d, "go.mod"), filepath.Join(d, "go.sum"))
			break
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no go.mod")
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", f, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func build(ctx context.Context, dir, outDir, goos, goarch string) (string, error) {
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("build %s: the function directory must be an absolute path", dir)
	}
	out, err := filepath.Abs(filepath.Join(outDir, proc.ExeName("bootstrap", goos)))
	if err != nil {
		return "", fmt.Errorf("build %s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", fmt.Errorf("build %s: %w", dir, err)
	}
	goTool, err := goCommand()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", out, dir)
	cmd.Dir = dir
	// Later entries win, so these override a GOOS/GOARCH set by the user.
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch)
	output, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return "", fmt.Errorf("build %s: %w", dir, ctx.Err())
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return "", &CompileError{Dir: dir, Output: relativeOutput(string(output), dir)}
	}
	if err != nil {
		return "", fmt.Errorf("build %s: running go: %w", dir, err)
	}
	return out, nil
}

// goCommand finds the go tool: PATH first, then $GOROOT/bin.
func goCommand() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if root := os.Getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("the go command was not found: install Go (https://go.dev/dl/) and put it on your PATH")
}

// CompileError is a failed go build: the go tool's own message.
type CompileError struct {
	Dir    string // the package directory
	Output string // go's output, file paths relative to the module root
}

func (e *CompileError) Error() string {
	dir := e.Dir
	if rel, err := filepath.Rel(moduleRoot(e.Dir), e.Dir); err == nil && rel != "." {
		dir = filepath.ToSlash(rel)
	}
	return fmt.Sprintf("go build %s failed:\n%s", dir, strings.TrimRight(e.Output, "\n"))
}

// fileRef is a compiler position at the start of a line: "./main.go:12:3: ".
var fileRef = regexp.MustCompile(`^(\s*)([^\s:][^:]*\.go):(\d+)`)

// relativeOutput rewrites go's file paths, which are relative to dir, to be
// relative to the module root, so a learner sees steps/01-hello-api/main.go:12:3.
// The "# import/path" header lines go: the file paths say where.
func relativeOutput(output, dir string) string {
	root := moduleRoot(dir)
	var b strings.Builder
	for line := range strings.Lines(output) {
		if strings.HasPrefix(line, "# ") {
			continue
		}
		if m := fileRef.FindStringSubmatchIndex(line); m != nil {
			path := line[m[4]:m[5]]
			abs := path
			if !filepath.IsAbs(abs) {
				abs = filepath.Join(dir, path)
			}
			if rel, err := filepath.Rel(root, abs); err == nil && !strings.HasPrefix(rel, "..") {
				line = line[:m[4]] + filepath.ToSlash(rel) + line[m[5]:]
			}
		}
		b.WriteString(line)
	}
	return b.String()
}

// moduleRoot is the nearest directory at or above dir holding go.mod, else dir.
func moduleRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// CheckELF checks that the executable at path is a Linux (ELF) executable
// for the function's architecture ("arm64" or "x86_64"), as Lambda needs.
func CheckELF(path, arch string) error {
	goarch, err := GOARCH(arch)
	if err != nil {
		return err
	}
	if arch == "" {
		arch = "x86_64"
	}
	name := filepath.Base(path)
	f, err := elf.Open(path)
	if err != nil {
		var formatErr *elf.FormatError
		if errors.As(err, &formatErr) {
			return fmt.Errorf("%s is not a Linux executable (ELF): build it with GOOS=linux", name)
		}
		return fmt.Errorf("checking %s: %w", name, err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[goarch]
	if f.Machine != want {
		return fmt.Errorf("%s is %s executable but the function's Architectures says %s: build it with GOARCH=%s",
			name, machineName(f.Machine), arch, goarch)
	}
	return nil
}

func machineName(m elf.Machine) string {
	switch m {
	case elf.EM_X86_64:
		return "an x86-64"
	case elf.EM_AARCH64:
		return "an arm64"
	}
	return "a " + strings.TrimPrefix(m.String(), "EM_")
}
