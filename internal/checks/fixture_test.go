package checks

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// TestFixtureApps runs internal/checks/testdata/SCRIPT.txtar against an app
// in internal/checks/fixtures (edited in a copy where a case says so): the
// commands no step uses yet, on whichever backend WORKSHOP_DYNAMODB selects.
func TestFixtureApps(t *testing.T) {
	root := repotest.Root(t)
	tests := []struct {
		script, app string
		old, new    string // an edit of the app's template.yaml, if any
	}{
		{script: "access-log", app: "access-log"},
		{script: "iam-bypass", app: "iam-bypass"},
		{script: "missing-env", app: "access-log"},
		{script: "load", app: "access-log"},
		{script: "access-denied", app: "access-log", old: "                - dynamodb:Scan\n"},
		{script: "policy-template", app: "access-log",
			old: "        - Statement:\n            - Effect: Allow\n              Action:\n                - dynamodb:PutItem\n                - dynamodb:Scan\n              Resource: !GetAtt Table.Arn\n",
			new: "        - DynamoDBCrudPolicy:\n            TableName: !Ref Table\n"},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(root, "internal", "checks", "fixtures", tt.app)
			if tt.old != "" {
				dir = copyStep(t, root, dir)
				edit(t, filepath.Join(dir, "template.yaml"), tt.old, tt.new)
			}
			target := Target{Root: root, Step: Step{Slug: tt.app}, Mode: Solution, Dir: dir, ScriptsDir: "testdata"}
			mustPass(t, target, tt.script)
		})
	}
}

// mustPass runs one check script on target and fails the test, with the
// script's log, if the script fails or is skipped.
func mustPass(t *testing.T, target Target, script string) {
	t.Helper()
	results, err := target.Check([]string{script}, time.Now().Add(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Failed || r.Skipped {
			t.Errorf("%s: %s\n%s", r.Name, r.Message, r.Log)
		}
	}
}
