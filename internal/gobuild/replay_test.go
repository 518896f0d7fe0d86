package gobuild

import (
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
)

// goWrapper puts first on PATH a go that is a shell script, body, which
// runs the real go as "$GO", and returns its path.
func goWrapper(t *testing.T, body string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the go wrapper is a shell script")
	}
	realGo, err := goCommand()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	goTool := filepath.Join(bin, "go")
	if err := os.WriteFile(goTool, []byte("#!/bin/sh\nGO='"+realGo+"'\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	touch(t, goTool, time.Now().Add(-time.Hour))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return goTool
}

// countingGo puts first on PATH a go that records each run, and returns
// its path and a function that reports whether it ran since the last call.
func countingGo(t *testing.T) (string, func() bool) {
	t.Helper()
	runs := filepath.Join(t.TempDir(), "runs")
	goTool := goWrapper(t, "echo run >> '"+runs+"'\nexec \"$GO\" \"$@\"\n")
	return goTool, func() bool {
		_, err := os.Stat(runs)
		os.Remove(runs)
		return err == nil
	}
}

// settledFunction writes a module with the function fn (its main.go), all
// last changed an hour ago, as a step is before an edit; it returns the
// module's root and fn's directory.
func settledFunction(t *testing.T, main string) (root, fn string) {
	t.Helper()
	root = t.TempDir()
	repotest.WriteFiles(t, root, map[string]string{"go.mod": "module example.com/m\n\ngo 1.22\n", "fn/main.go": main})
	old := time.Now().Add(-time.Hour)
	for _, p := range []string{"go.mod", "fn/main.go", "fn", "."} {
		touch(t, filepath.Join(root, p), old)
	}
	return root, filepath.Join(root, "fn")
}

// After go list compiled a package once, an edit of its bodies is compiled
// by replaying go's compile, in a new process too: go runs only for what the
// replay cannot settle, and its errors are go's own messages.
func TestCompileAgain(t *testing.T) {
	tests := []struct {
		name    string
		main    string // main.go after the edit
		wantRun bool   // go ran for the second compile
		wantErr string
	}{
		{"unchanged", "package main\n\nfunc main() { println(1) }\n", false, ""},
		{"a body edited", "package main\n\nfunc main() { println(2) }\n", false, ""},
		{"a body edited to an error", "package main\n\nfunc main() { println(undefinedName) }\n", true, "main.go:3:23: undefined: undefinedName"},
		{"func main removed", "package main\n\nfunc handler() { println(2) }\n", false, "function main is undeclared in the main package"},
		{"an import added", "package main\n\nimport \"strings\"\n\nfunc main() { println(strings.ToUpper(\"x\")) }\n", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_CACHE_HOME", t.TempDir())
			_, ran := countingGo(t)
			root, fn := settledFunction(t, "package main\n\nfunc main() { println(1) }\n")
			if err := Compile(context.Background(), Target{Dir: fn, Arch: "arm64"}); err != nil {
				t.Fatal(err)
			}
			if !ran() {
				t.Fatal("the first compile did not run go")
			}
			repotest.WriteFiles(t, root, map[string]string{"fn/main.go": tt.main})
			keys.Clear() // a new process
			err := Compile(context.Background(), Target{Dir: fn, Arch: "arm64"})
			var ce *CompileError
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Compile after the edit = %v, want nil", err)
			case tt.wantErr != "" && (!errors.As(err, &ce) || !strings.Contains(ce.Output, tt.wantErr) || ce.Target != "linux/arm64"):
				t.Errorf("Compile after the edit = %v, want a *CompileError for linux/arm64 with %q", err, tt.wantErr)
			}
			if got := ran(); got != tt.wantRun {
				t.Errorf("go ran for the compile after the edit: %v, want %v", got, tt.wantRun)
			}
		})
	}
}

// After go built a function once, an edit of its bodies is built by running
// go's compile and link again, without go, in a new process too; the
// bootstrap runs the new code. What go must settle, it does: a compile error
// (with go's own message), an import added, a package go builds with more
// than the compiler (assembly).
func TestBuildReplays(t *testing.T) {
	tests := []struct {
		name    string
		git     bool              // the module is a git clone, where go would stamp the commit
		files   map[string]string // written after the first build
		wantRun bool              // go ran for the build after the edit
		wantOut string            // what the bootstrap prints
		wantErr string
	}{
		{"a body edited", false, map[string]string{"fn/main.go": "package main\n\nfunc main() { println(\"two\") }\n"}, false, "two", ""},
		{"a body edited in a git clone", true, map[string]string{"fn/main.go": "package main\n\nfunc main() { println(\"two\") }\n"}, false, "two", ""},
		{"a body edited to an error", false, map[string]string{"fn/main.go": "package main\n\nfunc main() { println(two) }\n"}, true, "", "fn/main.go:3:23: undefined: two"},
		{"an import added", false, map[string]string{"fn/main.go": "package main\n\nimport \"strings\"\n\nfunc main() { println(strings.ToUpper(\"three\")) }\n"}, true, "THREE", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_CACHE_HOME", t.TempDir())
			_, ran := countingGo(t)
			root, fn := settledFunction(t, "package main\n\nfunc main() { println(\"one\") }\n")
			if tt.git {
				gitInit(t, root)
			}
			if _, err := BuildHost(context.Background(), fn, t.TempDir()); err != nil {
				t.Fatal(err)
			}
			ran()
			repotest.WriteFiles(t, root, tt.files)
			keys.Clear() // a new process
			bin, err := BuildHost(context.Background(), fn, t.TempDir())
			var ce *CompileError
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("the build after the edit: %v", err)
			case tt.wantErr != "" && (!errors.As(err, &ce) || !strings.HasPrefix(ce.Output, tt.wantErr)):
				t.Errorf("the build after the edit = %v, want a *CompileError starting %q (go's message alone)", err, tt.wantErr)
			}
			if got := ran(); got != tt.wantRun {
				t.Errorf("go ran for the build after the edit: %v, want %v", got, tt.wantRun)
			}
			if tt.wantOut != "" {
				out, err := exec.Command(bin).CombinedOutput()
				if err != nil || strings.TrimSpace(string(out)) != tt.wantOut {
					t.Errorf("the bootstrap printed %q (%v), want %q", out, err, tt.wantOut)
				}
			}
		})
	}
}

// gitInit makes root a git clone with one commit, or skips without git.
func gitInit(t *testing.T, root string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "start"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}

// go's -x output is a replay only when it is one compile and at most one
// link: not when a dependency was compiled in the same run (its output is
// gone with the work directory), nor with assembly, which the compiler alone
// does not build.
func TestParseX(t *testing.T) {
	goTool, err := goCommand()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		files      map[string]string
		prebuild   bool // build once before, so dependencies are in go's cache
		wantReplay bool
	}{
		{"dependencies cached", map[string]string{"fn/main.go": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(1) }\n"}, true, true},
		{"a dependency compiled too", map[string]string{"fn/main.go": "package main\n\nimport \"example.com/m/lib\"\n\nfunc main() { lib.F() }\n", "lib/lib.go": "package lib\n\nfunc F() { println(" + time.Now().Format("150405.000000000") + ") }\n"}, false, false},
		{"assembly", map[string]string{"fn/main.go": "package main\n\nfunc f()\n\nfunc main() {}\n", "fn/f_amd64.s": "TEXT ·f(SB),0,$0\n\tRET\n", "fn/f_arm64.s": "TEXT ·f(SB),0,$0\n\tRET\n"}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			repotest.WriteFiles(t, root, map[string]string{"go.mod": "module example.com/m\n\ngo 1.22\n"})
			repotest.WriteFiles(t, root, tt.files)
			fn := filepath.Join(root, "fn")
			if tt.prebuild {
				cmd := exec.Command(goTool, "build", "-o", filepath.Join(t.TempDir(), "x"), ".")
				cmd.Dir = fn
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("go build: %v\n%s", err, out)
				}
				write(t, root, "fn/main.go", strings.Replace(tt.files["fn/main.go"], "func main() {", "func main() { println(2);", 1))
			}
			cmd := exec.Command(goTool, "build", "-x", "-o", filepath.Join(t.TempDir(), "x"), ".")
			cmd.Dir = fn
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("go build -x: %v\n%s", err, stderr.String())
			}
			r := parseX(stderr.String())
			if got := r != nil && r.Link != nil; got != tt.wantReplay {
				t.Errorf("parseX gives a replay: %v, want %v; go build -x printed:\n%s", got, tt.wantReplay, stderr.String())
			}
		})
	}
}

// Under -x, a failing go's messages are the same as without it.
func TestWithoutCommands(t *testing.T) {
	goTool, err := goCommand()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, main string }{
		{"a compile error", "package main\n\nfunc main() { println(undefinedName) }\n"},
		{"an unused import", "package main\n\nimport \"fmt\"\n\nfunc main() {}\n"},
		{"no func main", "package main\n\nfunc handler() {}\n"},
		{"a missing module", "package main\n\nimport \"example.org/nowhere/x\"\n\nfunc main() { x.F() }\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			repotest.WriteFiles(t, root, map[string]string{"go.mod": "module example.com/m\n\ngo 1.22\n", "main.go": tt.main})
			run := func(args ...string) string {
				cmd := exec.Command(goTool, append(append([]string{"build"}, args...), "-o", filepath.Join(t.TempDir(), "x"), ".")...)
				cmd.Dir = root
				cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
				out, err := cmd.CombinedOutput()
				if err == nil {
					t.Fatalf("go build %v succeeded", args)
				}
				return string(out)
			}
			plain, x := run(), run("-x")
			if got := withoutCommands(x); got != plain {
				t.Errorf("withoutCommands(go build -x) = %q, want go build's %q", got, plain)
			}
		})
	}
}
