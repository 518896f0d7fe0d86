package checks

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/participant"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// appFiles lists a step directory's own files: what a learner deploys
// (template.yaml, Go code) and reads, without the checks.
func appFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		// samconfig.toml is the learner's own (workshop name, sam deploy
		// --guided), ignored by git.
		if !e.IsDir() && e.Name() != participant.ConfigFile {
			out = append(out, e.Name())
		}
	}
	return out
}

// repoManifest returns the repository root and its step list.
func repoManifest(t *testing.T) (string, *Manifest) {
	t.Helper()
	root := repotest.Root(t)
	m, err := LoadManifest(root)
	if err != nil {
		t.Fatal(err)
	}
	return root, m
}

// starterRoot is a repository root whose steps/ are the starters as
// committed (the repository itself while no learner file is edited): a
// test of the starters must not judge the learner's work.
func starterRoot(t *testing.T) string {
	t.Helper()
	root, m := repoManifest(t)
	return repotest.AsCommitted(t, root, m.EditedStarters(root))
}

// TestManifest checks that the manifest and the directories agree, and that
// each step continues from the previous step's solution.
func TestManifest(t *testing.T) {
	root, m := repoManifest(t)
	starters := starterRoot(t)
	if len(m.Steps) == 0 {
		t.Fatalf("%s lists no steps", ManifestFile)
	}
	for i, s := range m.Steps {
		starter := filepath.Join(starters, "steps", s.Slug)
		solution := filepath.Join(root, "solutions", s.Slug)
		t.Run(s.Slug, func(t *testing.T) {
			if want := fmt.Sprintf("%02d", i+1); s.Number() != want {
				t.Errorf("step %s is number %d in %s: its slug should start with %s-", s.Slug, i+1, ManifestFile, want)
			}
			if !slices.Equal(appFiles(t, starter), appFiles(t, solution)) {
				t.Errorf("steps/%s has files %v but solutions/%s has %v: each solution is the same directory, solved", s.Slug, appFiles(t, starter), s.Slug, appFiles(t, solution))
			}
			names, err := Target{Root: root, Step: s}.Scripts()
			if err != nil || len(names) == 0 {
				t.Fatalf("steps/%s/testdata has no checks (*.txtar): %v", s.Slug, err)
			}
			for _, n := range names {
				data, _ := os.ReadFile(filepath.Join(root, "steps", s.Slug, "testdata", n+".txtar"))
				for i, line := range strings.Split(string(data), "\n") {
					// testscript expands $VAR and cuts at # outside quotes.
					if strings.HasPrefix(line, "hint ") && !strings.HasPrefix(line, "hint '") && strings.ContainsAny(line, "$#") {
						t.Errorf("steps/%s/testdata/%s.txtar:%d: quote this hint ('...', with '' for an apostrophe): testscript would expand its $ or cut it at #", s.Slug, n, i+1)
					}
				}
			}
			for f := range s.FailOnStarter {
				if !slices.Contains(names, f) {
					t.Errorf("failOnStarter names %s, but steps/%s/testdata/%s.txtar does not exist", f, s.Slug, f)
				}
			}
			for name := range s.LearnerFiles {
				data, err := os.ReadFile(filepath.Join(starter, name))
				if err != nil {
					t.Fatalf("learner file %s: %v", name, err)
				}
				if !bytes.Contains(data, []byte("TODO(step "+s.Number()+")")) {
					t.Errorf("steps/%s/%s is a learner file but has no TODO(step %s) marker to show where to work", s.Slug, name, s.Number())
				}
				if sol, _ := os.ReadFile(filepath.Join(solution, name)); bytes.Contains(sol, []byte("TODO(step "+s.Number()+")")) {
					t.Errorf("solutions/%s/%s still has a TODO(step %s) marker", s.Slug, name, s.Number())
				}
			}
			if i == 0 {
				return
			}
			// Continuity: what this step does not ask the learner to change is
			// exactly the previous solution.
			prev := filepath.Join(root, "solutions", m.Steps[i-1].Slug)
			for _, name := range appFiles(t, starter) {
				if _, learner := s.LearnerFiles[name]; learner || name == "README.md" {
					continue
				}
				a, _ := os.ReadFile(filepath.Join(starter, name))
				b, err := os.ReadFile(filepath.Join(prev, name))
				if err != nil || !bytes.Equal(a, b) {
					t.Errorf("steps/%s/%s differs from solutions/%s/%s: a step starts from the previous solution, so a file the learner does not edit must be identical (or list it in learnerFiles)", s.Slug, name, m.Steps[i-1].Slug, name)
				}
			}
		})
	}
}
