package samtools

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

// resetProbes forgets the probes of this process, as a new process starts.
func resetProbes() {
	probes.mu.Lock()
	probes.calls = nil
	probes.mu.Unlock()
}

// The probe's answer on disk spares a new process the Python run, and only
// while what it depends on is unchanged. A fake pyenv shim stands in for
// Python: it counts its runs and prints the answer in a file.
func TestProbeDiskCache(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script")
	}
	root := t.TempDir() // a fake PYENV_ROOT
	shim := filepath.Join(root, "shims", "python")
	interp := filepath.Join(root, "versions", "3.12", "bin", "python")
	site := filepath.Join(root, "versions", "3.12", "site-packages")
	meta := filepath.Join(site, "cfn_lint-1.0.dist-info")
	runs, answer := filepath.Join(root, "runs"), filepath.Join(root, "answer")
	for _, d := range []string{filepath.Dir(shim), filepath.Dir(interp), meta} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path, data string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(shim, "#!/bin/sh\necho run >> '"+runs+"'\ncat '"+answer+"'\n")
	write(interp, "the interpreter")
	write(filepath.Join(root, "version"), "3.12\n")
	complete := `{"executable": "` + interp + `", "versions": {"cfn-lint": "1.0", "aws-sam-translator": "1.9"}, "installed": ["` + meta + `", "` + site + `"]}`
	unknown := `{"executable": "` + interp + `", "versions": {"cfn-lint": "unknown", "aws-sam-translator": "1.9"}, "installed": []}`
	noCfnLint := `{"executable": "` + interp + `", "versions": {"cfn-lint": "", "aws-sam-translator": "1.9"}, "installed": []}`
	write(answer, complete)

	t.Setenv("WORKSHOP_PYTHON", shim)
	for _, v := range probeEnv[1:] { // all but PATH: the shim needs cat
		t.Setenv(v, "")
	}
	cacheDir := t.TempDir()
	t.Cleanup(resetProbes)
	touched := time.Now()
	touch := func(path string) {
		t.Helper()
		touched = touched.Add(time.Minute) // a stamp no file system rounds away
		if err := os.Chtimes(path, touched, touched); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name     string
		change   func()
		wantRuns int    // Python runs: 0 when the disk answers
		missing  bool   // the probe says cfn-lint is not installed
		version  string // of cfn-lint; "" for 1.0
	}{
		{name: "first run", wantRuns: 1},
		{name: "new process, nothing changed"},
		{name: "PATH changed", change: func() { t.Setenv("PATH", os.Getenv("PATH")+string(os.PathListSeparator)+root) }, wantRuns: 1},
		{name: "after PATH changed"},
		{name: "PYENV_VERSION set", change: func() { t.Setenv("PYENV_VERSION", "3.11") }, wantRuns: 1},
		{name: "pyenv global version changed", change: func() { touch(filepath.Join(root, "version")) }, wantRuns: 1},
		{name: "shim replaced", change: func() { touch(shim) }, wantRuns: 1},
		{name: "interpreter replaced", change: func() { touch(interp) }, wantRuns: 1},
		{name: "a package installed beside the tools", change: func() { touch(site) }, wantRuns: 1},
		{name: "cfn-lint upgraded in place", change: func() { touch(meta) }, wantRuns: 1},
		{name: "entry unreadable", change: func() {
			files, _ := filepath.Glob(filepath.Join(cacheDir, "probe", "*.json"))
			for _, f := range files {
				write(f, "{")
			}
		}, wantRuns: 1},
		{name: "no metadata: not kept", change: func() { touch(site); write(answer, unknown) }, wantRuns: 1, version: "unknown"},
		{name: "no metadata: asked again", wantRuns: 1, version: "unknown"},
		{name: "cfn-lint uninstalled", change: func() {
			if err := os.Remove(meta); err != nil {
				t.Fatal(err)
			}
			write(answer, noCfnLint)
		}, wantRuns: 1, missing: true},
		{name: "still missing: asked again", wantRuns: 1, missing: true},
		{name: "cfn-lint reinstalled", change: func() {
			if err := os.Mkdir(meta, 0o755); err != nil {
				t.Fatal(err)
			}
			write(answer, complete)
		}, wantRuns: 1},
		{name: "after reinstall"},
	}
	count := func() int {
		data, _ := os.ReadFile(runs)
		return strings.Count(string(data), "run\n")
	}
	for _, tt := range tests {
		if tt.change != nil {
			tt.change()
		}
		resetProbes() // a new process
		before := count()
		got, err := findTools(context.Background(), cacheDir)
		if ran := count() - before; ran != tt.wantRuns {
			t.Errorf("%s: Python ran %d times, want %d", tt.name, ran, tt.wantRuns)
		}
		if tt.missing {
			if !errors.Is(err, tool.ErrMissing) || !strings.Contains(err.Error(), "cfn-lint") {
				t.Errorf("%s: findTools = %v, want cfn-lint missing", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if tt.version == "" {
			tt.version = "1.0"
		}
		if got.python != interp || got.versions["cfn-lint"] != tt.version || got.versions["aws-sam-translator"] != "1.9" {
			t.Errorf("%s: tools = %+v, want the interpreter %s and the probed versions", tt.name, got, interp)
		}
	}
}

// The real script reports what the cache needs: the interpreter and the
// tools' install directories.
func TestProbeRealPython(t *testing.T) {
	requireTools(t)
	t.Cleanup(resetProbes)
	resetProbes()
	cacheDir := t.TempDir()
	want, err := findTools(context.Background(), cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(cacheDir, "probe", "*.json"))
	if len(files) != 1 {
		t.Fatalf("probe entries %v, want one", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var e probeEntry
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	var dists int
	for path := range e.Stamps {
		if strings.HasSuffix(path, ".dist-info") || strings.HasSuffix(path, ".egg-info") {
			dists++
		}
	}
	if e.Python != want.python || e.Stamps[e.Python] == "" || dists != 2 {
		t.Errorf("entry %+v, want the interpreter %s and the two tools' metadata directories stamped", e, want.python)
	}
	resetProbes()
	if got, err := findTools(context.Background(), cacheDir); err != nil || got.python != want.python || !maps.Equal(got.versions, want.versions) {
		t.Errorf("from the cache: %+v, %v; want %+v", got, err, want)
	}
}
