package checks

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// change replaces old by new, once, in a file of a step's copy.
type change struct{ file, old, new string }

// mistake is a way learners break a step's solution, and what the check
// named for it must then say.
type mistake struct {
	name, step string
	changes    []change // applied in order to a copy of the step's solution
	check      string   // the check that must fail
	first      []string // in the message's first line
	want       []string // anywhere in the message
	not        []string // nowhere in the message: a hint that would be wrong here
	alsoFail   []string // other checks run with it that must fail too
	// allChecks runs every check of the step: besides check, only those
	// in mayFail may fail.
	allChecks bool
	mayFail   []string
}

// runMistakes makes each mistake in its own copy of the step's solution and
// runs the checks at stake in learner mode (each deploys the step, and the
// machine is shared): the named check must fail, not be broken, and say
// what the case expects in a first line of at most 300 characters, with no
// Go stack trace, no line over 1,000 characters and no absolute path.
func runMistakes(t *testing.T, cases []mistake) {
	t.Helper()
	root, m := repoManifest(t)
	for _, tt := range cases {
		t.Run(tt.step+" "+tt.name+" "+tt.check, func(t *testing.T) {
			t.Parallel()
			target := editedSolution(t, root, m, tt.step, tt.changes...)
			var names []string // nil: every check
			if !tt.allChecks {
				names = append([]string{tt.check}, tt.alsoFail...)
			}
			results, err := target.Check(names, time.Now().Add(5*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			var got *Result
			for i, r := range results {
				switch {
				case r.Name == tt.check:
					got = &results[i]
				case tt.allChecks && r.Failed && !slices.Contains(tt.mayFail, r.Name):
					t.Errorf("check %s fails too, unexpectedly: %s", r.Name, r.Message)
				case !tt.allChecks && !r.Failed:
					t.Errorf("check %s passed; with %s it fails too", r.Name, tt.name)
				}
			}
			if got == nil {
				t.Fatalf("check %s did not run", tt.check)
			}
			if got.Skipped {
				t.Skipf("check %s was skipped (a tool is missing): %s", tt.check, got.Message)
			}
			if !got.Failed {
				t.Fatalf("check %s passed; it should catch %s\n%s", tt.check, tt.name, got.Log)
			}
			if got.Broken {
				t.Fatalf("check %s is itself broken: %s\n%s", tt.check, got.Message, got.Log)
			}
			first, _, _ := strings.Cut(got.Message, "\n")
			t.Logf("%s: %s", tt.check, first)
			if len(first) > 300 {
				t.Errorf("the first line of check %s has %d characters; at most 300:\n%s", tt.check, len(first), first)
			}
			for _, w := range tt.first {
				if !strings.Contains(first, w) {
					t.Errorf("the first line of check %s lacks %q:\n%s", tt.check, w, first)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(got.Message, w) {
					t.Errorf("the message of check %s lacks %q:\n%s", tt.check, w, got.Message)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(got.Message, w) {
					t.Errorf("the message of check %s says %q, which is wrong here:\n%s", tt.check, w, got.Message)
				}
			}
			for _, l := range strings.Split(got.Message, "\n") {
				if len(l) > 1000 {
					t.Errorf("a line of the message of check %s has %d characters, more than 1,000: %.200s…", tt.check, len(l), l)
				}
			}
			if strings.Contains(got.Message, "goroutine ") || strings.Contains(got.Message, "panic(") {
				t.Errorf("the message of check %s shows a Go stack trace:\n%s", tt.check, got.Message)
			}
			if strings.Contains(got.Message, root) {
				t.Errorf("the message of check %s shows an absolute path, not one relative to the repository:\n%s", tt.check, got.Message)
			}
		})
	}
}

// editedSolution copies a step's solution, makes the changes in the copy
// and returns it as a learner's edited step.
func editedSolution(t *testing.T, root string, m *Manifest, number string, changes ...change) Target {
	t.Helper()
	step, err := m.Find(number)
	if err != nil {
		t.Fatal(err)
	}
	dir := copyStep(t, root, filepath.Join(root, "solutions", step.Slug))
	for _, c := range changes {
		edit(t, filepath.Join(dir, c.file), c.old, c.new)
	}
	return Target{Root: root, Step: step, Dir: dir, Mode: Learner}
}

// edit replaces old by new in the file, once.
func edit(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s no longer contains %q: update this test", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyStep copies a step's app files into a fresh directory under the
// repository's testdata/, inside the module so that its Go code builds.
func copyStep(t *testing.T, root, from string) string {
	t.Helper()
	dir := repotest.ScratchDir(t, "step-")
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		// step_test.go would run the checks on the copy; a unit test
		// (main_test.go) is the learner's, and the gotest check runs it.
		if e.IsDir() || e.Name() == "step_test.go" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
