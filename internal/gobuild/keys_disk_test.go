package gobuild

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// A new process finds the key of unchanged sources on disk, without running
// go: the go tool here is a wrapper that counts its runs. A file changed too
// recently to trust its stamp, or a new go tool, is not taken from disk.
func TestSourcesOnDisk(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the counting go wrapper is a shell script")
	}
	realGo, err := goCommand()
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	tests := []struct {
		name    string
		change  func(t *testing.T, root, goTool string)
		wantRun bool // the second process runs go
	}{
		{"nothing changed", func(*testing.T, string, string) {}, false},
		{"a body edited, settled", func(t *testing.T, root, _ string) {
			write(t, root, "fn/main.go", "package main\n\nfunc main() { println(2) }\n")
			touch(t, filepath.Join(root, "fn", "main.go"), old.Add(time.Minute))
		}, false},
		{"a new go tool in the old one's place", func(t *testing.T, _, goTool string) {
			touch(t, goTool, old.Add(time.Minute))
		}, true},
		{"go.mod changed", func(t *testing.T, root, _ string) {
			write(t, root, "go.mod", "module example.com/m\n\ngo 1.23\n")
			touch(t, filepath.Join(root, "go.mod"), old.Add(time.Minute))
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_CACHE_HOME", t.TempDir())
			root := t.TempDir()
			repotest.WriteFiles(t, root, map[string]string{
				"go.mod":     "module example.com/m\n\ngo 1.22\n",
				"fn/main.go": "package main\n\nfunc main() { println(1) }\n",
			})
			for _, p := range []string{"go.mod", "fn/main.go", "fn", "."} {
				touch(t, filepath.Join(root, p), old)
			}
			runs := filepath.Join(t.TempDir(), "runs")
			goTool := filepath.Join(t.TempDir(), "go")
			if err := os.WriteFile(goTool, []byte("#!/bin/sh\necho run >> "+runs+"\nexec "+realGo+" \"$@\"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			touch(t, goTool, old)
			fn := filepath.Join(root, "fn")
			first, err := rememberedKey(context.Background(), goTool, fn, runtime.GOOS, runtime.GOARCH)
			if err != nil {
				t.Fatal(err)
			}
			tt.change(t, root, goTool)
			keys.Clear() // a new process
			os.Remove(runs)
			second, err := rememberedKey(context.Background(), goTool, fn, runtime.GOOS, runtime.GOARCH)
			if err != nil {
				t.Fatal(err)
			}
			_, statErr := os.Stat(runs)
			if ran := statErr == nil; ran != tt.wantRun {
				t.Errorf("the second process ran go: %v, want %v", ran, tt.wantRun)
			}
			keys.Clear()
			full, err := sourceKey(context.Background(), realGo, fn, runtime.GOOS, runtime.GOARCH)
			if err != nil {
				t.Fatal(err)
			}
			if second != full.key {
				t.Errorf("the second process's key differs from go list's (first %s, second %s, go list %s)", short(first), short(second), short(full.key))
			}
		})
	}

	t.Run("a file changed just now is not kept", func(t *testing.T) {
		t.Setenv("XDG_CACHE_HOME", t.TempDir())
		root := t.TempDir()
		repotest.WriteFiles(t, root, map[string]string{
			"go.mod":     "module example.com/m\n\ngo 1.22\n",
			"fn/main.go": "package main\n\nfunc main() {}\n",
		})
		if _, err := rememberedKey(context.Background(), realGo, filepath.Join(root, "fn"), runtime.GOOS, runtime.GOARCH); err != nil {
			t.Fatal(err)
		}
		if entries, _ := os.ReadDir(sourcesDir()); len(entries) != 0 {
			t.Errorf("kept %d sources of files written just now; want none", len(entries))
		}
	})
}

func touch(t *testing.T, path string, when time.Time) {
	t.Helper()
	if err := os.Chtimes(path, when, when); err != nil {
		t.Fatal(err)
	}
}

func short(key string) string { return strings.TrimSpace(key)[:min(12, len(key))] }
