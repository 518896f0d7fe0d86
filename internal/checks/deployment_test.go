package checks

import "testing"

// TestDeploymentMistakesAreCaught breaks solutions in the ways that work
// only with the template's defaults or the seed app's habits, and that pass
// unnoticed until deployed elsewhere: the checks deploy under their own
// Prefix and region, so the named check must fail, its first line naming the
// file, the resource and the fix.
func TestDeploymentMistakesAreCaught(t *testing.T) {
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
	nameWritten := []string{"template.yaml:", "resource HelloFunction", "TABLE_NAME", `"dva-hello-Table"`, "dva-hello is the default Prefix, written out by hand", "!Sub ${Prefix}-"}
	regionWritten := []string{"main.go:", "HelloFunction calls DynamoDB in us-east-1, but the stack is deployed in", "no config.WithRegion", "AWS_REGION"}
	zoned := []string{"main.go", "(resource Table) holds dt", "1h0m0s ahead of the stack's clock in UTC", "store time.Now().UTC()"}
	tests := []mistake{
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
	runMistakes(t, tests)
}
