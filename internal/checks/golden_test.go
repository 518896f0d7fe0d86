package checks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// TestGoldenFileProblemsAreTheChecks: a missing or corrupt golden file is the
// check's fault (Broken), never reported as the learner's mistake.
func TestGoldenFileProblemsAreTheChecks(t *testing.T) {
	root := repotest.Root(t)
	// The golden files live under Root/steps/SLUG: a root of our own holds them.
	fakeRoot := t.TempDir()
	golden := filepath.Join(fakeRoot, "steps", "golden-fixture", "testdata", "golden")
	if err := os.MkdirAll(golden, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(golden, "corrupt.json"), []byte(`{"Type": "AWS::DynamoDB::Table",`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct{ script, want string }{
		"corrupt": {"golden corrupt Table", "is not JSON"},
		"missing": {"golden missing Table", "no golden file"},
	}
	scripts := map[string]string{}
	for name, tt := range tests {
		scripts[name] = tt.script + "\n"
	}
	target := Target{Root: fakeRoot, Step: Step{Slug: "golden-fixture"}, Mode: Learner, Dir: filepath.Join(root, "internal", "checks", "fixtures", "access-log")}
	for _, r := range runScripts(t, target, scripts) {
		tt := tests[r.Name]
		if r.Skipped {
			t.Skipf("a tool is missing: %s", r.Message)
		}
		if !r.Failed || !r.Broken || !strings.Contains(r.Message, tt.want) {
			t.Errorf("%s: want a broken check saying %q, got failed=%v broken=%v: %s\n%s", r.Name, tt.want, r.Failed, r.Broken, r.Message, r.Log)
		}
	}
}
