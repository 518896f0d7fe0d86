package dynamo

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestCreateTableInputRejects(t *testing.T) {
	attr := func(name, typ string) map[string]any {
		return map[string]any{"AttributeName": name, "AttributeType": typ}
	}
	key := func(name, typ string) map[string]any { return map[string]any{"AttributeName": name, "KeyType": typ} }
	base := func(change func(p map[string]any)) map[string]any {
		p := workshopTable()
		change(p)
		return p
	}
	tests := []struct {
		name    string
		props   map[string]any
		wantErr string
	}{
		{"no TableName", base(func(p map[string]any) { delete(p, "TableName") }), "no TableName"},
		{"TableName too short", base(func(p map[string]any) { p["TableName"] = "ab" }), `"ab" has 2 characters`},
		{"TableName with a space", base(func(p map[string]any) { p["TableName"] = "my table" }), `contains ' '`},
		{"TableName not a string", base(func(p map[string]any) { p["TableName"] = map[string]any{"Ref": "Name"} }), "do not have the shape"},
		{"non-key attribute defined", base(func(p map[string]any) {
			p["AttributeDefinitions"] = []any{attr("dt", "S"), attr("count", "N")}
		}), "AttributeDefinitions lists count, which is no key"},
		{"key attribute not defined", base(func(p map[string]any) {
			p["KeySchema"] = []any{key("dt", "HASH"), key("seq", "RANGE")}
		}), "key attribute seq is not in AttributeDefinitions"},
		{"bad attribute type", base(func(p map[string]any) { p["AttributeDefinitions"] = []any{attr("dt", "String")} }),
			`AttributeType "String"`},
		{"no key", base(func(p map[string]any) { delete(p, "KeySchema") }), "KeySchema: it is empty"},
		{"range first", base(func(p map[string]any) { p["KeySchema"] = []any{key("dt", "RANGE")} }), "first key must be the HASH key"},
		{"provisioned by default, no throughput", base(func(p map[string]any) { delete(p, "BillingMode") }),
			"ProvisionedThroughput is missing"},
		{"on demand with throughput", base(func(p map[string]any) {
			p["ProvisionedThroughput"] = map[string]any{"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
		}), "ProvisionedThroughput cannot be set when BillingMode is PAY_PER_REQUEST"},
		{"unknown billing mode", base(func(p map[string]any) { p["BillingMode"] = "ON_DEMAND" }), `BillingMode "ON_DEMAND"`},
		{"capacity not a number", base(func(p map[string]any) {
			p["BillingMode"] = "PROVISIONED"
			p["ProvisionedThroughput"] = map[string]any{"ReadCapacityUnits": "five", "WriteCapacityUnits": 1}
		}), "is not a whole number"},
		{"index name too short", base(func(p map[string]any) {
			p["AttributeDefinitions"] = []any{attr("dt", "S"), attr("day", "S")}
			p["GlobalSecondaryIndexes"] = []any{map[string]any{"IndexName": "ix", "KeySchema": []any{key("day", "HASH")},
				"Projection": map[string]any{"ProjectionType": "KEYS_ONLY"}}}
		}), "global secondary index: IndexName"},
		{"index without throughput on a provisioned table", base(func(p map[string]any) {
			p["BillingMode"] = "PROVISIONED"
			p["ProvisionedThroughput"] = map[string]any{"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
			p["AttributeDefinitions"] = []any{attr("dt", "S"), attr("day", "S")}
			p["GlobalSecondaryIndexes"] = []any{map[string]any{"IndexName": "by-day", "KeySchema": []any{key("day", "HASH")},
				"Projection": map[string]any{"ProjectionType": "KEYS_ONLY"}}}
		}), "global secondary index by-day: ProvisionedThroughput is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := createTableInput(tt.props)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v\nwant it to say %q", err, tt.wantErr)
			}
		})
	}
}

func TestCreateTableInputMaps(t *testing.T) {
	in, err := createTableInput(map[string]any{
		"TableName":            "things",
		"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "N"}},
		"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
		"BillingMode":          "PAY_PER_REQUEST",
		"StreamSpecification":  map[string]any{"StreamViewType": "KEYS_ONLY"},
		"SSESpecification":     map[string]any{"SSEEnabled": true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(in.TableName) != "things" || in.BillingMode != "PAY_PER_REQUEST" || in.ProvisionedThroughput != nil ||
		aws.ToString(in.KeySchema[0].AttributeName) != "id" || in.AttributeDefinitions[0].AttributeType != "N" {
		t.Errorf("input = %+v", in)
	}
	if s := in.StreamSpecification; s == nil || !aws.ToBool(s.StreamEnabled) || s.StreamViewType != "KEYS_ONLY" {
		t.Errorf("StreamSpecification = %+v, want enabled, KEYS_ONLY", s)
	}
}
