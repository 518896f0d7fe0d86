package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// TestDispatch: each command's argument handling, before anything runs
// (run's listener and signal handling are TestRunCtrlC's).
func TestDispatch(t *testing.T) {
	t.Chdir(fakeRepo(t))
	tests := []struct {
		args []string
		want string // in the error; empty: no error
		out  string // in the output
	}{
		{args: nil, want: "usage: go run ./scripts/workshop COMMAND"},
		{args: []string{"help"}, out: "commands:\n  run STEP"},
		{args: []string{"--help"}, out: "rehash"},
		{args: []string{"bogus"}, want: `unknown command "bogus"`},
		{args: []string{"run"}, want: "run needs a step, for example: go run ./scripts/workshop run 01"},
		{args: []string{"run", "9"}, want: `there is no step "9"; the steps are: 01-untouched, 02-skips, 03-fails`},
		{args: []string{"run", "01", "-port", "x"}, want: `invalid value "x" for flag -port`},
		{args: []string{"run", "./no/such/app"}, want: "./no/such/app has no template.yaml"},
		{args: []string{"check"}, want: "check needs a step"},
		{args: []string{"check", "-solution"}, want: "check needs a step"},
		{args: []string{"check", "01", "-bogus"}, want: "flag provided but not defined: -bogus"},
		{args: []string{"check", "-solution", "9"}, want: `there is no step "9"`},
		{args: []string{"status", "01"}, want: "status takes no argument"},
		{args: []string{"rehash", "01"}, want: "rehash takes no argument"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			err := dispatch(tt.args, &out)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got error %v, want one with %q", err, tt.want)
			}
			if !strings.Contains(out.String(), tt.out) {
				t.Errorf("output lacks %q:\n%s", tt.out, out.String())
			}
		})
	}
	var u usageErr
	if err := dispatch(nil, &bytes.Buffer{}); !errors.As(err, &u) {
		t.Errorf("no command: want the usage (exit status 2), got %v", err)
	}
}

// TestStepFlags: the step may come before or after the flags.
func TestStepFlags(t *testing.T) {
	for _, args := range [][]string{{"05", "-solution"}, {"-solution", "05"}} {
		step, solution, err := stepFlags("check", args, nil)
		if err != nil || step != "05" || !solution {
			t.Errorf("stepFlags(%q) = %q, %v, %v", args, step, solution, err)
		}
	}
	if step, solution, _ := stepFlags("check", []string{"1"}, nil); step != "1" || solution {
		t.Errorf("stepFlags(1) = %q, %v", step, solution)
	}
}

// TestStatusAndCheck: status says untouched, done, in progress, or that
// skipped checks left the step unchecked (never done); check explains.
func TestStatusAndCheck(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // no verdicts kept yet
	t.Chdir(fakeRepo(t))
	var out bytes.Buffer
	if err := dispatch([]string{"status"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"01-untouched             untouched   Untouched",
		"02-skips                 unchecked   the others pass, but skipped: tool (a tool is missing) (details: go run ./scripts/workshop check 02)",
		"03-fails                 in progress failing: broken (details: go run ./scripts/workshop check 03)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "done") {
		t.Errorf("status calls a step done although a check was skipped or failed:\n%s", out.String())
	}

	out.Reset()
	err := dispatch([]string{"check", "03"}, &out)
	if err == nil || !strings.Contains(err.Error(), "03-fails is not done yet. Where the step's work is:\n  hint 3") {
		t.Errorf("check 03: %v", err)
	}
	if !strings.Contains(out.String(), "workshop: checking 03-fails (steps/03-fails)") || !strings.Contains(out.String(), "✗ broken") {
		t.Errorf("check 03 output:\n%s", out.String())
	}

	out.Reset()
	if err := dispatch([]string{"check", "02"}, &out); err != nil {
		t.Errorf("check 02: %v", err)
	}
	if !strings.Contains(out.String(), "1 of 2 checks pass; 1 skipped, not checked: tool") {
		t.Errorf("check 02 should report the skipped check:\n%s", out.String())
	}

	// check of an untouched starter shows the learner's view, not verify's.
	out.Reset()
	dispatch([]string{"check", "1"}, &out)
	if !strings.Contains(out.String(), "✗ needs-work") || strings.Contains(out.String(), "not started") {
		t.Errorf("check 01 should list what is left to do:\n%s", out.String())
	}
}

// TestRehash: rehash records a changed starter's hash, then finds nothing to do.
func TestRehash(t *testing.T) {
	root := fakeRepo(t)
	t.Chdir(root)
	if err := os.WriteFile(filepath.Join(root, "steps", "01-untouched", "main.go"), []byte("edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := dispatch([]string{"rehash"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "recorded new hashes in steps/manifest.json for:\n  steps/01-untouched/main.go") {
		t.Errorf("rehash output:\n%s", out.String())
	}
	m, err := checks.LoadManifest(root)
	if err != nil {
		t.Fatal(err)
	}
	if m.Steps[0].LearnerFiles["main.go"] != hash("edited") {
		t.Errorf("the new hash was not saved")
	}
	out.Reset()
	if err := dispatch([]string{"rehash"}, &out); err != nil || !strings.Contains(out.String(), "every starter already matches steps/manifest.json") {
		t.Errorf("second rehash: %v\n%s", err, out.String())
	}
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// fakeRepo is a repository of three steps whose checks need no deployment:
// 01 untouched, 02 edited with a check skipped, 03 edited with a check failing.
func fakeRepo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/ws\n",
		"steps/manifest.json": `{"steps":[
 {"slug":"01-untouched","title":"Untouched","learnerFiles":{"main.go":"` + hash("starter") + `"},"failOnStarter":{"needs-work":"no work yet"},"hints":["hint 1"]},
 {"slug":"02-skips","title":"Skips","learnerFiles":{"main.go":"` + hash("starter") + `"},"failOnStarter":{"tool":"x"},"hints":["hint 2"]},
 {"slug":"03-fails","title":"Fails","learnerFiles":{"main.go":"` + hash("starter") + `"},"failOnStarter":{"broken":"x"},"hints":["hint 3"]}]}
`,
		"steps/01-untouched/main.go":                   "starter",
		"steps/01-untouched/testdata/needs-work.txtar": "hint do the work\nexists $STEP/work.txt\n",
		"steps/02-skips/main.go":                       "edited",
		"steps/02-skips/testdata/ok.txtar":             "exists $STEP/main.go\n",
		"steps/02-skips/testdata/tool.txtar":           "skip 'cfn-lint is not installed'\n",
		"steps/03-fails/main.go":                       "edited",
		"steps/03-fails/testdata/ok.txtar":             "exists $STEP/main.go\n",
		"steps/03-fails/testdata/broken.txtar":         "hint add work.txt\nexists $STEP/work.txt\n",
	}
	repotest.WriteFiles(t, root, files)
	return root
}
