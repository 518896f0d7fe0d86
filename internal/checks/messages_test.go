package checks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMessagesNameTheCause breaks solutions in the ways whose messages used
// to hide the cause (a bare 502, testscript's own words, a temporary path, a
// side effect first, the enclosing block's line): the named check must fail,
// its first line (at most 300 characters) naming the file, the resource and
// the fix, and no line of the report longer than 1,000 characters.
func TestMessagesNameTheCause(t *testing.T) {
	const handlerStart = "body, err := json.Marshal("
	refTable := []string{"template.yaml:", "resource FunctionRole", "Resource: !Ref Table", "the table's name", "not its ARN", "Resource: !GetAtt Table.Arn"}
	tests := []mistake{
		// 1. A 502 says why API Gateway answered it.
		{name: "malformed proxy response", step: "01", check: "hello",
			changes: []change{{"main.go", "StatusCode: http.StatusOK,", "StatusCode: http.StatusOK - 200,"}},
			first:   []string{"GET /hello answered 502", "expected 200", "Malformed Lambda proxy response: statusCode 0 is not an HTTP status code", "events.APIGatewayProxyResponse", "HelloFunction", "main.go"}},
		{name: "handler panics", step: "01", check: "hello",
			changes: []change{{"main.go", handlerStart, "panic(\"boom\")\n\t" + handlerStart}},
			first:   []string{"GET /hello answered 502", "HelloFunction panicked: boom", "main.go"}},
		{name: "log.Fatal in the handler", step: "01", check: "hello",
			changes: []change{{"main.go", handlerStart, "log.Fatal(\"no body today\")\n\t" + handlerStart}},
			first:   []string{"GET /hello answered 502", "Runtime.ExitError", "log.Fatal", "HelloFunction", "main.go"}},
		{name: "handler returns an error", step: "01", check: "hello",
			changes: []change{{"main.go", handlerStart, "if true {\n\t\treturn events.APIGatewayProxyResponse{}, errors.New(\"no body today\")\n\t}\n\t" + handlerStart},
				{"main.go", "import (\n", "import (\n\t\"errors\"\n"}},
			first: []string{"GET /hello answered 502", "the handler of HelloFunction returned an error", "no body today", "main.go", "StatusCode 500 and a nil error"}},
		{name: "task timed out", step: "04", check: "hello",
			changes: []change{{"template.yaml", "Timeout: 5", "Timeout: 1"}, {"main.go", "item := access{DT:", "time.Sleep(2 * time.Second)\n\titem := access{DT:"}},
			first:   []string{"GET /hello answered 502", "Task timed out after 1.00 seconds", "Timeout in template.yaml", "HelloFunction"}},

		// 3. Learner words, repository-relative paths.
		{name: "x86_64 architecture", step: "01", check: "build",
			changes: []change{{"template.yaml", "- arm64", "- x86_64"}},
			first:   []string{"template.yaml:", "HelloFunction", "Architectures", "x86_64", "arm64"}},
		{name: "CodeUri of no folder", step: "01", check: "build",
			changes: []change{{"template.yaml", "CodeUri: ./", "CodeUri: ./src"}},
			first:   []string{"template.yaml:", "HelloFunction", "CodeUri ./src", "no such folder", "the folder of main.go"}},
		{name: "CodeUri of no folder", step: "01", check: "hello",
			changes: []change{{"template.yaml", "CodeUri: ./", "CodeUri: ./src"}},
			first:   []string{"template.yaml:", "HelloFunction", "CodeUri ./src", "no such folder", "the folder of main.go"}},

		// 4. The cause first, side effects after.
		{name: "Resource: !Ref Table", step: "04", check: "least-privilege",
			changes: []change{{"template.yaml", "Resource: !GetAtt Table.Arn", "Resource: !Ref Table"}},
			first:   refTable, want: []string{"denied dynamodb:PutItem"}},
		{name: "Resource: !Ref Table", step: "04", check: "hello",
			changes: []change{{"template.yaml", "Resource: !GetAtt Table.Arn", "Resource: !Ref Table"}},
			first:   refTable, want: []string{"answered 500"}},
		{name: "Role: !Ref FunctionRole", step: "02", check: "no-implicit-role",
			changes: []change{{"template.yaml", "Role: !GetAtt FunctionRole.Arn", "Role: !Ref FunctionRole"}},
			first:   []string{"template.yaml:30", "HelloFunction", "Role: !Ref FunctionRole", "the role's name, not its ARN", "Role: !GetAtt FunctionRole.Arn"},
			want:    []string{"!Ref FunctionRole gives its name", "Either one makes CloudFormation create the role"},
			not:     []string{"!GetAtt also makes"}},

		// 5. YAML errors at the bad line (Handler, line 22), not the block's (HelloFunction, line 14).
		{name: "Handler one space left", step: "01", check: "function",
			changes: []change{{"template.yaml", "      Handler: bootstrap", "     Handler: bootstrap"}},
			first:   []string{"template.yaml:22: not valid YAML: line 22", "indentation of line 22"}},

		// 6. A hint for each common compiler error, in the build check and where the app starts.
		{name: "undefined name", step: "01", check: "build",
			changes: []change{{"main.go", "json.Marshal(helloBody", "jsonMarshal(helloBody"}, {"main.go", "func handler(", "var _ = json.Valid\n\nfunc handler("}},
			first:   []string{"main.go:", "undefined: jsonMarshal", "HelloFunction does not compile", "check its spelling and case"}},
		{name: "undefined name", step: "01", check: "hello",
			changes: []change{{"main.go", "json.Marshal(helloBody", "jsonMarshal(helloBody"}, {"main.go", "func handler(", "var _ = json.Valid\n\nfunc handler("}},
			first:   []string{"main.go:", "undefined: jsonMarshal", "HelloFunction does not compile", "check its spelling and case"}},
		{name: "unused import and variable", step: "01", check: "build",
			changes: []change{{"main.go", "import (\n", "import (\n\t\"os\"\n"}, {"main.go", handlerStart, "unused := 1\n\t" + handlerStart}},
			first:   []string{"main.go:", "HelloFunction does not compile"},
			want:    []string{`remove "os" from the imports`, "use unused, or write _"}},
		{name: "missing return", step: "01", check: "build",
			changes: []change{{"main.go", "\treturn events.APIGatewayProxyResponse{\n\t\tStatusCode", "\t_ = events.APIGatewayProxyResponse{\n\t\tStatusCode"}, {"main.go", "\t}, nil\n}", "\t}\n}"}},
			first:   []string{"main.go:", "missing return", "HelloFunction does not compile", "must return on every path"}},
		{name: "wrong type", step: "01", check: "build",
			changes: []change{{"main.go", "Body:       string(body),", "Body:       body,"}},
			first:   []string{"main.go:", "cannot use body", "HelloFunction does not compile", "string(body) for a []byte"}},

		// A deployment that fails once the tables exist stops DynamoDB
		// while the check seeds them: its cause first, not the key schema.
		{name: "Effect: Alow", step: "05", check: "count-grows",
			changes: []change{{"template.yaml", "- Effect: Allow\n                Action:\n                  - dynamodb:PutItem", "- Effect: Alow\n                Action:\n                  - dynamodb:PutItem"}},
			first:   []string{"template.yaml:", "TableAccess", `Effect must be "Allow" or "Deny"`, "Alow"},
			not:     []string{"key schema", "does not exist locally"}},
		{name: "Effect: Alow", step: "05", check: "scan-all",
			changes: []change{{"template.yaml", "- Effect: Allow\n                Action:\n                  - dynamodb:PutItem", "- Effect: Alow\n                Action:\n                  - dynamodb:PutItem"}},
			first:   []string{"template.yaml:", "TableAccess", `Effect must be "Allow" or "Deny"`, "Alow"},
			not:     []string{"key schema", "does not exist locally"}},

		// 7. Hints that were wrong. A SimpleTable the translator rejects is
		// still a SimpleTable: the translator's error is the cause.
		{name: "PrimaryKey Type S", step: "03", check: "translation",
			changes: []change{{"template.yaml", "        Name: dt\n        Type: String", "        Name: dt\n        Type: S"}},
			first:   []string{"the SAM translator could not translate", "template.yaml"},
			want:    []string{"hint: the SAM translator stops at the first error"},
			not:     []string{"SimpleTable: declare", "Table must be a resource of Type"}},
		{name: "a stream on the table", step: "06", check: "same-as-simple-table",
			changes: []change{{"template.yaml", "      BillingMode: PAY_PER_REQUEST\n", "      BillingMode: PAY_PER_REQUEST\n      StreamSpecification:\n        StreamViewType: NEW_IMAGE\n"}},
			first:   []string{"template.yaml:", "resource Table", "StreamSpecification"},
			want:    []string{"DeletionPolicy and UpdateReplacePolicy may differ"},
			not:     []string{"no DeletionPolicy"}},
	}
	runMistakes(t, tests)
}

// TestWrongStep05PrintsNoLongLine answers step 05 with a lowercase count
// and one Scan of a table of 1,200 small items (a 30 KB body: scan-all seeds
// a few big items, so this test seeds the small ones itself): the checks that
// catch it show at most 1,000 characters on any line, in the report and in
// the logs.
func TestWrongStep05PrintsNoLongLine(t *testing.T) {
	root, m := repoManifest(t)
	target := editedSolution(t, root, m, "05",
		change{"main.go", "`json:\"Count\"`", "`json:\"count\"`"},
		change{"main.go", "for pages.HasMorePages() {", "if pages.HasMorePages() {"})
	target.ScriptsDir = t.TempDir()
	if err := os.CopyFS(target.ScriptsDir, os.DirFS(filepath.Join(root, "steps", target.Step.Slug, "testdata"))); err != nil {
		t.Fatal(err)
	}
	edit(t, filepath.Join(target.ScriptsDir, "scan-all.txtar"), "\nseed-many Table 4 350000\n", "\nseed-many Table 1200 1000\n")
	results, err := target.Check([]string{"count-grows", "scan-all"}, time.Now().Add(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Skipped {
			t.Skipf("a tool is missing: %s", r.Message)
		}
		if !r.Failed || r.Broken {
			t.Errorf("check %s passed (or is itself broken); it should catch a lowercase count:\n%s", r.Name, r.Message)
		}
		if first, _, _ := strings.Cut(r.Message, "\n"); !strings.Contains(first, `no field "Count"`) {
			t.Errorf("the first line of check %s does not say the field Count is missing:\n%s", r.Name, first)
		}
		for _, l := range strings.Split(r.Log, "\n") {
			if len(l) > 1000 {
				t.Errorf("check %s logs a line of %d characters: %.200s…", r.Name, len(l), l)
			}
		}
	}
	for _, l := range Judge(target, results) {
		for _, line := range strings.Split(l.Text, "\n") {
			if len(line) > 1000 {
				t.Errorf("the report has a line of %d characters: %.200s…", len(line), line)
			}
		}
	}
}

// TestRetainedTableIsTheSame keeps step 06's table when the stack goes
// (DeletionPolicy: Retain): once translated it is still the SimpleTable of
// step 05, so same-as-simple-table passes, as its hint says.
func TestRetainedTableIsTheSame(t *testing.T) {
	root, m := repoManifest(t)
	target := editedSolution(t, root, m, "06",
		change{"template.yaml", "    Type: AWS::DynamoDB::Table\n", "    Type: AWS::DynamoDB::Table\n    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n"})
	mustPass(t, target, "same-as-simple-table")
}
