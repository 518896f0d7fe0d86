package checks

import "testing"

// TestMutationsAreCaught breaks each step's solution the way learners do and
// asserts that the check named for the mistake fails, and that its first
// line (what a learner reads first) names the file or call, the resource
// and what was expected, in at most 300 characters. Step 01's first
// mistakes are in TestBrokenStepsAreCaught.
func TestMutationsAreCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys a step per case")
	}
	tests := []mistake{
		{name: "text/plain", step: "01",
			changes: []change{{"main.go", `"Content-Type": "application/json"`, `"Content-Type": "text/plain"`}},
			check:   "hello",
			first:   []string{"GET /hello answered with Content-Type: text/plain; expected ^application/json"},
			want:    []string{"hint: set Headers"}},
		{name: "empty message", step: "01",
			changes: []change{{"main.go", `helloBody{Message: "Hello from Lambda!"}`, `helloBody{Message: ""}`}},
			check:   "hello",
			first:   []string{`GET /hello answered with "message": "" (an empty string); expected a string matching \S`},
			want:    []string{"hint: build the body with json.Marshal"}},
		{name: "Principal *", step: "02",
			changes: []change{{"template.yaml", "            Principal:\n              Service:\n                - lambda.amazonaws.com\n", "            Principal: \"*\"\n"}},
			check:   "role",
			first:   []string{"template.yaml", "FunctionRole", "Principal"},
			want:    []string{`hint: only the Lambda service may assume an execution role`}},
		{name: "no Role", step: "02",
			changes: []change{{"template.yaml", "      Role: !GetAtt FunctionRole.Arn\n", ""}},
			check:   "no-implicit-role",
			first:   []string{"template.yaml", "resource HelloFunction has no Properties.Role", `expected Properties.Role: {"Fn::GetAtt":["FunctionRole","Arn"]}`},
			want:    []string{"hint: under the Properties of HelloFunction set Role"}},
		{name: "Number key", step: "03",
			changes: []change{{"template.yaml", "        Name: dt\n        Type: String\n", "        Name: dt\n        Type: Number\n"}},
			check:   "simple-table",
			first:   []string{"template.yaml", "resource Table", "Properties.PrimaryKey", `expected {"Name":"dt","Type":"String"}`},
			want:    []string{"hint: the partition key is PrimaryKey"}},
		{name: "provisioned", step: "03",
			changes: []change{{"template.yaml", "        Type: String\n", "        Type: String\n      ProvisionedThroughput:\n        ReadCapacityUnits: 5\n        WriteCapacityUnits: 5\n"}},
			check:   "simple-table",
			first:   []string{"template.yaml", "resource Table", "Properties.ProvisionedThroughput"},
			want:    []string{"hint: leave out ProvisionedThroughput"}},
		{name: "RFC 3339 time", step: "04",
			changes: []change{{"main.go", "time.Now().UTC().Format(dtLayout)", "time.Now().UTC().Format(time.RFC3339)"}},
			check:   "put-item",
			first:   []string{"main.go", "has no item whose dt is a time in the layout 2006-01-02 15:04:05"},
			want:    []string{"hint: the item you put has dt in the layout 2006-01-02 15:04:05", "not time.RFC3339"}},
		{name: "no PutItem", step: "04",
			changes: []change{{"main.go", "if err := a.put(ctx, item); err != nil {", "if err := error(nil); err != nil {\n\t\t_ = item"}},
			check:   "least-privilege",
			first:   []string{"HelloFunction never called dynamodb:PutItem"},
			want:    []string{"hint: the code must call PutItem on each request"}},
		{name: "dynamodb:*", step: "04",
			changes: []change{{"template.yaml", "                  - dynamodb:PutItem\n", "                  - dynamodb:*\n"}},
			check:   "least-privilege",
			first:   []string{"template.yaml: role ", "FunctionRole of HelloFunction is not least privilege"},
			want:    []string{"too broad", "allows dynamodb:*", "hint: grant dynamodb:PutItem on !GetAtt Table.Arn and nothing more"}},
		{name: "single Scan", step: "05",
			changes: []change{{"main.go", "\tpages := dynamodb.NewScanPaginator(a.db, &dynamodb.ScanInput{TableName: aws.String(a.table)})\n\tfor pages.HasMorePages() {\n\t\tpage, err := pages.NextPage(ctx)\n",
				"\tpage0, err0 := a.db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(a.table)})\n\tfor done := false; !done; done = true {\n\t\tpage, err := page0, err0\n"}},
			check: "scan-all",
			first: []string{`GET /hello answered with "Count": `, "(a number); expected the number 5"},
			want:  []string{"hint: one Scan call stops at 1 MB", "NewScanPaginator"}},
		{name: "raw items", step: "05",
			changes: []change{
				{"main.go", "\t\"github.com/aws/aws-sdk-go-v2/service/dynamodb\"\n", "\t\"github.com/aws/aws-sdk-go-v2/service/dynamodb\"\n\t\"github.com/aws/aws-sdk-go-v2/service/dynamodb/types\"\n"},
				{"main.go", "AccessDatetime []access `json:\"AccessDatetime\"`", "AccessDatetime []map[string]types.AttributeValue `json:\"AccessDatetime\"`"},
				{"main.go", "func (a *app) scanAll(ctx context.Context) ([]access, error) {\n\tall := []access{}", "func (a *app) scanAll(ctx context.Context) ([]map[string]types.AttributeValue, error) {\n\tall := []map[string]types.AttributeValue{}"},
				{"main.go", "\t\tvar items []access\n\t\tif err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {\n\t\t\treturn nil, fmt.Errorf(\"unmarshal the items of %s: %w\", a.table, err)\n\t\t}\n\t\tall = append(all, items...)",
					"\t\tall = append(all, page.Items...)"},
			},
			check: "count-grows",
			first: []string{`GET /hello answered with "AccessDatetime": [{"dt":{"Value":`, "(an array); expected an array whose JSON matches"},
			want:  []string{"hint: AccessDatetime []access", "UnmarshalListOfMaps"}},
		{name: "Scan not granted", step: "05",
			changes: []change{{"template.yaml", "                  - dynamodb:Scan\n", ""}},
			check:   "least-privilege",
			first:   []string{"template.yaml: role ", "FunctionRole denied dynamodb:Scan on arn:aws:dynamodb:", "-Table to HelloFunction", "needs an Allow statement"},
			want:    []string{"hint: the code must scan the table on each request", "AccessDeniedException"}},
		{name: "extra attribute", step: "06",
			changes: []change{{"template.yaml", "          AttributeType: S\n", "          AttributeType: S\n        - AttributeName: message\n          AttributeType: S\n"}},
			check:   "dynamodb-table",
			first:   []string{"template.yaml", "resource Table", "Properties.AttributeDefinitions", `expected [{"AttributeName":"dt","AttributeType":"S"}]`},
			want:    []string{"hint: AttributeDefinitions lists the key attributes", "List no other attribute"}},
		{name: "no BillingMode", step: "06",
			changes: []change{{"template.yaml", "      BillingMode: PAY_PER_REQUEST\n", ""}},
			check:   "dynamodb-table",
			first:   []string{"template.yaml", "resource Table has no Properties.BillingMode", "expected Properties.BillingMode: PAY_PER_REQUEST"},
			want:    []string{"hint: set BillingMode: PAY_PER_REQUEST"}},
	}
	runMistakes(t, tests)
}
