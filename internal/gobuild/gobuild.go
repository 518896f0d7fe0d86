// Package gobuild compiles a Go function as `sam build` does for
// `Metadata: BuildMethod: go1.x`, for linux and the function's Architectures
// (compile.go), and builds it for this machine to run it locally.
package gobuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"github.com/serverless-dva/sam-dynamodb-go/internal/proc"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
)

// Target is one function, to compile for Lambda.
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

// BuildHost runs `go build -o <outDir>/bootstrap <dir>` for this machine, so
// the function can run locally, and returns the bootstrap's path.
//
// Each check deploys the step afresh, so builds are kept in the user's cache
// directory by content (see cache.go): an unchanged function is linked, not
// built again.
func BuildHost(ctx context.Context, dir, outDir string) (string, error) {
	return cachedBuild(ctx, dir, outDir, runtime.GOOS, runtime.GOARCH)
}

// sourceKey hashes everything a build of dir reads, as the go tool itself
// lists it: the toolchain and its settings (Go version, GOOS/GOARCH, GOFLAGS,
// CGO_ENABLED, GOEXPERIMENT and the architecture levels), the main module's
// go.mod and go.sum, every source file of each package in the build that lives
// in the main module (or in a module replaced by a local directory), and the
// path@version of every other module, which the module cache never changes.
// The standard library comes with the Go version.
//
// Files are named by where they are in their module, not on disk, and the
// package built by its files alone: a copy of a step elsewhere (another
// clone, a test's copy) has the same key. Its binary is the same but for the
// source paths it records for stack traces (sam build does not trim them).
func sourceKey(ctx context.Context, goTool, dir, goos, goarch string) (string, stamps, error) {
	env := buildEnv(goos, goarch)
	h := sha256.New()
	read := stamps{}
	settings, err := goOutput(ctx, goTool, dir, env, "env", "GOENV", "GOVERSION", "GOOS", "GOARCH", "GOFLAGS", "CGO_ENABLED", "GOEXPERIMENT", "GOAMD64", "GOARM64", "GOTOOLCHAIN")
	if err != nil {
		return "", nil, err
	}
	h.Write(settings)
	if goenv, _, _ := strings.Cut(string(settings), "\n"); goenv != "" && goenv != "off" {
		read.add(goenv) // `go env -w` writes there
	}
	out, err := goOutput(ctx, goTool, dir, env, "list", "-deps",
		"-json=ImportPath,Dir,Standard,Module,GoFiles,CgoFiles,CFiles,CXXFiles,HFiles,SFiles,SysoFiles,EmbedFiles", ".")
	if err != nil {
		return "", nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			ImportPath, Dir string
			Standard        bool
			Module          *struct {
				Path, Version, GoMod string
				Main                 bool
				Replace              *struct{ Path, Version string }
			}
			GoFiles, CgoFiles, CFiles, CXXFiles, HFiles, SFiles, SysoFiles, EmbedFiles []string
		}
		if err := dec.Decode(&p); err != nil {
			return "", nil, fmt.Errorf("reading go list's output: %w", err)
		}
		if p.Standard {
			continue
		}
		if filepath.Clean(p.Dir) == filepath.Clean(dir) {
			// The package built: its import path says where the copy is,
			// and main's symbols do not carry it.
			fmt.Fprintf(h, "package .\n")
		} else {
			fmt.Fprintf(h, "package %s\n", p.ImportPath)
		}
		if m := p.Module; m != nil && !m.Main {
			version := m.Version
			if m.Replace != nil {
				version = m.Replace.Path + "@" + m.Replace.Version
			}
			if m.Replace == nil || m.Replace.Version != "" {
				fmt.Fprintf(h, "module %s@%s\n", m.Path, version)
				continue // in the module cache, which never changes a version
			}
		}
		if m := p.Module; m != nil && m.GoMod != "" {
			if err := hashFile(h, read, m.GoMod, m.Path+"/go.mod"); err != nil {
				return "", nil, err
			}
			if m.Main {
				if err := hashFile(h, read, filepath.Join(filepath.Dir(m.GoMod), "go.sum"), m.Path+"/go.sum"); err != nil {
					return "", nil, err
				}
			}
		}
		read.add(p.Dir) // a file added or removed changes the directory
		for _, files := range [][]string{p.GoFiles, p.CgoFiles, p.CFiles, p.CXXFiles, p.HFiles, p.SFiles, p.SysoFiles, p.EmbedFiles} {
			for _, f := range files {
				if err := hashFile(h, read, filepath.Join(p.Dir, f), f); err != nil {
					return "", nil, err
				}
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), read, nil
}

// hashFile adds the file at path to h, as name and content, and its stamp to
// read; a missing file (a module without go.sum) counts as empty.
func hashFile(h io.Writer, read stamps, path, name string) error {
	read.add(path)
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	fmt.Fprintf(h, "%s %d\n", name, len(data))
	_, err = h.Write(data)
	return err
}

// stamps are the size and modification time of the files and directories a
// key was computed from ("" for a missing one).
type stamps map[string]string

func stampOf(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d %d", info.Size(), info.ModTime().UnixNano())
}

func (s stamps) add(path string) { s[path] = stampOf(path) }

// unchanged reports whether every file and directory is as it was.
func (s stamps) unchanged() bool {
	for path, st := range s {
		if stampOf(path) != st {
			return false
		}
	}
	return true
}

// keys remembers, per directory and go settings, the last key and what it was
// computed from: while none of those files changes, go list need not run
// again (it takes most of a second for a function that uses the AWS SDK).
var keys sync.Map // string -> remembered

type remembered struct {
	key  string
	read stamps
}

// rememberedKey is sourceKey, remembered while its sources are unchanged.
func rememberedKey(ctx context.Context, goTool, dir, goos, goarch string) (string, error) {
	var settings strings.Builder
	fmt.Fprintf(&settings, "%s\x00%s\x00%s\x00%s", goTool, dir, goos, goarch)
	for _, name := range []string{"GOFLAGS", "CGO_ENABLED", "GOEXPERIMENT", "GOAMD64", "GOARM64", "GOTOOLCHAIN", "GOENV"} {
		fmt.Fprintf(&settings, "\x00%s=%s", name, os.Getenv(name))
	}
	if r, ok := keys.Load(settings.String()); ok && r.(remembered).read.unchanged() {
		return r.(remembered).key, nil
	}
	key, read, err := sourceKey(ctx, goTool, dir, goos, goarch)
	if err != nil {
		return "", err
	}
	keys.Store(settings.String(), remembered{key, read})
	return key, nil
}

// buildEnv is the environment of the go tool for a build for goos/goarch.
// Later entries win, so these override a GOOS/GOARCH set by the user.
func buildEnv(goos, goarch string) []string {
	return append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch)
}

// goOutput runs the go tool in dir and returns its standard output.
func goOutput(ctx context.Context, goTool, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
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
	// Without the symbol table and DWARF (-s -w), for speed: linking is
	// most of a build after an edit and they are a third of its work. Only
	// debuggers read them; a panic's stack trace still names files and lines.
	cmd := exec.CommandContext(ctx, goTool, "build", "-ldflags=-s -w", "-o", out, dir)
	cmd.Dir = dir
	cmd.Env = buildEnv(goos, goarch)
	if err := runGo(ctx, cmd, dir, "build"); err != nil {
		return "", err
	}
	return out, nil
}

// runGo runs a go command that compiles the package in dir (what names the
// step in messages): a *CompileError when go fails, with go's messages on
// standard error, file paths relative to the module root.
func runGo(ctx context.Context, cmd *exec.Cmd, dir, what string) error {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return fmt.Errorf("%s %s: %w", what, dir, ctx.Err())
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return &CompileError{Dir: dir, Output: relativeOutput(stderr.String(), dir)}
	}
	if err != nil {
		return fmt.Errorf("%s %s: running go: %w", what, dir, err)
	}
	return nil
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
	if root, err := repo.Root(dir); err == nil {
		return root
	}
	return dir
}
