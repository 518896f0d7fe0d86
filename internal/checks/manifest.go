package checks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
)

// ManifestFile lists the steps in order; it lives in steps/.
const ManifestFile = "steps/manifest.json"

// Manifest is the ordered list of steps.
type Manifest struct {
	Steps []Step `json:"steps"`
}

// Step is one workshop step.
type Step struct {
	Slug  string `json:"slug"`  // "01-hello-api": the directory under steps/ and solutions/
	Title string `json:"title"` // one line
	// LearnerFiles maps each file the learner edits to the sha256 of the
	// untouched starter's version: while they all match, the step is untouched.
	LearnerFiles map[string]string `json:"learnerFiles"`
	// FailOnStarter names the checks (testdata/NAME.txtar) that must fail on
	// the untouched starter, each with a regular expression that its learner
	// message must match: the reason it must fail. Every other check must
	// pass on the starter.
	FailOnStarter map[string]string `json:"failOnStarter"`
	Hints         []string          `json:"hints"` // where to start, shown while the step is in progress
	// First names the checks that say what the step is about, in the order a
	// learner should read their failures; the other checks follow, sorted.
	// Reports show the first failure first, and watch shows only that one.
	First []string `json:"first,omitempty"`
}

// Number is the step's number, "01".
func (s Step) Number() string {
	n, _, _ := strings.Cut(s.Slug, "-")
	return n
}

// ManifestAround finds the repository around dir ("." for the working
// directory) and reads its manifest; it returns the repository root too.
func ManifestAround(dir string) (string, *Manifest, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, err
	}
	root, err := repo.Root(abs)
	if err != nil {
		return "", nil, err
	}
	m, err := LoadManifest(root)
	return root, m, err
}

// LoadManifest reads the manifest from the repository root.
func LoadManifest(root string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(root, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("reading the step list: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", ManifestFile, err)
	}
	for _, s := range m.Steps {
		for name, why := range s.FailOnStarter {
			if why == "" {
				return nil, fmt.Errorf("%s: step %s, failOnStarter %s: give the regular expression its message on the starter must match (an empty one would accept any failure)", ManifestFile, s.Slug, name)
			}
			if _, err := regexp.Compile(why); err != nil {
				return nil, fmt.Errorf("%s: step %s, failOnStarter %s: %q is not a regular expression (Go RE2 syntax): %w", ManifestFile, s.Slug, name, why, err)
			}
		}
	}
	return &m, nil
}

// StarterFailure says whether the named check must fail on the untouched
// starter and, if so, whether message is the failure the manifest expects.
func (s Step) StarterFailure(name, message string) (expected, why bool) {
	re, ok := s.FailOnStarter[name]
	if !ok {
		return false, false
	}
	matched, err := regexp.MatchString(re, message)
	return true, err == nil && matched
}

// Save writes the manifest back, formatted.
func (m *Manifest) Save(root string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(root, ManifestFile), append(data, '\n'), 0o644)
}

// Find returns the step named by number ("1", "01") or slug ("01-hello-api").
func (m *Manifest) Find(name string) (Step, error) {
	for _, s := range m.Steps {
		if s.Slug == name || s.Number() == name || strings.TrimLeft(s.Number(), "0") == strings.TrimLeft(name, "0") {
			return s, nil
		}
	}
	var names []string
	for _, s := range m.Steps {
		names = append(names, s.Slug)
	}
	return Step{}, fmt.Errorf("there is no step %q; the steps are: %s", name, strings.Join(names, ", "))
}

// Index returns the position of the step in the manifest.
func (m *Manifest) Index(slug string) int {
	for i, s := range m.Steps {
		if s.Slug == slug {
			return i
		}
	}
	return -1
}

// HashFile returns the sha256 of a file's content, in hex.
func HashFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// Untouched reports whether every learner file in dir still matches the
// starter's hash. A missing file counts as touched.
func (s Step) Untouched(dir string) (bool, error) {
	if len(s.LearnerFiles) == 0 {
		return false, fmt.Errorf("step %s lists no learner files in %s", s.Slug, ManifestFile)
	}
	for name, want := range s.LearnerFiles {
		got, err := HashFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if got != want {
			return false, nil
		}
	}
	return true, nil
}

// ChangedFiles lists the learner files that differ from the starter.
func (s Step) ChangedFiles(dir string) []string {
	var out []string
	for name, want := range s.LearnerFiles {
		if got, err := HashFile(filepath.Join(dir, name)); err != nil || got != want {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// EditedStarters names the learner files under root's steps/ that differ
// from their starter (slash path from root: the starter's recorded sha256).
func (m *Manifest) EditedStarters(root string) map[string]string {
	out := map[string]string{}
	for _, s := range m.Steps {
		for _, name := range s.ChangedFiles(filepath.Join(root, "steps", s.Slug)) {
			out["steps/"+s.Slug+"/"+name] = s.LearnerFiles[name]
		}
	}
	return out
}

// Rehash records the current starter files' hashes: for maintainers, after
// editing a starter.
func (m *Manifest) Rehash(root string) ([]string, error) {
	var changed []string
	for i, s := range m.Steps {
		for name, old := range s.LearnerFiles {
			h, err := HashFile(filepath.Join(root, "steps", s.Slug, name))
			if err != nil {
				return nil, fmt.Errorf("step %s: %w", s.Slug, err)
			}
			if h != old {
				m.Steps[i].LearnerFiles[name] = h
				changed = append(changed, filepath.Join("steps", s.Slug, name))
			}
		}
	}
	return changed, nil
}
