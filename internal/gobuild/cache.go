package gobuild

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"

	"github.com/serverless-dva/sam-dynamodb-go/internal/proc"
)

// CacheLimit bounds the build cache: a bootstrap is 10–20 MB and each edit of
// a step makes a new one, so without a bound it fills a learner's disk. With
// the small caches beside it (templates, verdicts: a few MB at most), the
// workshop keeps at most 200 MB.
const CacheLimit = 190 * 1000 * 1000

// cache keeps builds by the key of their sources (sourceKey), one file per
// key, shared by every copy of a step and every process: checks build the
// same function many times, and go test runs packages in parallel processes.
// A file's modification time is its last use; the least recently used go
// first once the cache holds more than limit bytes.
type cache struct {
	dir   string
	limit int64
}

// userCache is the cache in the user's cache directory, where go keeps its
// own (XDG_CACHE_HOME on Linux).
func userCache() (cache, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return cache{}, err
	}
	return cache{dir: filepath.Join(dir, "sam-dynamodb-go", "bootstrap"), limit: CacheLimit}, nil
}

// cachedBuild is build through the user's cache, or without one when there is none.
func cachedBuild(ctx context.Context, dir, outDir, goos, goarch string) (string, error) {
	c, err := userCache()
	if err != nil {
		bin, _, err := build(ctx, dir, outDir, goos, goarch)
		return bin, err
	}
	return c.build(ctx, dir, outDir, goos, goarch)
}

// build puts a build of dir for goos/goarch at outDir/bootstrap: the cached
// one when the sources are unchanged, else a new one, which it caches. One
// process at a time builds a key; the others wait and then take its build.
func (c cache) build(ctx context.Context, dir, outDir, goos, goarch string) (string, error) {
	goBuild := func() (string, error) {
		bin, _, err := build(ctx, dir, outDir, goos, goarch)
		return bin, err
	}
	if !filepath.IsAbs(dir) || ctx.Err() != nil {
		return goBuild() // which says what is wrong
	}
	goTool, err := goCommand()
	if err != nil {
		return "", err
	}
	settings := keySettings(goTool, dir, goos, goarch)
	src, err := rememberedSource(ctx, goTool, dir, goos, goarch)
	if err != nil {
		// go build says what is wrong better than go list does.
		return goBuild()
	}
	out, err := filepath.Abs(filepath.Join(outDir, proc.ExeName("bootstrap", goos)))
	if err != nil {
		return "", fmt.Errorf("build %s: %w", dir, err)
	}
	if c.get(src.key, out) {
		return out, nil
	}
	unlock, err := lockKey(c, src.key)
	if err != nil {
		return goBuild() // no lock, no cache: still a build
	}
	defer unlock()
	if c.get(src.key, out) { // another process built it while this one waited
		return out, nil
	}
	if r := src.replay; r != nil {
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err == nil && r.run(ctx, dir, buildEnv(goos, goarch), out, false) == nil {
			if src.unchanged() {
				c.put(src.key, out)
			}
			return out, nil
		}
		if ctx.Err() != nil {
			return "", fmt.Errorf("build %s: %w", dir, ctx.Err())
		}
	}
	bin, r, err := build(ctx, dir, outDir, goos, goarch)
	if err != nil {
		return "", err
	}
	if r != nil {
		next := *src
		next.replay = r
		remember(settings, &next)
	}
	if src.unchanged() {
		c.put(src.key, bin)
	}
	return bin, nil
}

// get links the build of key to out and marks it used.
func (c cache) get(key, out string) bool {
	entry := filepath.Join(c.dir, key)
	if os.MkdirAll(filepath.Dir(out), 0o755) != nil || linkOrCopy(entry, out) != nil {
		return false
	}
	now := time.Now()
	_ = os.Chtimes(entry, now, now)
	return true
}

// put adds the build at bin as key's, then evicts down to the bound. A cache
// that cannot be written only costs the next build.
func (c cache) put(key, bin string) {
	if os.MkdirAll(c.dir, 0o755) != nil {
		return
	}
	entry := filepath.Join(c.dir, key)
	tmp := fmt.Sprintf("%s.%d.tmp", entry, os.Getpid())
	if linkOrCopy(bin, tmp) != nil || os.Rename(tmp, entry) != nil {
		_ = os.Remove(tmp)
		return
	}
	now := time.Now()
	_ = os.Chtimes(entry, now, now)
	c.evict()
}

// lockKey locks key's build across processes, until unlock. There are 256
// lock files, one per first byte of the key, so they never need removing
// (removing a lock file another process waits on would break the lock);
// two keys sharing one only wait for each other. Tests replace it.
var lockKey = func(c cache, key string) (unlock func(), err error) {
	locks := filepath.Join(c.dir, "locks")
	if err := os.MkdirAll(locks, 0o755); err != nil {
		return nil, err
	}
	return lockedfile.MutexAt(filepath.Join(locks, key[:2])).Lock()
}

// evict removes the least recently used builds until the rest fit in the
// limit, and temporary files left by a process that stopped mid-copy.
func (c cache) evict() {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	type file struct {
		path string
		used time.Time
		size int64
	}
	var files []file
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		path := filepath.Join(c.dir, e.Name())
		if strings.HasSuffix(e.Name(), ".tmp") {
			if time.Since(info.ModTime()) > time.Hour {
				_ = os.Remove(path)
			}
			continue
		}
		files = append(files, file{path, info.ModTime(), info.Size()})
	}
	slices.SortFunc(files, func(a, b file) int { return b.used.Compare(a.used) }) // newest first
	var total int64
	for i, f := range files {
		total += f.size
		if total > c.limit {
			for _, old := range files[i:] {
				_ = os.Remove(old.path)
			}
			return
		}
	}
}

// linkOrCopy makes dst the same file as src: a hard link, or a copy across file systems.
func linkOrCopy(src, dst string) error {
	_ = os.Remove(dst)
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o755)
}

// Use puts an executable built elsewhere at outDir/bootstrap, where a build
// would put it, and returns that path.
func Use(bin, outDir string) (string, error) {
	out, err := filepath.Abs(filepath.Join(outDir, proc.ExeName("bootstrap", runtime.GOOS)))
	if err != nil {
		return "", fmt.Errorf("using %s as the bootstrap: %w", bin, err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", fmt.Errorf("using %s as the bootstrap: %w", bin, err)
	}
	if err := linkOrCopy(bin, out); err != nil {
		return "", fmt.Errorf("using %s as the bootstrap: %w", bin, err)
	}
	return out, nil
}
