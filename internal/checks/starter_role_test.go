package checks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// TestStarterRoleDenies runs each step's solution code with the step's
// starter template: a learner who writes the code before the policy meets
// AWS's AccessDeniedException for the new action, and reads it in the logs.
func TestStarterRoleDenies(t *testing.T) {
	root := repotest.Root(t)
	starters := starterRoot(t)
	for _, tt := range []struct{ slug, action string }{
		{"04-put-item", "dynamodb:PutItem"},
		{"05-put-then-scan", "dynamodb:Scan"},
	} {
		t.Run(tt.slug, func(t *testing.T) {
			t.Parallel()
			dir := copyStep(t, root, filepath.Join(root, "solutions", tt.slug))
			starter, err := os.ReadFile(filepath.Join(starters, "steps", tt.slug, stack.TemplateFile))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, stack.TemplateFile), starter, 0o644); err != nil {
				t.Fatal(err)
			}
			target := Target{Root: root, Step: Step{Slug: tt.slug}, Mode: Solution, Dir: dir,
				ScriptsDir: "testdata", Env: map[string]string{"ACTION": tt.action}}
			mustPass(t, target, "starter-role")
		})
	}
}
