package gobuild

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"

	"github.com/serverless-dva/sam-dynamodb-go/internal/proc"
)

func TestGOARCH(t *testing.T) {
	tests := []struct {
		arch, want, err string
	}{
		{"x86_64", "amd64", ""},
		{"arm64", "arm64", ""},
		{"", "amd64", ""},
		{"amd64", "", `unknown architecture "amd64": Architectures must be [x86_64] or [arm64]`},
		{"aarch64", "", "unknown architecture"},
		{"ARM64", "", "unknown architecture"},
	}
	for _, tt := range tests {
		got, err := GOARCH(tt.arch)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("GOARCH(%q) = %q, %v; want %q, error containing %q", tt.arch, got, err, tt.want, tt.err)
		}
	}
}

func testdata(t *testing.T, name string) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCompile compiles for linux and the function's architecture with cgo
// off, as sam build does: a file built only there is compiled, one built only
// elsewhere or only with cgo is not.
func TestCompile(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"go.mod":    "module example.com/m\n\ngo 1.22\n",
		"main.go":   "package main\n\nfunc main() {}\n",
		"arm64.go":  "//go:build linux && arm64\n\npackage main\n\nvar _ int = onlyOnArm64\n",
		"darwin.go": "//go:build darwin\n\npackage main\n\nvar _ int = \"not on linux\"\n",
		"cgo.go":    "//go:build cgo\n\npackage main\n\nvar _ int = \"not without cgo\"\n",
	}
	repotest.WriteFiles(t, root, files)
	tests := []struct{ arch, err string }{
		{"x86_64", ""},
		{"", ""},
		{"arm64", "arm64.go:5:13: undefined: onlyOnArm64"},
	}
	for _, tt := range tests {
		err := Compile(context.Background(), Target{Dir: root, Arch: tt.arch})
		var ce *CompileError
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("Compile(%q) = %v, want nil", tt.arch, err)
		case tt.err != "" && (!errors.As(err, &ce) || !strings.Contains(ce.Output, tt.err)):
			t.Errorf("Compile(%q) = %v, want a *CompileError with %q", tt.arch, err, tt.err)
		}
	}
}

// hostExe is a host build's file name: bootstrap.exe on Windows.
var hostExe = proc.ExeName("bootstrap", runtime.GOOS)

// hostKey is the cache key of a host build of dir.
func hostKey(t *testing.T, dir string) string {
	t.Helper()
	return key(t, dir, runtime.GOOS, runtime.GOARCH)
}

// noBuild puts first on PATH a go that runs every command but build.
func noBuild(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script")
	}
	goTool, err := goCommand()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	script := "#!/bin/sh\nif [ \"$1\" = build ]; then echo 'go build ran' >&2; exit 1; fi\nexec " + goTool + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// TestSourceKey: the cache key changes with every source the build reads
// and with the go tool's settings, and only with those.
func TestSourceKey(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"go.mod":         "module example.com/m\n\ngo 1.22\n",
		"fn/main.go":     "package main\n\nimport \"example.com/m/lib\"\n\nfunc main() { println(lib.Hello()) }\n",
		"lib/lib.go":     "package lib\n\nfunc Hello() string { return \"hello\" }\n",
		"lib/data.txt":   "data\n",
		"other/other.go": "package other\n",
	}
	repotest.WriteFiles(t, root, files)
	fn := filepath.Join(root, "fn")
	base := hostKey(t, fn)
	tests := []struct {
		name    string
		change  func(t *testing.T)
		changed bool
	}{
		{"nothing", func(*testing.T) {}, false},
		{"a package outside the build", func(t *testing.T) { write(t, root, "other/other.go", "package other\n\nvar X = 1\n") }, false},
		{"a file that is not a source", func(t *testing.T) { write(t, root, "lib/data.txt", "other data\n") }, false},
		{"the function's package", func(t *testing.T) { write(t, root, "fn/main.go", files["fn/main.go"]+"\n// edited\n") }, true},
		{"a second package of the module", func(t *testing.T) { write(t, root, "lib/lib.go", files["lib/lib.go"]+"\n// edited\n") }, true},
		{"a new file in that package", func(t *testing.T) { write(t, root, "lib/more.go", "package lib\n") }, true},
		{"go.mod", func(t *testing.T) { write(t, root, "go.mod", files["go.mod"]+"\n// edited\n") }, true},
		{"go.sum", func(t *testing.T) { write(t, root, "go.sum", "\n") }, true},
		{"GOFLAGS", func(t *testing.T) { t.Setenv("GOFLAGS", "-tags=workshop") }, true},
		// Builds set it: cgo is off, as in the bootstrap Lambda runs.
		{"CGO_ENABLED", func(t *testing.T) { t.Setenv("CGO_ENABLED", "1") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := map[string][]byte{}
			for _, name := range []string{"go.mod", "go.sum", "fn/main.go", "lib/lib.go", "lib/more.go", "lib/data.txt", "other/other.go"} {
				data, err := os.ReadFile(filepath.Join(root, name))
				if err == nil {
					saved[name] = data
				}
			}
			t.Cleanup(func() {
				for _, name := range []string{"go.sum", "lib/more.go"} {
					os.Remove(filepath.Join(root, name))
				}
				for name, data := range saved {
					write(t, root, name, string(data))
				}
			})
			tt.change(t)
			if got := hostKey(t, fn); (got != base) != tt.changed {
				t.Errorf("after changing %s the key changed = %v, want %v", tt.name, got != base, tt.changed)
			}
		})
	}

	// Another architecture is another build.
	if key(t, fn, runtime.GOOS, "arm64") == key(t, fn, runtime.GOOS, "amd64") {
		t.Error("the key is the same for GOARCH=arm64 and GOARCH=amd64")
	}
	// Copies share the key, wherever they are: the function copied within
	// its module (as the checks' tests copy steps), and the whole module
	// elsewhere (another clone).
	fnCopy := filepath.Join(root, "copies", "fn")
	copyDir(t, fn, fnCopy)
	if got := hostKey(t, fnCopy); got != base {
		t.Errorf("a copy of the function in %s has another key than the original in %s", fnCopy, fn)
	}
	clone := filepath.Join(t.TempDir(), "clone")
	copyDir(t, root, clone)
	if got := hostKey(t, filepath.Join(clone, "fn")); got != base {
		t.Errorf("a copy of the module in %s has another key than the original in %s", clone, root)
	}
	// Names count, not only contents: a file renamed in the copy.
	if err := os.Rename(filepath.Join(fnCopy, "main.go"), filepath.Join(fnCopy, "app.go")); err != nil {
		t.Fatal(err)
	}
	if got := hostKey(t, fnCopy); got == base {
		t.Error("a copy whose main.go is renamed app.go has the original's key")
	}
}

// key is the cache key of a build of dir for goos/goarch.
func key(t *testing.T, dir, goos, goarch string) string {
	t.Helper()
	goTool, err := goCommand()
	if err != nil {
		t.Fatal(err)
	}
	k, err := rememberedKey(context.Background(), goTool, dir, goos, goarch)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// copyDir copies the files under from to to.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, root, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// sameContent reports whether files a and b hold the same bytes.
func sameContent(t *testing.T, a, b string) bool {
	t.Helper()
	da, err := os.ReadFile(a)
	if err != nil {
		t.Error(err)
		return false
	}
	db, err := os.ReadFile(b)
	if err != nil {
		t.Error(err)
		return false
	}
	return len(da) > 0 && bytes.Equal(da, db)
}

// TestBodiesEdited: an edit of the built package's Go files that keeps their
// headers (build constraints, package clause, imports) takes the cheap path,
// which hashes the new contents into the key go list would give; any other
// change needs go list again.
func TestBodiesEdited(t *testing.T) {
	goTool, err := goCommand()
	if err != nil {
		t.Fatal(err)
	}
	const main = "//go:build linux || darwin || windows\n\npackage main\n\nimport (\n\t\"example.com/m/lib\"\n)\n\nfunc main() { println(lib.Hello()) }\n"
	const util = "package main\n\nimport _ \"embed\"\n\nfunc util() int { return 1 }\n"
	files := map[string]string{
		"go.mod":     "module example.com/m\n\ngo 1.22\n",
		"fn/main.go": main,
		"fn/util.go": util,
		"lib/lib.go": "package lib\n\nfunc Hello() string { return \"hello\" }\n",
	}
	tests := []struct {
		name, file, text string
		cheap            bool
	}{
		{"a body", "fn/main.go", strings.Replace(main, "println(lib.Hello())", "println(lib.Hello(), 2)", 1), true},
		{"a comment after the imports", "fn/main.go", main + "\n// more\n", true},
		{"a second file's body", "fn/util.go", strings.Replace(util, "return 1", "return 2", 1), true},
		{"an import", "fn/main.go", strings.Replace(main, "import (\n", "import (\n\t\"os\"\n", 1) + "var _ = os.Args\n", false},
		{"a //go:build line", "fn/main.go", strings.Replace(main, "|| windows", "|| windows || freebsd", 1), false},
		{"the package clause", "fn/util.go", strings.Replace(util, "package main", "package util", 1), false},
		{"a //go:embed line", "fn/util.go", util + "\n//go:embed main.go\nvar self string\n", false},
		{"a new file", "fn/more.go", "package main\n", false},
		{"another package's body", "lib/lib.go", "package lib\n\nfunc Hello() string { return \"hi\" }\n", false},
		{"go.mod", "go.mod", "module example.com/m\n\ngo 1.23\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			repotest.WriteFiles(t, root, files)
			fn := filepath.Join(root, "fn")
			before, err := sourceKey(context.Background(), goTool, fn, runtime.GOOS, runtime.GOARCH, false)
			if err != nil {
				t.Fatal(err)
			}
			if same, ok := before.bodiesEdited(); !ok || same.key != before.key {
				t.Fatalf("with nothing changed, bodiesEdited = %v, key changed %v; want the same key", ok, same.key != before.key)
			}
			write(t, root, tt.file, tt.text)
			later := time.Now().Add(time.Minute) // a stamp that differs even on a coarse clock
			if err := os.Chtimes(filepath.Join(root, tt.file), later, later); err != nil {
				t.Fatal(err)
			}
			after, cheap := before.bodiesEdited()
			if cheap != tt.cheap {
				t.Fatalf("after changing %s, the cheap path = %v, want %v", tt.name, cheap, tt.cheap)
			}
			if !cheap {
				return
			}
			full, err := sourceKey(context.Background(), goTool, fn, runtime.GOOS, runtime.GOARCH, false)
			if err != nil {
				t.Fatal(err)
			}
			if after.key == before.key || after.key != full.key {
				t.Errorf("the cheap path's key changed = %v and equals go list's = %v; want both", after.key != before.key, after.key == full.key)
			}
			if again, ok := after.bodiesEdited(); !ok || again != after {
				t.Error("after the cheap path, the same files are not remembered as unchanged")
			}
		})
	}
}

// BuildHost keeps its cache in the user's cache directory.
func TestBuildHost(t *testing.T) {
	// go keeps its own build cache in the user's cache directory too: keep using it.
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOCACHE", strings.TrimSpace(string(gocache)))
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache) // where os.UserCacheDir looks on Linux
	src := testdata(t, "hello")
	bin, err := BuildHost(context.Background(), src, t.TempDir())
	if err != nil {
		t.Fatalf("BuildHost: %v", err)
	}
	if runtime.GOOS != "linux" {
		return
	}
	key := hostKey(t, src)
	if cached := filepath.Join(cache, "sam-dynamodb-go", "bootstrap", key); !sameContent(t, bin, cached) {
		t.Errorf("the build is not cached at %s", cached)
	}
}

func TestCompileError(t *testing.T) {
	t.Parallel()
	dir := testdata(t, "broken")
	err := Compile(context.Background(), Target{Dir: dir, Arch: "arm64"})
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("Compile error = %v (%T), want *CompileError", err, err)
	}
	if ce.Dir != dir {
		t.Errorf("Dir = %s, want %s", ce.Dir, dir)
	}
	const where = "internal/gobuild/testdata/broken/main.go:7:14: undefined: greeting"
	if !strings.Contains(ce.Output, where) {
		t.Errorf("Output = %q, want it to contain %q", ce.Output, where)
	}
	if strings.Contains(ce.Output, "# github.com") {
		t.Errorf("Output keeps the package header: %q", ce.Output)
	}
	want := "compiling internal/gobuild/testdata/broken for linux/arm64, as sam build does, failed:\n" + where
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestCompileErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Compile(ctx, Target{Dir: testdata(t, "hello"), Arch: "arm64"})
	var ce *CompileError
	if !errors.Is(err, context.Canceled) || errors.As(err, &ce) {
		t.Errorf("canceled compile = %v, want context.Canceled", err)
	}
	if _, err := BuildHost(ctx, testdata(t, "hello"), t.TempDir()); !errors.Is(err, context.Canceled) || errors.As(err, &ce) {
		t.Errorf("canceled build = %v, want context.Canceled", err)
	}
	if err := Compile(context.Background(), Target{Dir: testdata(t, "hello"), Arch: "mips"}); err == nil {
		t.Error("Compile with an unknown architecture succeeded")
	}
	if err := Compile(context.Background(), Target{Dir: "testdata/hello"}); err == nil || !strings.Contains(err.Error(), "absolute") {
		t.Errorf("relative dir: %v", err)
	}
}

func TestRelativeOutput(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "steps", "01-hello-api")
	tests := []struct{ in, want string }{
		{"# example.com/m/steps/01-hello-api\n./main.go:12:3: undefined: x\n", "steps/01-hello-api/main.go:12:3: undefined: x\n"},
		{"../shared/db.go:4:2: \"os\" imported and not used\n", "steps/shared/db.go:4:2: \"os\" imported and not used\n"},
		{filepath.Join(dir, "main.go") + ":3:1: syntax error\n", "steps/01-hello-api/main.go:3:1: syntax error\n"},
		{"\t./main.go:5:2: too many errors\n", "\tsteps/01-hello-api/main.go:5:2: too many errors\n"},
		{"/elsewhere/x.go:1:1: outside the module\n", "/elsewhere/x.go:1:1: outside the module\n"},
		{"go: cannot find main module\n", "go: cannot find main module\n"},
	}
	for _, tt := range tests {
		if got := relativeOutput(tt.in, dir); got != tt.want {
			t.Errorf("relativeOutput(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// BenchmarkSourceKey measures what each deployment pays to find its build in
// the cache of step 05's solution: go env and go list -deps, or the stamps of
// the files they listed when nothing has changed.
func BenchmarkSourceKey(b *testing.B) {
	goTool, err := goCommand()
	if err != nil {
		b.Fatal(err)
	}
	dir, err := filepath.Abs(filepath.Join("..", "..", "solutions", "05-put-then-scan"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("go list", func(b *testing.B) {
		for b.Loop() {
			if _, err := sourceKey(context.Background(), goTool, dir, runtime.GOOS, runtime.GOARCH, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("remembered", func(b *testing.B) {
		for b.Loop() {
			if _, err := rememberedKey(context.Background(), goTool, dir, runtime.GOOS, runtime.GOARCH); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A host build has cgo off whatever the environment says, as the bootstrap
// Lambda runs: a file only cgo builds would not compile.
func TestBuildHostCgoOff(t *testing.T) {
	t.Setenv("CGO_ENABLED", "1")
	root := t.TempDir()
	repotest.WriteFiles(t, root, map[string]string{
		"go.mod":  "module example.com/m\n\ngo 1.22\n",
		"main.go": "package main\n\nfunc main() {}\n",
		"cgo.go":  "//go:build cgo\n\npackage main\n\nvar _ int = \"not without cgo\"\n",
	})
	if _, err := BuildHost(context.Background(), root, t.TempDir()); err != nil {
		t.Fatalf("BuildHost with CGO_ENABLED=1 in the environment: %v; want a build with cgo off", err)
	}
}

// Compile says what only the link would: a package that compiles but is not
// a main package with a func main gives no bootstrap.
func TestCompileLinkable(t *testing.T) {
	tests := []struct {
		name, main, want string
	}{
		{"func main", "package main\n\nfunc main() {}\n", ""},
		{"no func main", "package main\n\nfunc handler() {}\n", "function main is undeclared in the main package"},
		{"a method named main", "package main\n\ntype t struct{}\n\nfunc (t) main() {}\n", "function main is undeclared in the main package"},
		{"not package main", "package hello\n\nfunc main() {}\n", "package hello is not a main package"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			repotest.WriteFiles(t, root, map[string]string{"go.mod": "module example.com/m\n\ngo 1.22\n", "main.go": tt.main})
			err := Compile(context.Background(), Target{Dir: root, Arch: "arm64"})
			var ce *CompileError
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Compile = %v, want nil", err)
			case tt.want != "" && (!errors.As(err, &ce) || !strings.Contains(ce.Output, tt.want) || ce.Target != "linux/arm64"):
				t.Errorf("Compile = %v, want a *CompileError for linux/arm64 saying %q", err, tt.want)
			case tt.want != "" && len(ce.Hints()) == 0 && tt.name == "no func main":
				t.Errorf("no hint for %q", ce.Output)
			}
		})
	}
}
