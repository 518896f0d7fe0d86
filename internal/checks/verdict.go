package checks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/usercache"
)

// A Verdict is what a full run of a step's checks said about its files. Each
// run in learner mode (go test ./steps/..., workshop check, watch) keeps it in
// the user's cache under the key of what the checks read, so that `workshop
// status` answers without running them again while nothing has changed.
type Verdict struct {
	Checks []CheckVerdict `json:"checks"`
}

// CheckVerdict is one check's outcome.
type CheckVerdict struct {
	Name    string `json:"name"`
	State   string `json:"state"`             // passed, failed or skipped
	Message string `json:"message,omitempty"` // why it failed or was skipped: its first line
}

// The states of a CheckVerdict.
const (
	CheckPassed   = "passed"
	CheckFailed   = "failed"
	CheckSkipped  = "skipped"
	verdictFormat = "verdict 1" // change it when Verdict's meaning changes
	maxVerdicts   = 1000        // about 1 KB each: one per edit that was checked
)

// VerdictOf sums up results.
func VerdictOf(results []Result) Verdict {
	var v Verdict
	for _, r := range results {
		c := CheckVerdict{Name: r.Name, State: CheckPassed}
		switch {
		case r.Skipped:
			c.State = CheckSkipped
		case r.Failed:
			c.State = CheckFailed
		}
		if c.State != CheckPassed {
			c.Message, _, _ = strings.Cut(r.Message, "\n")
		}
		v.Checks = append(v.Checks, c)
	}
	return v
}

// Names lists the checks in state.
func (v Verdict) Names(state string) []string {
	var out []string
	for _, c := range v.Checks {
		if c.State == state {
			out = append(out, c.Name)
		}
	}
	return out
}

// VerdictKey is the hash of everything a run of t's checks depends on: every
// file in the step's directory by name and content (the learner's files, the
// checks' scripts in testdata), the checks' scripts when kept elsewhere, the
// harness that runs them (the Go sources under internal/, go.mod, go.sum),
// the mode, the DynamoDB backend, and the Go toolchain. Paths on disk are
// left out: a copy of the same files has the same verdict.
func (t Target) VerdictKey() (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\nstep %s\nmode %s\n%s=%s\ngo %s %s/%s\n", verdictFormat, t.Step.Slug, t.Mode,
		dynamo.EnvKind, dynamo.KindFromEnv(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	for _, k := range slices.Sorted(maps.Keys(t.Env)) {
		fmt.Fprintf(h, "env %s=%s\n", k, t.Env[k])
	}
	if err := hashTree(h, "step", t.Dir, nil); err != nil {
		return "", err
	}
	if t.ScriptsDir != "" && !within(t.ScriptsDir, t.Dir) {
		if err := hashTree(h, "checks", t.ScriptsDir, nil); err != nil {
			return "", err
		}
	}
	harness, err := harnessHash(t.Root)
	if err != nil {
		return "", err
	}
	h.Write(harness)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// harnessHash hashes the harness: go.mod, go.sum and the Go sources under
// internal/ (half a megabyte: a few milliseconds).
func harnessHash(root string) ([]byte, error) {
	h := sha256.New()
	for _, name := range []string{"go.mod", "go.sum"} {
		if err := hashFile(h, name, filepath.Join(root, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	goSources := func(rel string, d fs.DirEntry) bool {
		return d.IsDir() && d.Name() != "testdata" || strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go")
	}
	if err := hashTree(h, "internal", filepath.Join(root, "internal"), goSources); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return h.Sum(nil), nil
}

// hashTree adds to h every file under dir that keep accepts (all when nil),
// named by its path under dir; directories whose name starts with a dot
// (.aws-sam, .git) are tools' output, not sources.
func hashTree(h io.Writer, label, dir string, keep func(rel string, d fs.DirEntry) bool) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || keep != nil && !keep(rel, d)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || keep != nil && !keep(rel, d) {
			return nil
		}
		return hashFile(h, label+"/"+rel, path)
	})
}

func hashFile(h io.Writer, name, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s %d\n", name, len(data))
	_, err = h.Write(data)
	return err
}

func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// verdictDir is where verdicts are kept, in the user's cache directory.
func verdictDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "sam-dynamodb-go", "verdicts"), nil
}

// LoadVerdict is the verdict kept for key, if any.
func LoadVerdict(key string) (Verdict, bool) {
	dir, err := verdictDir()
	if err != nil {
		return Verdict{}, false
	}
	data, err := os.ReadFile(filepath.Join(dir, key+".json"))
	if err != nil {
		return Verdict{}, false
	}
	var v Verdict
	if json.Unmarshal(data, &v) != nil || len(v.Checks) == 0 {
		return Verdict{}, false
	}
	return v, true
}

// saveVerdict keeps v under key, and the newest maxVerdicts verdicts only. A
// cache that cannot be written only costs the next status its speed.
func saveVerdict(key string, v Verdict) {
	dir, err := verdictDir()
	if err != nil || os.MkdirAll(dir, 0o755) != nil {
		return
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil || usercache.Put(dir, key+".json", data) != nil {
		return
	}
	usercache.Keep(dir, maxVerdicts)
}
