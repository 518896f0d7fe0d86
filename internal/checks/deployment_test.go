package checks

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/account"
)

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

// TestPinnedDeployment: WORKSHOP_CHECK_PREFIX and WORKSHOP_CHECK_REGION pin
// what a run deploys with, a bad value is refused by name, and a failing run
// ends with the line that reruns it as it was.
func TestPinnedDeployment(t *testing.T) {
	tests := []struct {
		name                   string
		env                    map[string]string
		wantPrefix, wantRegion string // "" : a random pick
		wantErr                []string
	}{
		{name: "random", env: map[string]string{}},
		{name: "pinned", env: map[string]string{PrefixEnv: "pabcde", RegionEnv: "eu-south-2"}, wantPrefix: "pabcde", wantRegion: "eu-south-2"},
		{name: "prefix only", env: map[string]string{PrefixEnv: "alice1"}, wantPrefix: "alice1"},
		{name: "hyphen", env: map[string]string{PrefixEnv: "dva-hello"}, wantErr: []string{`WORKSHOP_CHECK_PREFIX="dva-hello" is not a Prefix`, "3 to 16 lowercase letters or digits"}},
		{name: "capitals", env: map[string]string{PrefixEnv: "Alice"}, wantErr: []string{`WORKSHOP_CHECK_PREFIX="Alice"`}},
		{name: "too long", env: map[string]string{PrefixEnv: strings.Repeat("a", 17)}, wantErr: []string{"WORKSHOP_CHECK_PREFIX"}},
		{name: "not a region", env: map[string]string{RegionEnv: "Paris"}, wantErr: []string{`WORKSHOP_CHECK_REGION="Paris" is not a Region code`}},
		{name: "China", env: map[string]string{RegionEnv: "cn-north-1"}, wantErr: []string{"WORKSHOP_CHECK_REGION=cn-north-1 is in another AWS partition"}},
		{name: "GovCloud", env: map[string]string{RegionEnv: "us-gov-west-1"}, wantErr: []string{"WORKSHOP_CHECK_REGION=us-gov-west-1 is in another AWS partition"}},
		{name: "the seed region", env: map[string]string{RegionEnv: account.DefaultRegion}, wantErr: []string{"WORKSHOP_CHECK_REGION=us-east-1 is the seed app's Region"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := newDeployment(func(k string) string { return tt.env[k] })
			if len(tt.wantErr) > 0 {
				for _, w := range tt.wantErr {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Errorf("err = %v; want it to say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			prefix := d.Params["Prefix"]
			if !prefixRE.MatchString(prefix) || (tt.wantPrefix != "" && prefix != tt.wantPrefix) {
				t.Errorf("Prefix = %q, want %q (or a random valid one)", prefix, tt.wantPrefix)
			}
			if !slices.Contains(checkRegions, d.Region) && d.Region != tt.wantRegion || (tt.wantRegion != "" && d.Region != tt.wantRegion) {
				t.Errorf("Region = %q, want %q (or one of checkRegions)", d.Region, tt.wantRegion)
			}
		})
	}

	// A run: the scripts see the pinned values, and a failure's report says
	// how to rerun it.
	t.Setenv(PrefixEnv, "pinned1")
	t.Setenv(RegionEnv, "eu-south-2")
	target := Target{Step: Step{Slug: "01-test"}, Mode: Solution, Dir: t.TempDir()}
	results := runScripts(t, target, map[string]string{
		"sees":  "cmpenv want got\n-- want --\npinned1 eu-south-2\n-- got --\n$PREFIX $REGION\n",
		"fails": "cmpenv want got\n-- want --\nsomething else\n-- got --\n$PREFIX\n",
	})
	var lines []string
	for _, l := range Judge(target, results) {
		lines = append(lines, l.Text)
	}
	all := strings.Join(lines, "\n")
	if want := "checks ran as Prefix=pinned1 region=eu-south-2; rerun with WORKSHOP_CHECK_PREFIX=pinned1 WORKSHOP_CHECK_REGION=eu-south-2"; !strings.Contains(all, want) || !strings.Contains(all, "✓ sees") {
		t.Errorf("the report does not pass sees and say %q:\n%s", want, all)
	}
	t.Setenv(PrefixEnv, "Bad_Prefix")
	if _, err := target.Check(nil, time.Now().Add(time.Minute)); err == nil || !strings.Contains(err.Error(), PrefixEnv) {
		t.Errorf("Check with a bad Prefix = %v; want an error naming %s", err, PrefixEnv)
	}
}
