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
	"go/parser"
	"go/token"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

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
// CGO_ENABLED, GOEXPERIMENT and the architecture levels), the go.work file in
// use (and where one would be found), the main module's go.mod and go.sum,
// every source file of each package in the build that lives in the main
// module (or in a module replaced by a local directory), and the
// path@version of every other module, which the module cache never changes.
// The standard library comes with the Go version.
//
// Files are named by where they are in their module, not on disk, and the
// package built by its files alone: a copy of a step elsewhere (another
// clone, a test's copy) has the same key. Its binary is the same but for the
// source paths it records for stack traces (sam build does not trim them).
//
// With compile, go list also compiles the package and its dependencies
// (-export), in the background (a compile error is a *CompileError), and the
// source records the package's name and files and how to compile it again
// (a replay).
func sourceKey(ctx context.Context, goTool, dir, goos, goarch string, compile bool) (*source, error) {
	env := buildEnv(goos, goarch)
	src := &source{read: stamps{}, files: map[string]sourceFile{}}
	vars := []string{"env", "GOENV", "GOWORK", "GOVERSION", "GOOS", "GOARCH", "GOFLAGS", "CGO_ENABLED", "GOEXPERIMENT", "GOAMD64", "GOARM64", "GOTOOLCHAIN"}
	settings, err := goOutput(ctx, goTool, dir, env, vars...)
	if err != nil {
		return nil, err
	}
	src.parts = append(src.parts, string(settings))
	src.read.add(goTool) // a new Go installed in its place: settings must be read again
	lines := strings.Split(string(settings), "\n")
	if goenv := lines[0]; goenv != "" && goenv != "off" {
		src.read.add(goenv) // `go env -w` writes there
	}
	// A go.work file, which go finds in dir or above it, chooses the
	// modules of the build (or refuses one whose module it does not use):
	// its content is part of the key, and one created above dir means
	// listing again.
	if len(lines) > 1 && lines[1] != "" && lines[1] != "off" {
		for _, f := range []string{lines[1], lines[1] + ".sum"} {
			if err := src.addFile(f, filepath.Base(f), false); err != nil {
				return nil, err
			}
		}
	}
	for d := dir; ; d = filepath.Dir(d) {
		src.read.add(filepath.Join(d, "go.work"))
		if filepath.Dir(d) == d {
			break
		}
	}
	fields := "-json=ImportPath,Dir,Standard,Module,GoFiles,CgoFiles,CFiles,CXXFiles,HFiles,SFiles,SysoFiles,EmbedFiles,IgnoredGoFiles"
	var out []byte
	if compile {
		cmd := exec.CommandContext(ctx, goTool, "list", "-x", "-buildvcs=false", "-deps", "-export", fields+",Name", ".")
		cmd.Dir, cmd.Env = dir, env
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		// At the lowest priority: see Compile.
		stderr, err := runGo(ctx, cmd, dir, "compile", true)
		if err != nil {
			return nil, err
		}
		out = stdout.Bytes()
		src.replay = parseX(stderr)
		src.pkg = &listedPackage{}
	} else if out, err = goOutput(ctx, goTool, dir, env, "list", "-deps", fields, "."); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			ImportPath, Dir, Name string
			Standard              bool
			Module                *struct {
				Path, Version, GoMod string
				Main                 bool
				Replace              *struct{ Path, Version string }
			}
			GoFiles, CgoFiles, CFiles, CXXFiles, HFiles, SFiles, SysoFiles, EmbedFiles, IgnoredGoFiles []string
		}
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("reading go list's output: %w", err)
		}
		built := filepath.Clean(p.Dir) == filepath.Clean(dir)
		if built && src.pkg != nil {
			src.pkg.Name, src.pkg.GoFiles = p.Name, p.GoFiles
		}
		if p.Standard {
			continue
		}
		if built {
			// The package built: its import path says where the copy is,
			// and main's symbols do not carry it.
			src.parts = append(src.parts, "package .\n")
		} else {
			src.parts = append(src.parts, fmt.Sprintf("package %s\n", p.ImportPath))
		}
		if m := p.Module; m != nil && !m.Main {
			version := m.Version
			if m.Replace != nil {
				version = m.Replace.Path + "@" + m.Replace.Version
			}
			if m.Replace == nil || m.Replace.Version != "" {
				src.parts = append(src.parts, fmt.Sprintf("module %s@%s\n", m.Path, version))
				continue // in the module cache, which never changes a version
			}
		}
		if m := p.Module; m != nil && m.GoMod != "" {
			if err := src.addFile(m.GoMod, m.Path+"/go.mod", false); err != nil {
				return nil, err
			}
			if m.Main {
				if err := src.addFile(filepath.Join(filepath.Dir(m.GoMod), "go.sum"), m.Path+"/go.sum", false); err != nil {
					return nil, err
				}
			}
		}
		src.read.add(p.Dir) // a file added or removed changes the directory
		for _, f := range p.IgnoredGoFiles {
			src.read.add(filepath.Join(p.Dir, f)) // its build constraints may change
		}
		for _, files := range [][]string{p.GoFiles, p.CgoFiles, p.CFiles, p.CXXFiles, p.HFiles, p.SFiles, p.SysoFiles, p.EmbedFiles} {
			for _, f := range files {
				if err := src.addFile(filepath.Join(p.Dir, f), f, built); err != nil {
					return nil, err
				}
			}
		}
	}
	src.key = src.hash()
	return src, nil
}

// source is what a key was computed from, and how to compute it again.
type source struct {
	key   string
	parts []string // hashed in order: settings, packages, modules, one per file
	read  stamps
	// files are the source files of the built package, by path: a body-only
	// edit of one changes its part alone (see bodiesEdited).
	files map[string]sourceFile
	// replay is how to build the package again after an edit of its
	// bodies alone, as go last built it (see replay). pkg is the package's
	// name and files, when go list compiled it (sourceKey's compile); okKey
	// is the key it last compiled without error at.
	replay *replay
	pkg    *listedPackage
	okKey  string
	// racy are the files whose stamps were too recent to trust when the
	// source was kept on disk (see racyWindow): their content is read again.
	racy map[string]bool
}

type sourceFile struct {
	part   int
	name   string
	header string // of a Go file: see goHeader; "" for other files
	embed  bool   // it has a //go:embed line, whose patterns name more files
}

func (s *source) hash() string {
	h := sha256.New()
	for _, p := range s.parts {
		io.WriteString(h, p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// addFile adds the file at path to the parts, as its name and the hash of its
// content, and its stamp to read; a missing file (a module without go.sum)
// counts as empty. own is for a file of the package built.
func (s *source) addFile(path, name string, own bool) error {
	s.read.add(path)
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	s.parts = append(s.parts, filePart(name, data))
	if own {
		f := sourceFile{part: len(s.parts) - 1, name: name, embed: bytes.Contains(data, []byte("go:embed"))}
		if strings.HasSuffix(path, ".go") {
			f.header, _ = goHeader(path, data)
		}
		s.files[path] = f
	}
	return nil
}

func filePart(name string, data []byte) string {
	return fmt.Sprintf("%s %d %x\n", name, len(data), sha256.Sum256(data))
}

// goHeader is a Go file's text up to the end of its imports: the build
// constraints, the package clause, the imports and any cgo preamble, what
// decides which files and packages a build reads. "" when it does not parse.
func goHeader(path string, data []byte) (string, bool) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, data, parser.ImportsOnly)
	if err != nil {
		return "", false
	}
	end := f.Name.End()
	for _, d := range f.Decls { // only the imports, with ImportsOnly
		end = max(end, d.End())
	}
	return string(data[:fset.Position(end).Offset]), true
}

// bodiesEdited is s after edits of the Go files of the built package that
// left their headers (goHeader) as they were, each file's part hashed again:
// the build reads the same files and packages, so go list need not list them
// again. false when something else changed: another file, the directory (a
// file added or removed), go.mod, go.sum, a header, a //go:embed line.
func (s *source) bodiesEdited() (*source, bool) {
	var next *source
	for path, was := range s.read {
		now := stampOf(path)
		if now == was && !s.racy[path] {
			continue
		}
		f, own := s.files[path]
		if !own || f.header == "" || f.embed {
			return nil, false
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, false
		}
		if header, ok := goHeader(path, data); !ok || header != f.header || bytes.Contains(data, []byte("go:embed")) {
			return nil, false
		}
		if next == nil {
			next = &source{parts: slices.Clone(s.parts), read: maps.Clone(s.read), files: s.files, replay: s.replay, pkg: s.pkg, okKey: s.okKey}
		}
		next.parts[f.part] = filePart(f.name, data)
		next.read[path] = now
	}
	if next == nil {
		return s, true
	}
	next.key = next.hash()
	return next, true
}

// unchanged reports whether the files s was computed from are still as they
// were: a save while go (or a replay) built means the build may hold the new
// code, which must not be cached under the key of the old (an undo would
// bring the new code back). The package's own files are read again, as a
// save within the file system's timestamp resolution keeps their stamps.
func (s *source) unchanged() bool {
	for path, was := range s.read {
		if stampOf(path) != was {
			return false
		}
	}
	for path, f := range s.files {
		data, err := os.ReadFile(path)
		if err != nil || filePart(f.name, data) != s.parts[f.part] {
			return false
		}
	}
	return true
}

// stamps are the size and modification time of the files a key was computed
// from, and the names in its directories ("" for a missing one). A
// directory's names, not its time, say whether a file was added or removed:
// an editor that saves by renaming a new file over the old one changes the
// directory's time on every save.
type stamps map[string]string

func stampOf(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return ""
	}
	if info.IsDir() {
		names, err := os.ReadDir(path)
		if err != nil {
			return ""
		}
		h := sha256.New()
		for _, n := range names {
			fmt.Fprintf(h, "%s\x00", n.Name())
		}
		return fmt.Sprintf("dir %x", h.Sum(nil)[:16])
	}
	// Size and modification time, then what changes with any write even when
	// the time is set back (cp -p, tar, touch -d), as git reads them.
	return fmt.Sprintf("%d %d%s", info.Size(), info.ModTime().UnixNano(), changeStamp(info))
}

func (s stamps) add(path string) { s[path] = stampOf(path) }

// keys remembers, per directory and go settings, the last key and what it was
// computed from: while none of those files changes, or only the bodies of the
// built package's Go files, go list need not run again (it takes a tenth of a
// second to most of one for a function that uses the AWS SDK).
var keys sync.Map // string -> *source

// keySettings names a line of sources: the go tool, the directory, the target
// and the variables that change what a build reads.
func keySettings(goTool, dir, goos, goarch string) string {
	var settings strings.Builder
	fmt.Fprintf(&settings, "%s\x00%s\x00%s\x00%s", goTool, dir, goos, goarch)
	for _, name := range []string{"GOFLAGS", "CGO_ENABLED", "GOEXPERIMENT", "GOAMD64", "GOARM64", "GOTOOLCHAIN", "GOENV", "GOWORK"} {
		fmt.Fprintf(&settings, "\x00%s=%s", name, os.Getenv(name))
	}
	return settings.String()
}

// recall is the source last remembered for settings, in this process or
// another, once its Go files' bodies are hashed again (bodiesEdited); nil when
// there is none or more than bodies changed.
func recall(settings string) *source {
	var last *source
	if r, ok := keys.Load(settings); ok {
		last = r.(*source)
	} else {
		last = loadSource(settings) // another process's
	}
	if last == nil {
		return nil
	}
	src, ok := last.bodiesEdited()
	if !ok {
		return nil
	}
	if src != last {
		remember(settings, src)
	} else {
		keys.Store(settings, src)
	}
	return src
}

// remember keeps src for settings, in memory and on disk. It must not change
// after: other goroutines read it.
func remember(settings string, src *source) {
	src.racy = map[string]bool{}
	for _, path := range racy(src.read, time.Now()) {
		src.racy[path] = true
	}
	keys.Store(settings, src)
	storeSource(settings, src)
}

// rememberedSource is sourceKey, remembered while its sources are unchanged.
func rememberedSource(ctx context.Context, goTool, dir, goos, goarch string) (*source, error) {
	settings := keySettings(goTool, dir, goos, goarch)
	if src := recall(settings); src != nil {
		return src, nil
	}
	src, err := sourceKey(ctx, goTool, dir, goos, goarch, false)
	if err != nil {
		return nil, err
	}
	remember(settings, src)
	return src, nil
}

// rememberedKey is the key of rememberedSource.
func rememberedKey(ctx context.Context, goTool, dir, goos, goarch string) (string, error) {
	src, err := rememberedSource(ctx, goTool, dir, goos, goarch)
	if err != nil {
		return "", err
	}
	return src.key, nil
}

// buildEnv is the environment of the go tool for a build for goos/goarch.
// Later entries win, so these override a GOOS/GOARCH set by the user. Cgo is
// off, as in the bootstrap Lambda runs: sam build sets no CGO_ENABLED, so it
// builds with cgo off from any machine but a Linux one of the function's
// architecture with a C compiler, and a binary linked to that machine's C
// library may not start on Lambda's. Off, the host build is faster too.
func buildEnv(goos, goarch string) []string {
	return append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
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

// build runs go build for goos/goarch, the bootstrap at outDir/bootstrap,
// and returns its path and how to build it again after an edit of its bodies
// (nil when go's commands were not a replay).
func build(ctx context.Context, dir, outDir, goos, goarch string) (string, *replay, error) {
	if !filepath.IsAbs(dir) {
		return "", nil, fmt.Errorf("build %s: the function directory must be an absolute path", dir)
	}
	out, err := filepath.Abs(filepath.Join(outDir, proc.ExeName("bootstrap", goos)))
	if err != nil {
		return "", nil, fmt.Errorf("build %s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", nil, fmt.Errorf("build %s: %w", dir, err)
	}
	goTool, err := goCommand()
	if err != nil {
		return "", nil, err
	}
	// Without the symbol table and DWARF (-s -w), for speed: linking is
	// most of a build after an edit and they are a third of its work. Only
	// debuggers read them; a panic's stack trace still names files and lines.
	// -x prints the commands, to replay after the next edit. Without the
	// version control stamp (-buildvcs=false): in a git clone go would run git
	// eight times a build to record the commit and whether the tree is
	// modified, which no function reads and a replay could not update.
	cmd := exec.CommandContext(ctx, goTool, "build", "-x", "-buildvcs=false", "-ldflags=-s -w", "-o", out, dir)
	cmd.Dir = dir
	cmd.Env = buildEnv(goos, goarch)
	stderr, err := runGo(ctx, cmd, dir, "build", false)
	if err != nil {
		return "", nil, err
	}
	r := parseX(stderr)
	if r != nil && r.Link == nil {
		r = nil
	}
	return out, r, nil
}

// runGo runs a go command that compiles the package in dir (what names the
// step in messages) and returns its standard error: a *CompileError when go
// fails, with go's messages (without the commands -x prints), file paths
// relative to the module root. In the background, it runs at the lowest CPU
// priority (proc.StartBackground).
func runGo(ctx context.Context, cmd *exec.Cmd, dir, what string, background bool) (string, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := run(cmd, background)
	if ctx.Err() != nil {
		return "", fmt.Errorf("%s %s: %w", what, dir, ctx.Err())
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return "", &CompileError{Dir: dir, Output: relativeOutput(withoutCommands(stderr.String()), dir)}
	}
	if err != nil {
		return "", fmt.Errorf("%s %s: running go: %w", what, dir, err)
	}
	return stderr.String(), nil
}

// run runs cmd to its end, in the background at the lowest CPU priority
// (proc.StartBackground): a compile that nothing waits for must not slow
// down one that the checks wait for.
func run(cmd *exec.Cmd, background bool) error {
	start := cmd.Start
	if background {
		start = func() error { return proc.StartBackground(cmd) }
	}
	if err := start(); err != nil {
		return err
	}
	return cmd.Wait()
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
	// Target is "linux/arm64" for a compile as sam build's (Compile), ""
	// for a build for this machine.
	Target string
}

func (e *CompileError) Error() string {
	dir := e.Dir
	if rel, err := filepath.Rel(moduleRoot(e.Dir), e.Dir); err == nil && rel != "." {
		dir = filepath.ToSlash(rel)
	}
	if e.Target != "" {
		return fmt.Sprintf("compiling %s for %s, as sam build does, failed:\n%s", dir, e.Target, strings.TrimRight(e.Output, "\n"))
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
