package checks

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// TestFixtureApps runs internal/checks/testdata/NAME.txtar against the app in
// internal/checks/fixtures/NAME: the commands no step uses yet, on
// whichever DynamoDB backend WORKSHOP_DYNAMODB selects.
func TestFixtureApps(t *testing.T) {
	root, err := stack.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"access-log"} {
		t.Run(name, func(t *testing.T) {
			target := Target{
				Root: root, Step: Step{Slug: name}, Mode: Solution,
				Dir:        filepath.Join(root, "internal", "checks", "fixtures", name),
				ScriptsDir: "testdata",
			}
			results, err := target.Check([]string{name}, time.Now().Add(5*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range results {
				if r.Failed || r.Skipped {
					t.Errorf("%s: %s\n%s", r.Name, r.Message, r.Log)
				}
			}
		})
	}
}
