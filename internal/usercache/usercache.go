// Package usercache keeps the workshop's small caches (verdicts, build
// sources) as files in the user's cache directory: written whole or not at
// all, and bounded by count.
package usercache

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Put writes data to dir/name through a temporary file and a rename, so that
// another process reads the old content or the new, never half of it.
func Put(dir, name string, data []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, name)
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// Keep removes the least recently written files of dir beyond the newest n.
func Keep(dir string, n int) {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) <= n {
		return
	}
	type file struct {
		path    string
		written time.Time
	}
	var files []file
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			files = append(files, file{filepath.Join(dir, e.Name()), info.ModTime()})
		}
	}
	slices.SortFunc(files, func(a, b file) int { return b.written.Compare(a.written) }) // newest first
	for _, old := range files[min(n, len(files)):] {
		_ = os.Remove(old.path)
	}
}
