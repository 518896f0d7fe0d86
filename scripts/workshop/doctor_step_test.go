package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// The doctor's item for the step at hand names what the local stack refuses
// or warns about in the learner's template, and says nothing is when so.
func TestCheckStepSupport(t *testing.T) {
	solution, err := checks.FindStep("05", true)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(solution.Dir, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("WORKSHOP_PARTICIPANT", "alice")
	tests := []struct {
		name, edit string
		status     string
		detail     []string
		fix        string
	}{
		{"as solved", "", statusOK, []string{"every property of the template is emulated"}, ""},
		{"refused", "      MemorySize: 128\n      EphemeralStorage: {Size: 1024}\n", statusWarn, []string{"refused: HelloFunction EphemeralStorage (", "template.yaml:"}, "`workshop run` refuses it: "},
		{"warned", "      MemorySize: 128\n      CodeSigningConfigArn: arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-1\n", statusWarn, []string{"warned: HelloFunction CodeSigningConfigArn"}, ""},
		{"unreadable", "\tnot: yaml\n", statusWarn, []string{"cannot be read"}, "fix the template"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(solution.Root, "solutions", "05-put-then-scan")
			if tt.edit != "" {
				dir = t.TempDir()
				text := strings.Replace(string(src), "      MemorySize: 128\n", tt.edit, 1)
				if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			target := solution
			target.Dir = dir
			v := checkStepSupport(target)
			if v.Status != tt.status || v.Item != "step 05 template" || v.Required {
				t.Errorf("verdict %+v, want status %s for step 05, not required", v, tt.status)
			}
			for _, w := range tt.detail {
				if !strings.Contains(v.Detail, w) {
					t.Errorf("detail %q lacks %q", v.Detail, w)
				}
			}
			if !strings.HasPrefix(v.Fix, tt.fix) || (tt.fix == "") != (v.Fix == "") {
				t.Errorf("fix %q, want one starting %q", v.Fix, tt.fix)
			}
		})
	}
}

// On a fresh clone every step is untouched: the step at hand is the first;
// -step picks another.
func TestStepAtHand(t *testing.T) {
	root, m, err := manifest()
	if err != nil {
		t.Fatal(err)
	}
	// The starters as committed: the learner's edits in steps/ are not a fresh clone.
	root = repotest.AsCommitted(t, root, m.EditedStarters(root))
	t.Chdir(root) // -step finds the step from the working directory
	for arg, want := range map[string]string{"": m.Steps[0].Slug, "3": "03-simple-table"} {
		got, err := stepAtHand(root, m, arg)
		if err != nil || got.Step.Slug != want || got.Mode != checks.Verify {
			t.Errorf("stepAtHand(%q) = %s (mode %v), %v; want the untouched starter of %s", arg, got.Step.Slug, got.Mode, err, want)
		}
	}
}
