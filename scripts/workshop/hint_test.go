package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// TestHints checks every step's hints: three levels (the concept, where, the
// code), and every line of code the last level shows is in the step's
// solution, so that the hints cannot drift from it.
func TestHints(t *testing.T) {
	root := repotest.Root(t)
	_, m, err := manifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range m.Steps {
		t.Run(st.Slug, func(t *testing.T) {
			levels, err := loadHints(root, st)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"The concept", "Where", "The code"}
			if len(levels) != len(want) {
				t.Fatalf("%d levels, want %d (%s)", len(levels), len(want), strings.Join(want, ", "))
			}
			for i, l := range levels {
				if l.Title != want[i] || l.Text == "" {
					t.Errorf("level %d is %q with %d characters, want %q with text", i+1, l.Title, len(l.Text), want[i])
				}
			}
			var solution strings.Builder
			for name := range st.LearnerFiles {
				data, err := os.ReadFile(filepath.Join(root, "solutions", st.Slug, name))
				if err != nil {
					t.Fatal(err)
				}
				solution.Write(data)
			}
			inCode := false
			for line := range strings.Lines(levels[2].Text) {
				line = strings.TrimSpace(line)
				if strings.HasPrefix(line, "```") {
					inCode = !inCode
					continue
				}
				if inCode && line != "" && !strings.Contains(solution.String(), line) {
					t.Errorf("the code hint shows %q, which solutions/%s does not have", line, st.Slug)
				}
			}
		})
	}
}
