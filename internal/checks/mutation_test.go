package checks

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMutationsAreCaught breaks each step's solution the way learners do and
// asserts that the check named for the mistake fails, and that its first
// line (what a learner reads first) names the file or call, the resource
// and what was expected, in at most 300 characters. Step 01's first
// mistakes are in TestBrokenStepsAreCaught.
func TestMutationsAreCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys a step per case")
	}
	root, m := repoManifest(t)
	tests := []struct {
		name  string
		step  string
		file  string
		edits [][2]string // old, new: each replaced once, in order
		check string      // the check that must fail
		first []string    // in the message's first line
		want  []string    // elsewhere in the message (the hint)
	}{
		{name: "text/plain", step: "01", file: "main.go",
			edits: [][2]string{{`"Content-Type": "application/json"`, `"Content-Type": "text/plain"`}},
			check: "hello",
			first: []string{"GET /hello answered with Content-Type: text/plain; expected ^application/json"},
			want:  []string{"hint: set Headers"}},
		{name: "empty message", step: "01", file: "main.go",
			edits: [][2]string{{`helloBody{Message: "Hello from Lambda!"}`, `helloBody{Message: ""}`}},
			check: "hello",
			first: []string{`GET /hello answered with "message": "" (an empty string); expected a string matching \S`},
			want:  []string{"hint: build the body with json.Marshal"}},
		{name: "Principal *", step: "02", file: "template.yaml",
			edits: [][2]string{{"            Principal:\n              Service:\n                - lambda.amazonaws.com\n", "            Principal: \"*\"\n"}},
			check: "role",
			first: []string{"template.yaml", "FunctionRole", "Principal"},
			want:  []string{`hint: only the Lambda service may assume an execution role`}},
		{name: "no Role", step: "02", file: "template.yaml",
			edits: [][2]string{{"      Role: !GetAtt FunctionRole.Arn\n", ""}},
			check: "no-implicit-role",
			first: []string{"template.yaml", "resource HelloFunction has no Properties.Role", `expected Properties.Role: {"Fn::GetAtt":["FunctionRole","Arn"]}`},
			want:  []string{"hint: under the Properties of HelloFunction set Role"}},
		{name: "Number key", step: "03", file: "template.yaml",
			edits: [][2]string{{"        Name: dt\n        Type: String\n", "        Name: dt\n        Type: Number\n"}},
			check: "simple-table",
			first: []string{"template.yaml", "resource Table", "Properties.PrimaryKey", `expected {"Name":"dt","Type":"String"}`},
			want:  []string{"hint: the partition key is PrimaryKey"}},
		{name: "provisioned", step: "03", file: "template.yaml",
			edits: [][2]string{{"        Type: String\n", "        Type: String\n      ProvisionedThroughput:\n        ReadCapacityUnits: 5\n        WriteCapacityUnits: 5\n"}},
			check: "simple-table",
			first: []string{"template.yaml", "resource Table", "Properties.ProvisionedThroughput"},
			want:  []string{"hint: leave out ProvisionedThroughput"}},
		{name: "RFC 3339 time", step: "04", file: "main.go",
			edits: [][2]string{{"time.Now().UTC().Format(dtLayout)", "time.Now().UTC().Format(time.RFC3339)"}},
			check: "put-item",
			first: []string{"main.go", "has no item whose dt is a time in the layout 2006-01-02 15:04:05"},
			want:  []string{"hint: the item you put has dt in the layout 2006-01-02 15:04:05", "not time.RFC3339"}},
		{name: "no PutItem", step: "04", file: "main.go",
			edits: [][2]string{{"if err := a.put(ctx, item); err != nil {", "if err := error(nil); err != nil {\n\t\t_ = item"}},
			check: "least-privilege",
			first: []string{"HelloFunction never called dynamodb:PutItem"},
			want:  []string{"hint: the code must call PutItem on each request"}},
		{name: "dynamodb:*", step: "04", file: "template.yaml",
			edits: [][2]string{{"                  - dynamodb:PutItem\n", "                  - dynamodb:*\n"}},
			check: "least-privilege",
			first: []string{"template.yaml: role ", "FunctionRole of HelloFunction is not least privilege"},
			want:  []string{"too broad", "allows dynamodb:*", "hint: grant dynamodb:PutItem on !GetAtt Table.Arn and nothing more"}},
		{name: "single Scan", step: "05", file: "main.go",
			edits: [][2]string{{"\tpages := dynamodb.NewScanPaginator(a.db, &dynamodb.ScanInput{TableName: aws.String(a.table)})\n\tfor pages.HasMorePages() {\n\t\tpage, err := pages.NextPage(ctx)\n",
				"\tpage0, err0 := a.db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(a.table)})\n\tfor done := false; !done; done = true {\n\t\tpage, err := page0, err0\n"}},
			check: "scan-all",
			first: []string{`GET /hello answered with "Count": `, "(a number); expected the number 1201"},
			want:  []string{"hint: one Scan call stops at 1 MB", "NewScanPaginator"}},
		{name: "raw items", step: "05", file: "main.go",
			edits: [][2]string{
				{"\t\"github.com/aws/aws-sdk-go-v2/service/dynamodb\"\n", "\t\"github.com/aws/aws-sdk-go-v2/service/dynamodb\"\n\t\"github.com/aws/aws-sdk-go-v2/service/dynamodb/types\"\n"},
				{"AccessDatetime []access `json:\"AccessDatetime\"`", "AccessDatetime []map[string]types.AttributeValue `json:\"AccessDatetime\"`"},
				{"func (a *app) scanAll(ctx context.Context) ([]access, error) {\n\tall := []access{}", "func (a *app) scanAll(ctx context.Context) ([]map[string]types.AttributeValue, error) {\n\tall := []map[string]types.AttributeValue{}"},
				{"\t\tvar items []access\n\t\tif err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {\n\t\t\treturn nil, fmt.Errorf(\"unmarshal the items of %s: %w\", a.table, err)\n\t\t}\n\t\tall = append(all, items...)",
					"\t\tall = append(all, page.Items...)"},
			},
			check: "count-grows",
			first: []string{`GET /hello answered with "AccessDatetime": [{"dt":{"Value":`, "(an array); expected an array whose JSON matches"},
			want:  []string{"hint: AccessDatetime []access", "UnmarshalListOfMaps"}},
		{name: "Scan not granted", step: "05", file: "template.yaml",
			edits: [][2]string{{"                  - dynamodb:Scan\n", ""}},
			check: "least-privilege",
			first: []string{"template.yaml: role ", "FunctionRole denied dynamodb:Scan on arn:aws:dynamodb:", "-Table to HelloFunction", "needs an Allow statement"},
			want:  []string{"hint: the code must scan the table on each request", "AccessDeniedException"}},
		{name: "extra attribute", step: "06", file: "template.yaml",
			edits: [][2]string{{"          AttributeType: S\n", "          AttributeType: S\n        - AttributeName: message\n          AttributeType: S\n"}},
			check: "dynamodb-table",
			first: []string{"template.yaml", "resource Table", "Properties.AttributeDefinitions", `expected [{"AttributeName":"dt","AttributeType":"S"}]`},
			want:  []string{"hint: AttributeDefinitions lists the key attributes", "List no other attribute"}},
		{name: "no BillingMode", step: "06", file: "template.yaml",
			edits: [][2]string{{"      BillingMode: PAY_PER_REQUEST\n", ""}},
			check: "dynamodb-table",
			first: []string{"template.yaml", "resource Table has no Properties.BillingMode", "expected Properties.BillingMode: PAY_PER_REQUEST"},
			want:  []string{"hint: set BillingMode: PAY_PER_REQUEST"}},
	}
	for _, tt := range tests {
		t.Run(tt.step+" "+tt.name, func(t *testing.T) {
			t.Parallel()
			step, err := m.Find(tt.step)
			if err != nil {
				t.Fatal(err)
			}
			dir := copyStep(t, root, filepath.Join(root, "solutions", step.Slug))
			for _, e := range tt.edits {
				edit(t, filepath.Join(dir, tt.file), e[0], e[1])
			}
			target := Target{Root: root, Step: step, Dir: dir, Mode: Learner}
			// Only the check under test runs: one deployment per case keeps
			// the table cheap on DynamoDB Local and under -race.
			results, err := target.Check([]string{tt.check}, time.Now().Add(5*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			got := results[0]
			if got.Skipped {
				t.Skipf("check %s was skipped: %s", tt.check, got.Message)
			}
			if !got.Failed {
				t.Fatalf("check %s passed; it should catch %s", tt.check, tt.name)
			}
			if got.Broken {
				t.Fatalf("check %s is itself broken: %s", tt.check, got.Message)
			}
			first, _, _ := strings.Cut(got.Message, "\n")
			if len(first) > 300 {
				t.Errorf("the first line of check %s is %d characters long (at most 300):\n%s", tt.check, len(first), first)
			}
			for _, w := range tt.first {
				if !strings.Contains(first, w) {
					t.Errorf("the first line of check %s lacks %q:\n%s", tt.check, w, first)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(got.Message, w) {
					t.Errorf("the message of check %s lacks %q:\n%s", tt.check, w, got.Message)
				}
			}
			if strings.Contains(got.Message, "goroutine ") || strings.Contains(got.Message, "panic(") {
				t.Errorf("the message of check %s shows a Go stack trace:\n%s", tt.check, got.Message)
			}
		})
	}
}
