package checks

import "testing"

// TestMistakesOnlyADeploymentShows breaks a solution in ways that pass a
// quick look and fail on AWS (an ignored DynamoDB error, a client made per
// request, a role that cannot log), and asserts that the right check fails
// with a first line that names the file and the resource and says what to do.
func TestMistakesOnlyADeploymentShows(t *testing.T) {
	ignorePutError := change{"main.go",
		"\tif err := a.put(ctx, item); err != nil {\n\t\t// The details are for the logs; the client learns only that it failed.\n\t\tlog.Printf(\"store the access: %v\", err)\n\t\treturn respond(http.StatusInternalServerError, map[string]string{\"message\": \"internal error\"})\n\t}\n",
		"\t_ = a.put(ctx, item)\n"}
	tests := []mistake{
		{
			name: "PutItem error ignored", step: "04", changes: []change{ignorePutError},
			check: "errors",
			first: []string{"main.go: ", "HelloFunction answered GET /hello with 200", "ResourceNotFoundException", "check the error each DynamoDB call returns", "answer 500"},
		},
		{
			name: "PutItem error ignored and denied", step: "04",
			changes: []change{ignorePutError, {"template.yaml", "                  - dynamodb:PutItem\n", "                  - dynamodb:GetItem\n"}},
			check:   "put-item", alsoFail: []string{"errors", "policy", "least-privilege"},
			first: []string{"(resource Table) holds 3 items; expected 4", "check the error PutItem returns"},
		},
		{
			name: "client made in the handler", step: "04",
			changes: []change{{"main.go", "\tif err := a.put(ctx, item); err != nil {",
				"\tcfg, err := config.LoadDefaultConfig(ctx)\n\tif err != nil {\n\t\treturn respond(http.StatusInternalServerError, map[string]string{\"message\": \"internal error\"})\n\t}\n\ta = &app{db: dynamodb.NewFromConfig(cfg), table: a.table}\n\tif err := a.put(ctx, item); err != nil {"}},
			check: "client-reuse",
			first: []string{"main.go: ", "HelloFunction opened a new connection to DynamoDB in each of its 5 warm invocations", "Create the client once, in main"},
		},
		{
			name: "role without AWSLambdaBasicExecutionRole", step: "04",
			changes: []change{{"template.yaml", "      ManagedPolicyArns:\n        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\n", ""}},
			// Checks that read the logs fail too: on AWS they would be empty.
			check: "cloudwatch-logs", alsoFail: []string{"errors", "missing-table-name"},
			first: []string{"template.yaml: role ", " of HelloFunction lacks logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents", "Keep AWSLambdaBasicExecutionRole in the ManagedPolicyArns"},
		},
		{
			name: "PutItem error ignored before a Scan", step: "05",
			changes: []change{ignorePutError},
			check:   "errors",
			first:   []string{"main.go: ", "HelloFunction logged nothing matching operation error DynamoDB: PutItem after DynamoDB answered it ResourceNotFoundException", "log the error each DynamoDB call returns"},
		},
	}
	runMistakes(t, tests)
}
