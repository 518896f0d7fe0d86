package checks

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMistakesOnlyADeploymentShows breaks a solution in ways that pass a
// quick look and fail on AWS (an ignored DynamoDB error, a client made per
// request, a role that cannot log), and asserts that the right check fails
// with a first line that names the file and the resource and says what to do.
func TestMistakesOnlyADeploymentShows(t *testing.T) {
	root, m := repoManifest(t)
	type change struct{ file, old, new string }
	ignorePutError := change{"main.go",
		"\tif err := a.put(ctx, item); err != nil {\n\t\t// The details are for the logs; the client learns only that it failed.\n\t\tlog.Printf(\"store the access: %v\", err)\n\t\treturn respond(http.StatusInternalServerError, map[string]string{\"message\": \"internal error\"})\n\t}\n",
		"\t_ = a.put(ctx, item)\n"}
	tests := []struct {
		name    string
		step    string
		changes []change
		check   string   // the check that must fail
		others  []string // other checks that must fail too
		want    []string // the first line must contain each
	}{
		{
			name: "PutItem error ignored", step: "04", changes: []change{ignorePutError},
			check: "errors",
			want:  []string{"main.go: ", "HelloFunction answered GET /hello with 200", "ResourceNotFoundException", "check the error each DynamoDB call returns", "answer 500"},
		},
		{
			name: "PutItem error ignored and denied", step: "04",
			changes: []change{ignorePutError, {"template.yaml", "                  - dynamodb:PutItem\n", "                  - dynamodb:GetItem\n"}},
			check:   "put-item", others: []string{"errors", "policy", "least-privilege"},
			want: []string{"(resource Table) holds 3 items; expected 4", "check the error PutItem returns"},
		},
		{
			name: "client made in the handler", step: "04",
			changes: []change{{"main.go", "\tif err := a.put(ctx, item); err != nil {",
				"\tcfg, err := config.LoadDefaultConfig(ctx)\n\tif err != nil {\n\t\treturn respond(http.StatusInternalServerError, map[string]string{\"message\": \"internal error\"})\n\t}\n\ta = &app{db: dynamodb.NewFromConfig(cfg), table: a.table}\n\tif err := a.put(ctx, item); err != nil {"}},
			check: "client-reuse",
			want:  []string{"main.go: ", "HelloFunction opened a new connection to DynamoDB in each of its 5 warm invocations", "Create the client once, in main"},
		},
		{
			name: "role without AWSLambdaBasicExecutionRole", step: "04",
			changes: []change{{"template.yaml", "      ManagedPolicyArns:\n        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\n", ""}},
			// Checks that read the logs fail too: on AWS they would be empty.
			check: "cloudwatch-logs", others: []string{"errors", "missing-table-name"},
			want: []string{"template.yaml: role ", " of HelloFunction lacks logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents", "Keep AWSLambdaBasicExecutionRole in the ManagedPolicyArns"},
		},
		{
			name: "PutItem error ignored before a Scan", step: "05",
			changes: []change{ignorePutError},
			check:   "errors",
			want:    []string{"main.go: ", "HelloFunction logged nothing matching operation error DynamoDB: PutItem after DynamoDB answered it ResourceNotFoundException", "log the error each DynamoDB call returns"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			step, err := m.Find(tt.step)
			if err != nil {
				t.Fatal(err)
			}
			dir := copyStep(t, root, filepath.Join(root, "solutions", step.Slug))
			for _, c := range tt.changes {
				edit(t, filepath.Join(dir, c.file), c.old, c.new)
			}
			target := Target{Root: root, Step: step, Dir: dir, Mode: Learner}
			// Only the checks at stake: each deploys the step, and the machine is shared.
			results, err := target.Check(append([]string{tt.check}, tt.others...), time.Now().Add(5*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			var got *Result
			for i, r := range results {
				switch {
				case r.Name == tt.check:
					got = &results[i]
				case !r.Failed:
					t.Errorf("check %s passed; with %s it fails too", r.Name, tt.name)
				}
			}
			if got == nil || !got.Failed {
				t.Fatalf("check %s passed; it should catch %s", tt.check, tt.name)
			}
			first, _, _ := strings.Cut(got.Message, "\n")
			t.Logf("%s: %s", tt.check, first)
			if len(first) > 300 {
				t.Errorf("the first line of check %s has %d characters; at most 300:\n%s", tt.check, len(first), first)
			}
			for _, w := range tt.want {
				if !strings.Contains(first, w) {
					t.Errorf("the first line of check %s lacks %q:\n%s", tt.check, w, got.Message)
				}
			}
		})
	}
}
