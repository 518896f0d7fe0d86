package checks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHostBuildsBuildOncePerRun: the scripts of a run deploy at the same
// moment, and each function's code is built once for all of them.
func TestHostBuildsBuildOncePerRun(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	old := buildHost
	buildHost = func(ctx context.Context, dir, outDir string) (string, error) {
		calls.Add(1)
		<-release
		if err := os.MkdirAll(outDir, 0o755); err != nil {
			return "", err
		}
		bin := filepath.Join(outDir, "bootstrap")
		return bin, os.WriteFile(bin, []byte(dir), 0o755)
	}
	t.Cleanup(func() { buildHost = old })

	b, err := newHostBuilds(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{"/code/a", "/code/a", "/code/a", "/code/b", "/code/a", "/code/b"}
	bins := make([]string, len(dirs))
	var wg sync.WaitGroup
	for i, d := range dirs {
		wg.Go(func() {
			var err error
			if bins[i], err = b.build(t.Context(), d, t.TempDir()); err != nil {
				t.Error(err)
			}
		})
	}
	// A script that ends while the build runs stops waiting; the others still get it.
	gone, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := b.build(gone, "/code/a", t.TempDir()); !errors.Is(err, context.Canceled) {
		t.Errorf("a script whose context ended got %v, want context.Canceled", err)
	}
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 2 {
		t.Errorf("%d builds for two code directories, want 2", n)
	}
	for i, d := range dirs {
		if bins[i] != bins[0] && d == dirs[0] || bins[i] == bins[0] && d != dirs[0] {
			t.Errorf("script %d (%s) got %s; script 0 (%s) got %s", i, d, bins[i], dirs[0], bins[0])
		}
	}
	if data, err := os.ReadFile(bins[3]); err != nil || string(data) != "/code/b" {
		t.Errorf("the build of /code/b holds %q (%v)", data, err)
	}
	b.close()
	if _, err := os.Stat(b.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the run's builds are still in %s after close (%v)", b.dir, err)
	}
}
