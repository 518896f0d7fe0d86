package gobuild

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/usercache"
)

// Sources are also kept on disk, so that a new process need not run go list
// for sources that did not change: each go test of a step starts stepcheck
// afresh, and it would list the harness's 300 packages (a fifth of a second)
// on every edit to find its build in the cache.

// keptSources bounds the files kept: one per directory and settings built.
const keptSources = 100

// racyWindow: a stamp taken this soon after the file's last change may miss a
// second change within the file system's timestamp resolution (git calls
// such an index entry racy), so such a source is kept in memory only.
const racyWindow = 2 * time.Second

// diskSource is source as JSON.
type diskSource struct {
	Key   string
	Parts []string
	Read  stamps
	Files map[string]diskFile
}

type diskFile struct {
	Part   int
	Name   string
	Header string
	Embed  bool
}

// sourcesDir is where sources are kept; "" when there is no user cache.
func sourcesDir() string {
	c, err := userCache()
	if err != nil {
		return ""
	}
	return filepath.Join(filepath.Dir(c.dir), "sources")
}

// sourceName is the file that keeps the source of settings.
func sourceName(settings string) string {
	sum := sha256.Sum256([]byte(settings))
	return hex.EncodeToString(sum[:16]) + ".json"
}

// loadSource reads the source kept for settings; nil when there is none.
func loadSource(settings string) *source {
	dir := sourcesDir()
	if dir == "" {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(dir, sourceName(settings)))
	if err != nil {
		return nil
	}
	var d diskSource
	if json.Unmarshal(data, &d) != nil || d.Key == "" {
		return nil
	}
	s := &source{key: d.Key, parts: d.Parts, read: d.Read, files: map[string]sourceFile{}}
	for path, f := range d.Files {
		if f.Part < 0 || f.Part >= len(s.parts) {
			return nil
		}
		s.files[path] = sourceFile{part: f.Part, name: f.Name, header: f.Header, embed: f.Embed}
	}
	return s
}

// storeSource keeps s for settings, unless a file it read changed too
// recently to trust its stamp. A source that cannot be kept only costs the
// next process a go list.
func storeSource(settings string, s *source) {
	dir := sourcesDir()
	if dir == "" || !settled(s.read, time.Now()) {
		return
	}
	d := diskSource{Key: s.key, Parts: s.parts, Read: s.read, Files: map[string]diskFile{}}
	for path, f := range s.files {
		d.Files[path] = diskFile{Part: f.part, Name: f.name, Header: f.header, Embed: f.embed}
	}
	data, err := json.Marshal(d)
	if err != nil || usercache.Put(dir, sourceName(settings), data) != nil {
		return
	}
	usercache.Keep(dir, keptSources)
}

// settled reports whether every stamp was last changed over racyWindow before now.
func settled(read stamps, now time.Time) bool {
	for _, st := range read {
		_, mtime, ok := strings.Cut(st, " ")
		if !ok {
			continue // a missing file
		}
		ns, err := strconv.ParseInt(mtime, 10, 64)
		if err != nil || now.Sub(time.Unix(0, ns)) < racyWindow {
			return false
		}
	}
	return true
}
