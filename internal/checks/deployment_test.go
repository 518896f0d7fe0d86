package checks

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDeploymentMistakesAreCaught breaks solutions in the ways that work
// only with the template's defaults or the seed app's habits, and that pass
// unnoticed until deployed elsewhere: the checks deploy under their own
// Prefix and region, so the named check must fail, its first line naming the
// file, the resource and the fix.
func TestDeploymentMistakesAreCaught(t *testing.T) {
	root, m := repoManifest(t)
	const (
		sdkConfig    = "config.LoadDefaultConfig(context.Background())"
		seedRegion   = `config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"))`
		utcTime      = "time.Now().UTC().Format(dtLayout)"
		zonedTime    = `time.Now().In(time.FixedZone("CET", 3600)).Format(dtLayout)`
		tableName    = "TableName: !Sub ${Prefix}-Table"
		writtenName  = "TableName: dva-hello-Table"
		stackArn     = "Resource: !GetAtt Table.Arn"
		anyRegionArn = "Resource: !Sub arn:aws:dynamodb:*:${AWS::AccountId}:table/${Table}"
	)
	type change struct{ file, old, new string }
	nameWritten := []string{"template.yaml:", "resource HelloFunction", "TABLE_NAME", `"dva-hello-Table"`, "dva-hello is the default Prefix, written out by hand", "!Sub ${Prefix}-"}
	regionWritten := []string{"main.go:", "HelloFunction calls DynamoDB in us-east-1, but the stack is deployed in", "no config.WithRegion", "AWS_REGION"}
	zoned := []string{"main.go", "(resource Table) holds dt", "1h0m0s ahead of the stack's clock in UTC", "store time.Now().UTC()"}
	tests := []struct {
		name, step string
		changes    []change
		check      string
		first      []string // in the message's first line
		want       []string // anywhere in the message
	}{
		{name: "table name written out", step: "03", changes: []change{{"template.yaml", tableName, writtenName}}, check: "table-env", first: nameWritten},
		{name: "table name written out", step: "03", changes: []change{{"template.yaml", tableName, writtenName}}, check: "outputs",
			first: []string{"template.yaml: output TableName is \"dva-hello-Table\"", "dva-hello is the default Prefix, written out by hand"}},
		{name: "table named by hand", step: "03", changes: []change{{"template.yaml", tableName, "TableName: my-table"}}, check: "table-env",
			first: []string{"template.yaml:", "resource HelloFunction", `TABLE_NAME is "my-table" once deployed`, "The checks deploy with Prefix p"}},
		{name: "table name written out", step: "04", changes: []change{{"template.yaml", tableName, writtenName}}, check: "table-name", first: nameWritten},
		{name: "table name written out", step: "05", changes: []change{{"template.yaml", tableName, writtenName}}, check: "table-name", first: nameWritten},
		{name: "table name written out", step: "06", changes: []change{{"template.yaml", tableName, writtenName}}, check: "table-name", first: nameWritten},

		{name: "seed region in the code", step: "04", changes: []change{{"main.go", sdkConfig, seedRegion}}, check: "put-item", first: regionWritten,
			want: []string{"answered 500", "AccessDeniedException", "arn:aws:dynamodb:us-east-1:"}},
		{name: "seed region in the code", step: "05", changes: []change{{"main.go", sdkConfig, seedRegion}}, check: "count-grows", first: regionWritten},
		{name: "seed region in the code", step: "06", changes: []change{{"main.go", sdkConfig, seedRegion}}, check: "put-then-scan", first: regionWritten},
		// With a role that allows the table in every region, the call signed
		// for another region gets what that region's DynamoDB answers.
		{name: "request signed for another region", step: "06", changes: []change{{"main.go", sdkConfig, seedRegion}, {"template.yaml", stackArn, anyRegionArn}},
			check: "put-then-scan", first: regionWritten, want: []string{"ResourceNotFoundException", "Requested resource not found"}},

		{name: "time in another zone", step: "04", changes: []change{{"main.go", utcTime, zonedTime}}, check: "put-item", first: zoned},
		{name: "time in another zone", step: "05", changes: []change{{"main.go", utcTime, zonedTime}}, check: "count-grows", first: zoned},
		{name: "time in another zone", step: "06", changes: []change{{"main.go", utcTime, zonedTime}}, check: "put-then-scan", first: zoned},
	}
	for _, tt := range tests {
		t.Run(tt.step+" "+tt.name+" "+tt.check, func(t *testing.T) {
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
			results, err := target.Check([]string{tt.check}, time.Now().Add(5*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			r := results[0]
			if r.Skipped {
				t.Skipf("a tool is missing: %s", r.Message)
			}
			if !r.Failed || r.Broken {
				t.Fatalf("check %s passed (or is itself broken); it should catch: %s\n%s\n%s", tt.check, tt.name, r.Message, r.Log)
			}
			first, _, _ := strings.Cut(r.Message, "\n")
			if len(first) > 300 {
				t.Errorf("the first line has %d characters, more than 300:\n%s", len(first), first)
			}
			for _, w := range tt.first {
				if !strings.Contains(first, w) {
					t.Errorf("the first line of check %s lacks %q:\n%s", tt.check, w, first)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Message, w) {
					t.Errorf("the message of check %s lacks %q:\n%s", tt.check, w, r.Message)
				}
			}
			t.Logf("%s: %s", tt.check, first)
		})
	}
}
