package checks

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// A verdict's key changes with every file the checks read (the learner's,
// the checks' scripts, the harness), the mode and the DynamoDB backend, and
// is the same for a copy of the same files elsewhere.
func TestVerdictKey(t *testing.T) {
	files := map[string]string{
		"go.mod":                        "module example.com/ws\n",
		"internal/checks/run.go":        "package checks\n",
		"internal/checks/run_test.go":   "package checks\n",
		"internal/checks/testdata/x.go": "package x\n",
		"steps/05-x/main.go":            "package main\n",
		"steps/05-x/template.yaml":      "Resources: {}\n",
		"steps/05-x/testdata/a.txtar":   "exists $STEP/main.go\n",
		"steps/05-x/.aws-sam/bootstrap": "built\n",
	}
	root := t.TempDir()
	repotest.WriteFiles(t, root, files)
	target := func(root string) Target {
		return Target{Root: root, Step: Step{Slug: "05-x"}, Dir: filepath.Join(root, "steps", "05-x"), Mode: Learner}
	}
	key := func(t *testing.T, target Target) string {
		t.Helper()
		k, err := target.VerdictKey()
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	base := key(t, target(root))

	tests := []struct {
		name    string
		change  func(t *testing.T, root string) Target
		changed bool
	}{
		{"nothing", func(t *testing.T, root string) Target { return target(root) }, false},
		{"a learner file", editFile("steps/05-x/main.go"), true},
		{"a new file in the step", editFile("steps/05-x/extra.go"), true},
		{"a check's script", editFile("steps/05-x/testdata/a.txtar"), true},
		{"the harness", editFile("internal/checks/run.go"), true},
		{"go.mod", editFile("go.mod"), true},
		{"a test of the harness", editFile("internal/checks/run_test.go"), false},
		{"the harness's test data", editFile("internal/checks/testdata/x.go"), false},
		{"a tool's output in the step", editFile("steps/05-x/.aws-sam/bootstrap"), false},
		{"the mode", func(t *testing.T, root string) Target { tg := target(root); tg.Mode = Solution; return tg }, true},
		{"the default backend named", func(t *testing.T, root string) Target {
			if dynamo.KindFromEnv() != dynamo.KindEmbedded {
				t.Skip("this run names another backend")
			}
			t.Setenv(dynamo.EnvKind, dynamo.KindEmbedded)
			return target(root)
		}, false},
		{"the DynamoDB backend", func(t *testing.T, root string) Target {
			other := dynamo.KindLocal // whichever this run does not use
			if dynamo.KindFromEnv() == dynamo.KindLocal {
				other = dynamo.KindEmbedded
			}
			t.Setenv(dynamo.EnvKind, other)
			return target(root)
		}, true},
		{"scripts kept elsewhere", func(t *testing.T, root string) Target {
			tg := target(root)
			tg.ScriptsDir = filepath.Join(root, "internal", "checks", "testdata")
			return tg
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir() // a copy: the same files elsewhere
			repotest.WriteFiles(t, root, files)
			if got := key(t, tt.change(t, root)); (got != base) != tt.changed {
				t.Errorf("after changing %s the key changed = %v, want %v", tt.name, got != base, tt.changed)
			}
		})
	}
}

// editFile changes (or adds) one file of the copy at root.
func editFile(name string) func(t *testing.T, root string) Target {
	return func(t *testing.T, root string) Target {
		t.Helper()
		repotest.WriteFiles(t, root, map[string]string{name: "// edited\n"})
		return Target{Root: root, Step: Step{Slug: "05-x"}, Dir: filepath.Join(root, "steps", "05-x"), Mode: Learner}
	}
}

// A full learner-mode run keeps its verdict; a run of some checks, or in
// another mode, does not. A skipped check stays skipped, never passed.
func TestCheckKeepsVerdict(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	root := t.TempDir()
	repotest.WriteFiles(t, root, map[string]string{
		"go.mod":                          "module example.com/ws\n",
		"steps/05-x/main.go":              "package main\n",
		"steps/05-x/testdata/pass.txtar":  "exists $STEP/main.go\n",
		"steps/05-x/testdata/fail.txtar":  "exists $STEP/missing.go\n",
		"steps/05-x/testdata/skip.txtar":  "skip 'cfn-lint is not installed'\n",
		"steps/05-x/testdata/other.txtar": "exists $STEP/main.go\n",
	})
	target := Target{Root: root, Step: Step{Slug: "05-x"}, Dir: filepath.Join(root, "steps", "05-x"), Mode: Learner}
	key, err := target.VerdictKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		mode Mode
		only []string
	}{{"some checks", Learner, []string{"pass"}}, {"solution mode", Solution, nil}} {
		tg := target
		tg.Mode = tt.mode
		if _, err := tg.Check(tt.only, time.Time{}); err != nil {
			t.Fatal(err)
		}
		k, err := tg.VerdictKey()
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := LoadVerdict(k); ok {
			t.Errorf("a run of %s kept a verdict: %+v", tt.name, v)
		}
	}
	if _, err := target.Check(nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	v, ok := LoadVerdict(key)
	if !ok {
		t.Fatal("a full learner-mode run kept no verdict")
	}
	want := []CheckVerdict{
		{Name: "fail", State: CheckFailed, Message: v.Checks[0].Message},
		{Name: "other", State: CheckPassed},
		{Name: "pass", State: CheckPassed},
		{Name: "skip", State: CheckSkipped, Message: "cfn-lint is not installed"},
	}
	if !reflect.DeepEqual(v.Checks, want) || v.Checks[0].Message == "" {
		t.Errorf("verdict = %+v, want %+v with fail's message", v.Checks, want)
	}
}
