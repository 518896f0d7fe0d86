package gobuild

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain keeps this package's builds out of the user's cache: Build and
// BuildHost use the cache under XDG_CACHE_HOME, here a temporary one (go's
// own build cache stays where it is).
func TestMain(m *testing.M) {
	if os.Getenv("GOBUILD_TEST_BUILDER") == "" {
		gocache, err := exec.Command("go", "env", "GOCACHE").Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, "go env GOCACHE:", err)
			os.Exit(1)
		}
		tmp, err := os.MkdirTemp("", "gobuild-cache-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Setenv("GOCACHE", strings.TrimSpace(string(gocache)))
		os.Setenv("XDG_CACHE_HOME", tmp)
		code := m.Run()
		os.RemoveAll(tmp)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// A build is cached by content: the first fills the cache (miss), the next,
// into another directory, is linked from it without running go build (hit),
// and marks the entry used.
func TestCacheHitMiss(t *testing.T) {
	ctx := context.Background()
	src := testdata(t, "hello")
	c := cache{dir: t.TempDir(), limit: CacheLimit}
	entry := filepath.Join(c.dir, hostKey(t, src))

	out := t.TempDir()
	bin, err := c.build(ctx, src, out, runtime.GOOS, runtime.GOARCH)
	if err != nil {
		t.Fatalf("miss: %v", err)
	}
	if bin != filepath.Join(out, hostExe) {
		t.Errorf("build returned %s, want <outDir>/%s", bin, hostExe)
	}
	if !sameContent(t, bin, entry) {
		t.Fatalf("the cache does not hold the build at %s", entry)
	}

	// With a go that refuses to build, the build can only come from the cache.
	noBuild(t)
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(entry, old, old); err != nil {
		t.Fatal(err)
	}
	out = t.TempDir()
	bin, err = c.build(ctx, src, out, runtime.GOOS, runtime.GOARCH)
	if err != nil {
		t.Fatalf("hit, with a go that cannot build: %v", err)
	}
	if bin != filepath.Join(out, hostExe) || !sameContent(t, bin, entry) {
		t.Errorf("build returned %s, want <outDir>/%s holding the cached build", bin, hostExe)
	}
	if info, err := os.Stat(entry); err != nil || time.Since(info.ModTime()) > time.Hour {
		t.Errorf("the cached build used now was not marked as used (stat: %v)", err)
	}
}

// The cache keeps the most recently used builds that fit in its limit: a new
// build evicts the least recently used, and a hit makes an entry recent.
func TestCacheEvict(t *testing.T) {
	c := cache{dir: t.TempDir(), limit: 30}
	now := time.Now()
	for i, name := range []string{"a", "b", "c"} { // 10 bytes each, a the oldest
		path := filepath.Join(c.dir, name)
		if err := os.WriteFile(path, []byte("0123456789"), 0o755); err != nil {
			t.Fatal(err)
		}
		used := now.Add(time.Duration(i-3) * time.Hour)
		if err := os.Chtimes(path, used, used); err != nil {
			t.Fatal(err)
		}
	}
	stale := filepath.Join(c.dir, "x.123.tmp") // a copy a stopped process left
	if err := os.WriteFile(stale, []byte("0123456789"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(stale, now.Add(-2*time.Hour), now.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	newBuild := func(size int) string {
		path := filepath.Join(t.TempDir(), "bootstrap")
		if err := os.WriteFile(path, []byte(strings.Repeat("x", size)), 0o755); err != nil {
			t.Fatal(err)
		}
		return path
	}

	if !c.get("a", filepath.Join(t.TempDir(), "bootstrap")) { // a is now the most recent
		t.Fatal("get(a) missed")
	}
	c.put("d", newBuild(10)) // 40 bytes: one too many
	assertEntries(t, c, "a", "c", "d")

	c.put("e", newBuild(25)) // e alone fits
	assertEntries(t, c, "e")

	c.put("f", newBuild(31)) // larger than the limit: not kept
	assertEntries(t, c)
}

// assertEntries checks the cache holds exactly the entries named, within its limit.
func assertEntries(t *testing.T, c cache, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var total int64
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.IsDir() {
			continue
		}
		got = append(got, e.Name())
		total += info.Size()
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("cache holds %v, want %v", got, want)
	}
	if total > c.limit {
		t.Errorf("cache holds %d bytes, over its limit of %d", total, c.limit)
	}
}

// Two processes that need the same build at once build it once: the second
// waits for the first's lock, then takes its build from the cache. Without
// the lock both build, which the test must see, or it proves nothing.
func TestCacheOneBuildPerKey(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script")
	}
	for _, tt := range []struct {
		lock   bool
		builds int
	}{{true, 1}, {false, 2}} {
		t.Run(fmt.Sprintf("lock=%v", tt.lock), func(t *testing.T) {
			count := filepath.Join(t.TempDir(), "builds")
			slowBuild(t, count)
			cacheDir := t.TempDir()
			src := testdata(t, "hello")
			var cmds []*exec.Cmd
			for range 2 {
				cmd := exec.Command(os.Args[0], "-test.run=^TestCacheBuilder$")
				cmd.Env = append(os.Environ(), "GOBUILD_TEST_BUILDER="+cacheDir, "GOBUILD_TEST_SRC="+src, "GOBUILD_TEST_OUT="+t.TempDir())
				if !tt.lock {
					cmd.Env = append(cmd.Env, "GOBUILD_TEST_NOLOCK=1")
				}
				cmds = append(cmds, cmd)
			}
			errs := make(chan error, len(cmds))
			for _, cmd := range cmds {
				go func() {
					out, err := cmd.CombinedOutput()
					if err != nil {
						err = fmt.Errorf("%w: %s", err, out)
					}
					errs <- err
				}()
			}
			for range cmds {
				if err := <-errs; err != nil {
					t.Fatalf("builder: %v", err)
				}
			}
			data, err := os.ReadFile(count)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(string(data), "build\n"); got != tt.builds {
				t.Errorf("two processes building one key at once ran go build %d times, want %d", got, tt.builds)
			}
		})
	}
}

// TestCacheBuilder is one process of TestCacheOneBuildPerKey.
func TestCacheBuilder(t *testing.T) {
	cacheDir := os.Getenv("GOBUILD_TEST_BUILDER")
	if cacheDir == "" {
		t.Skip("run by TestCacheOneBuildPerKey")
	}
	if os.Getenv("GOBUILD_TEST_NOLOCK") != "" {
		lockKey = func(cache, string) (func(), error) { return func() {}, nil }
	}
	c := cache{dir: cacheDir, limit: CacheLimit}
	bin, err := c.build(context.Background(), os.Getenv("GOBUILD_TEST_SRC"), os.Getenv("GOBUILD_TEST_OUT"), runtime.GOOS, runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatal(err)
	}
}

// slowBuild puts first on PATH a go whose builds take two seconds longer, so
// that two at once overlap, and each adds a line to count.
func slowBuild(t *testing.T, count string) {
	t.Helper()
	goTool, err := goCommand()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	script := fmt.Sprintf("#!/bin/sh\nif [ \"$1\" = build ]; then echo build >> %q; sleep 2; fi\nexec %s \"$@\"\n", count, goTool)
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}
