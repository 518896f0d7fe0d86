package gobuild

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// A go.work created above the module after a build chooses the modules of
// the next: one that does not use the function's module makes go (and sam
// build) refuse to build it, and the workshop too, after a body edit as well.
func TestGoWorkCreatedAbove(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	top := t.TempDir()
	repotest.WriteFiles(t, top, map[string]string{
		"m/go.mod":     "module example.com/m\n\ngo 1.22\n",
		"m/fn/main.go": "package main\n\nfunc main() { println(1) }\n",
		"other/go.mod": "module example.com/other\n\ngo 1.22\n",
	})
	old := time.Now().Add(-time.Hour)
	for _, p := range []string{"m/go.mod", "m/fn/main.go", "m/fn", "m", "."} {
		touch(t, filepath.Join(top, p), old)
	}
	fn := filepath.Join(top, "m", "fn")
	ctx := context.Background()
	if err := Compile(ctx, Target{Dir: fn, Arch: "arm64"}); err != nil {
		t.Fatal(err)
	}
	if _, err := BuildHost(ctx, fn, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	write(t, top, "go.work", "go 1.22\n\nuse ./other\n")
	for _, edit := range []string{"unchanged", "a body edited"} {
		if edit != "unchanged" {
			write(t, top, "m/fn/main.go", "package main\n\nfunc main() { println(2) }\n")
		}
		err := Compile(ctx, Target{Dir: fn, Arch: "arm64"})
		if err == nil || !strings.Contains(err.Error(), "go.work") {
			t.Errorf("%s: Compile with a go.work above that does not use the module = %v, want go's error naming go.work", edit, err)
		}
		_, err = BuildHost(ctx, fn, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "go.work") {
			t.Errorf("%s: BuildHost with a go.work above that does not use the module = %v, want go's error naming go.work", edit, err)
		}
	}
}
