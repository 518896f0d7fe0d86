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
		{"a same-size edit with its time set back, as cp -p and tar do", func(t *testing.T, root, _ string) {
			write(t, root, "fn/main.go", "package main\n\nfunc main() { println(3) }\n")
			touch(t, filepath.Join(root, "fn", "main.go"), old)
		}, false},
		{"a body edited by renaming a new file over the old one", func(t *testing.T, root, _ string) {
			write(t, root, "fn/.main.go.swp", "package main\n\nfunc main() { println(2) }\n")
			touch(t, filepath.Join(root, "fn", ".main.go.swp"), old.Add(time.Minute))
			if err := os.Rename(filepath.Join(root, "fn", ".main.go.swp"), filepath.Join(root, "fn", "main.go")); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"a file added", func(t *testing.T, root, _ string) {
			write(t, root, "fn/other.go", "package main\n")
			touch(t, filepath.Join(root, "fn", "other.go"), old.Add(time.Minute))
		}, true},
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
			goTool, ran := countingGo(t)
			root, fn := settledFunction(t, "package main\n\nfunc main() { println(1) }\n")
			first, err := rememberedKey(context.Background(), goTool, fn, runtime.GOOS, runtime.GOARCH)
			if err != nil {
				t.Fatal(err)
			}
			tt.change(t, root, goTool)
			keys.Clear() // a new process
			ran()
			second, err := rememberedKey(context.Background(), goTool, fn, runtime.GOOS, runtime.GOARCH)
			if err != nil {
				t.Fatal(err)
			}
			if got := ran(); got != tt.wantRun {
				t.Errorf("the second process ran go: %v, want %v", got, tt.wantRun)
			}
			keys.Clear()
			full, err := sourceKey(context.Background(), realGo, fn, runtime.GOOS, runtime.GOARCH, false)
			if err != nil {
				t.Fatal(err)
			}
			if second != full.key {
				t.Errorf("the second process's key differs from go list's (first %s, second %s, go list %s)", short(first), short(second), short(full.key))
			}
		})
	}

	// A second edit within the file system's timestamp resolution leaves the
	// stamp as it was: a file changed just now is read again.
	t.Run("a file changed just now is read again", func(t *testing.T) {
		t.Setenv("XDG_CACHE_HOME", t.TempDir())
		root := t.TempDir()
		repotest.WriteFiles(t, root, map[string]string{
			"go.mod":     "module example.com/m\n\ngo 1.22\n",
			"fn/main.go": "package main\n\nfunc main() { println(1) }\n",
		})
		touch(t, filepath.Join(root, "go.mod"), old)
		main := filepath.Join(root, "fn", "main.go")
		info, err := os.Stat(main)
		if err != nil {
			t.Fatal(err)
		}
		fn := filepath.Join(root, "fn")
		if _, err := rememberedKey(context.Background(), realGo, fn, runtime.GOOS, runtime.GOARCH); err != nil {
			t.Fatal(err)
		}
		write(t, root, "fn/main.go", "package main\n\nfunc main() { println(2) }\n")
		touch(t, main, info.ModTime()) // the same size and time: the same stamp
		keys.Clear()                   // a new process
		second, err := rememberedKey(context.Background(), realGo, fn, runtime.GOOS, runtime.GOARCH)
		if err != nil {
			t.Fatal(err)
		}
		full, err := sourceKey(context.Background(), realGo, fn, runtime.GOOS, runtime.GOARCH, false)
		if err != nil {
			t.Fatal(err)
		}
		if second != full.key {
			t.Errorf("a new process kept the key of main.go before its second edit (%s), go list's is %s", short(second), short(full.key))
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
