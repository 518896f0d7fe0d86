package gobuild

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
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
// such an index entry racy), so a source kept on disk lists such files, and
// the next process reads them again whatever their stamps say.
const racyWindow = 2 * time.Second

// diskSource is source as JSON.
type diskSource struct {
	Key   string
	Parts []string
	Read  stamps
	Files map[string]diskFile
	// Replay, Package and OKKey: see source.
	Replay  *replay        `json:",omitempty"`
	Package *listedPackage `json:",omitempty"`
	OKKey   string         `json:",omitempty"`
	Racy    []string       `json:",omitempty"`
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
	s := &source{key: d.Key, parts: d.Parts, read: d.Read, files: map[string]sourceFile{}, replay: d.Replay, pkg: d.Package, okKey: d.OKKey, racy: map[string]bool{}}
	for _, path := range d.Racy {
		s.racy[path] = true
	}
	for path, f := range d.Files {
		if f.Part < 0 || f.Part >= len(s.parts) {
			return nil
		}
		s.files[path] = sourceFile{part: f.Part, name: f.Name, header: f.Header, embed: f.Embed}
	}
	return s
}

// storeSource keeps s for settings. A source that cannot be kept only costs
// the next process a go list.
func storeSource(settings string, s *source) {
	dir := sourcesDir()
	if dir == "" {
		return
	}
	d := diskSource{Key: s.key, Parts: s.parts, Read: s.read, Files: map[string]diskFile{}, Replay: s.replay, Package: s.pkg, OKKey: s.okKey,
		Racy: slices.Sorted(maps.Keys(s.racy))}
	for path, f := range s.files {
		d.Files[path] = diskFile{Part: f.part, Name: f.name, Header: f.header, Embed: f.embed}
	}
	data, err := json.Marshal(d)
	if err != nil || usercache.Put(dir, sourceName(settings), data) != nil {
		return
	}
	usercache.Keep(dir, keptSources)
}

// racy lists the files whose stamps were last changed less than racyWindow
// before now (or after it).
func racy(read stamps, now time.Time) []string {
	var out []string
	for path, st := range read {
		f := strings.Fields(st) // size, modification time, ...
		if len(f) < 2 || f[0] == "dir" {
			continue // missing, or a directory's names
		}
		ns, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || now.Sub(time.Unix(0, ns)) < racyWindow {
			out = append(out, path)
		}
	}
	slices.Sort(out)
	return out
}
