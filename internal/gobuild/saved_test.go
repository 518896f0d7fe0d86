package gobuild

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// savingGo puts first on PATH a go that, the first time it runs the
// subcommand cmd, saves text as path (a learner's save while the workshop
// builds): before go reads the sources, or after it has read them when
// after.
func savingGo(t *testing.T, cmd, path, text string, after bool) {
	t.Helper()
	next := filepath.Join(t.TempDir(), "next")
	if err := os.WriteFile(next, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	save := "if [ \"$1\" = " + cmd + " ] && [ -f '" + next + "' ]; then mv '" + next + "' '" + path + "'; fi\n"
	if after {
		goWrapper(t, "\"$GO\" \"$@\"\nrc=$?\n"+save+"exit $rc\n")
		return
	}
	goWrapper(t, save+"exec \"$GO\" \"$@\"\n")
}

// A save while go builds: the build may hold the code saved, so it is not
// cached under the key of the code before; the code before, back (an undo),
// is built again and runs.
func TestBuildSavedDuring(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	one := "package main\n\nfunc main() { println(\"one\") }\n"
	root, fn := settledFunction(t, one)
	main := filepath.Join(root, "fn", "main.go")
	savingGo(t, "build", main, "package main\n\nfunc main() { println(\"two\") }\n", false)
	if _, err := BuildHost(context.Background(), fn, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	write(t, root, "fn/main.go", one) // the undo
	keys.Clear()                      // a new process
	bin, err := BuildHost(context.Background(), fn, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin).CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "one" {
		t.Errorf("after the undo, the bootstrap printed %q (%v), want \"one\": a build of the code saved during the first build was cached as the build of the code before", out, err)
	}
}

// A save while go list compiles: what compiled was the code before, so the
// code saved, which does not compile, is not taken as compiled.
func TestCompileSavedDuring(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	root, fn := settledFunction(t, "package main\n\nfunc main() { println(1) }\n")
	savingGo(t, "list", filepath.Join(root, "fn", "main.go"), "package main\n\nfunc main() { println(undefinedName) }\n", true)
	target := Target{Dir: fn, Arch: "arm64"}
	if err := Compile(context.Background(), target); err != nil {
		t.Fatalf("the first compile (of the code before the save) = %v, want nil", err)
	}
	err := Compile(context.Background(), target)
	var ce *CompileError
	if !errors.As(err, &ce) || !strings.Contains(ce.Output, "undefined: undefinedName") {
		t.Errorf("Compile of the code saved = %v, want a *CompileError with \"undefined: undefinedName\"", err)
	}
}
