package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// On a fresh clone every step is untouched, and -json's fields say so.
func TestStateOfUntouched(t *testing.T) {
	root, m, err := manifest()
	if err != nil {
		t.Fatal(err)
	}
	// The starters as committed: the learner's edits in steps/ are not a fresh clone.
	root = repotest.AsCommitted(t, root, m.EditedStarters(root))
	st, err := stateOf(root, m.Steps[0])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(st)
	if want := `{"step":"01-hello-api","title":"` + m.Steps[0].Title + `","state":"untouched"}`; string(b) != want {
		t.Errorf("status -json of a fresh step 01: %s, want %s", b, want)
	}
}

// status answers from the verdicts that runs of the checks kept for the
// learner's files as they are; it runs the checks of a step only when no
// verdict matches its files, and says so.
func TestStatusFromVerdicts(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	root := fakeRepo(t)
	t.Chdir(root)
	var said bytes.Buffer
	progress = &said
	t.Cleanup(func() { progress = os.Stderr })
	statusOf := func() string {
		t.Helper()
		said.Reset()
		var out bytes.Buffer
		if err := dispatch([]string{"status"}, &out); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	ran := func(want ...string) {
		t.Helper()
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(said.String()), "\n") {
			if slug, _, ok := strings.Cut(l, ": not checked since your last edit; running its checks"); ok {
				got = append(got, slug)
			}
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("status ran the checks of %v, want %v; it said:\n%s", got, want, said.String())
		}
	}

	first := statusOf()
	ran("02-skips", "03-fails")
	if again := statusOf(); again != first {
		t.Errorf("status from kept verdicts:\n%s\nwant, as when it ran the checks:\n%s", again, first)
	}
	ran()
	if !strings.Contains(first, "02-skips                 unchecked") {
		t.Errorf("a kept verdict with a skipped check is not unchecked:\n%s", first)
	}

	// The verdict read is the one kept for these files: make the kept one
	// of step 03 say it is done, and status says so without running it.
	t3, err := checks.Resolve(filepath.Join(root, "steps", "03-fails"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := t3.VerdictKey()
	if err != nil {
		t.Fatal(err)
	}
	v, _ := checks.LoadVerdict(key)
	for i := range v.Checks {
		v.Checks[i] = checks.CheckVerdict{Name: v.Checks[i].Name, State: checks.CheckPassed}
	}
	keepVerdict(t, key, v)
	if out := statusOf(); !strings.Contains(out, "03-fails                 done") {
		t.Errorf("status did not answer from the kept verdict:\n%s", out)
	}
	ran()

	// An edit, to a learner's file or to a check, makes the kept verdict stale.
	for _, name := range []string{"steps/03-fails/main.go", "steps/02-skips/testdata/ok.txtar"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte("exists $STEP/main.go\n# edited\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out := statusOf(); out != first {
		t.Errorf("status after edits:\n%s\nwant:\n%s", out, first)
	}
	ran("02-skips", "03-fails")
}

// keepVerdict writes v as the verdict kept under key, where checks keeps them.
func keepVerdict(t *testing.T, key string, v checks.Verdict) {
	t.Helper()
	dir, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sam-dynamodb-go", "verdicts", key+".json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
