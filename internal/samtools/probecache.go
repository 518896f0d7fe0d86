package samtools

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
	"github.com/serverless-dva/sam-dynamodb-go/internal/usercache"
)

// The probe's answer is kept on disk, so that a new process (each `go test`
// of a step) need not start Python only to learn what it learnt last time.
// The entry's name is a hash of what decides which Python the probe would
// run; the entry holds the stamps of what the answer depends on, compared
// before it is used. Only complete answers are kept: a missing tool is asked
// again each time, so installing it is noticed.

// probeEnv are the variables that choose the Python a name runs or where it
// finds its packages.
var probeEnv = append([]string{"PATH"}, tool.PythonEnv...)

// probeEntry is one cached probe answer.
type probeEntry struct {
	Python   string            `json:"python"`   // the interpreter, sys.executable
	Versions map[string]string `json:"versions"` // cfn-lint and aws-sam-translator
	// Stamps are the stamps of the interpreter and of the tools' install
	// directories when probed; any change (an upgrade, an uninstall) means
	// probing again.
	Stamps map[string]string `json:"stamps"`
}

// keepProbes bounds the probe entries: one per Python setup a user switches
// between.
const keepProbes = 16

// probeFile is the cache file for a probe of the Python that name resolved
// to (found); "" when dir is "".
func probeFile(dir, name, found string) string {
	if dir == "" {
		return ""
	}
	h := sha256.New()
	add := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	add(script) // a new script may answer differently
	add(name)
	add(found)
	add(stamp(found))
	for _, v := range probeEnv {
		add(v + "=" + os.Getenv(v))
	}
	for _, f := range versionFiles(found) {
		add(f)
		add(stamp(f))
	}
	return filepath.Join(dir, "probe", hex.EncodeToString(h.Sum(nil))+".json")
}

// versionFiles are the files a version manager's shim (found in a "shims"
// directory, as pyenv's and asdf's are) reads to choose a Python: the
// global version file, and the local ones from the directory the probe runs
// in (see runPython) up to the root.
func versionFiles(found string) []string {
	shims := filepath.Dir(found)
	if filepath.Base(shims) != "shims" {
		return nil
	}
	files := []string{filepath.Join(filepath.Dir(shims), "version")} // pyenv global
	if home, err := os.UserHomeDir(); err == nil {
		files = append(files, filepath.Join(home, ".tool-versions")) // asdf global
	}
	dir := os.Getenv("PYENV_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	for {
		files = append(files, filepath.Join(dir, ".python-version"), filepath.Join(dir, ".tool-versions"))
		parent := filepath.Dir(dir)
		if parent == dir {
			return files
		}
		dir = parent
	}
}

// stamp is a file's size and modification time, "" if it does not exist.
func stamp(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d %d", info.Size(), info.ModTime().UnixNano())
}

// cachedProbe is the entry in file, if its stamps still hold.
func cachedProbe(file string) (*tools, bool) {
	if file == "" {
		return nil, false
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, false
	}
	var e probeEntry
	if json.Unmarshal(raw, &e) != nil || e.Python == "" || e.Stamps[e.Python] == "" {
		return nil, false
	}
	for path, want := range e.Stamps {
		if stamp(path) != want {
			return nil, false
		}
	}
	return &tools{python: e.Python, versions: e.Versions}, true
}

// keepProbe records a complete answer: the script reports the install
// directories only when it found every tool's metadata. Failing to write is
// no error: the cache is only a speed-up.
func keepProbe(file string, t *tools, installed []string) {
	if file == "" || len(installed) == 0 {
		return
	}
	e := probeEntry{Python: t.python, Versions: t.versions, Stamps: map[string]string{}}
	for _, path := range append([]string{t.python}, installed...) {
		s := stamp(path)
		if s == "" {
			return
		}
		e.Stamps[path] = s
	}
	data, err := json.Marshal(e)
	if err != nil {
		return
	}
	if usercache.Put(filepath.Dir(file), filepath.Base(file), data) == nil {
		usercache.Keep(filepath.Dir(file), keepProbes)
	}
}
