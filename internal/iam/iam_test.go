package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	smithy "github.com/aws/smithy-go"
	"gopkg.in/yaml.v3"
)

const (
	region  = "us-east-1"
	account = "123456789012"
	table   = "arn:aws:dynamodb:us-east-1:123456789012:table/dva-01-001-Table"
	other   = "arn:aws:dynamodb:us-east-1:123456789012:table/Other"
)

// seedPolicy is the seed's inline policy, after !GetAtt Table.Arn is resolved:
// PutItem is commented out, as in the article.
const seedPolicy = `
Version: 2012-10-17
Statement:
  - Effect: Allow
    Action:
      - dynamodb:List*
      - dynamodb:DescribeReservedCapacity*
      - dynamodb:DescribeLimits
      - dynamodb:DescribeTimeToLive
    Resource: "*"
  - Effect: Allow
    Action:
      #- dynamodb:DescribeTable
      - dynamodb:Scan
      #- dynamodb:PutItem
    Resource: arn:aws:dynamodb:us-east-1:123456789012:table/dva-01-001-Table
`

func mustYAML(t testing.TB, src string) any {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("test policy: %v", err)
	}
	return doc
}

func mustPolicy(t testing.TB, name, src string) Policy {
	t.Helper()
	p, err := ParsePolicy(name, mustYAML(t, src))
	if err != nil {
		t.Fatalf("ParsePolicy: %v", err)
	}
	return p
}

func mustManaged(t *testing.T, arn string) Policy {
	t.Helper()
	p, ok := Managed(arn)
	if !ok {
		t.Fatalf("Managed(%s) unknown", arn)
	}
	return p
}

// body builds a DynamoDB JSON request body.
func body(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decide runs a request through parsing and evaluation as the proxy does, and
// returns the message DynamoDB would answer ("" when allowed).
func decide(t *testing.T, role *Role, op string, req map[string]any) (msg string, d Decision) {
	t.Helper()
	r, err := ParseDynamoDB(targetPrefix+op, body(t, req), region, account)
	if err != nil {
		t.Fatalf("ParseDynamoDB(%s): %v", op, err)
	}
	for _, c := range r.Checks {
		d = role.Evaluate(c.Action, c.Resource)
		if !d.Allowed {
			return DenialMessage(account, role.Name, "HelloWorldFunction", c.Action, c.Resource, d), d
		}
	}
	return "", d
}

// denial is AWS's AccessDenied message for HelloWorldFunction's FunctionRole,
// ending with why.
func denial(action, resource, why string) string {
	return "User: arn:aws:sts::123456789012:assumed-role/FunctionRole/HelloWorldFunction is not authorized to perform: " +
		action + " on resource: " + resource + " " + why
}

func implicit(action, resource string) string {
	return denial(action, resource, "because no identity-based policy allows the "+action+" action")
}

func explicit(action, resource string) string {
	return denial(action, resource, "with an explicit deny in an identity-based policy")
}

func TestDecisions(t *testing.T) {
	tableReq := map[string]any{"TableName": "dva-01-001-Table"}
	otherReq := map[string]any{"TableName": "Other"}
	item := map[string]any{"TableName": "dva-01-001-Table", "Item": map[string]any{"dt": map[string]any{"S": "x"}}}

	tests := []struct {
		name     string
		policies []string // YAML documents, or managed policy ARNs
		op       string
		req      map[string]any
		want     string // the AccessDenied message, "" for allowed
		matched  string // Source of the deciding statement, "" for none
		skipped  int
	}{
		// The seed: PutItem commented out.
		{"seed: Scan allowed", []string{seedPolicy}, "Scan", tableReq, "", "inline policy HelloWorldFunctionPolicies, statement 2", 0},
		{"seed: PutItem denied", []string{seedPolicy}, "PutItem", item, implicit("dynamodb:PutItem", table), "", 0},
		{"seed: ListTables allowed by List*", []string{seedPolicy}, "ListTables", map[string]any{}, "", "inline policy HelloWorldFunctionPolicies, statement 1", 0},
		{"seed: DescribeLimits allowed", []string{seedPolicy}, "DescribeLimits", map[string]any{}, "", "inline policy HelloWorldFunctionPolicies, statement 1", 0},
		{"seed: DescribeTimeToLive allowed on any table", []string{seedPolicy}, "DescribeTimeToLive", otherReq, "", "inline policy HelloWorldFunctionPolicies, statement 1", 0},
		{"seed: DescribeTable denied", []string{seedPolicy}, "DescribeTable", tableReq, implicit("dynamodb:DescribeTable", table), "", 0},
		{"seed: Scan of another table denied", []string{seedPolicy}, "Scan", otherReq, implicit("dynamodb:Scan", other), "", 0},

		// Wildcard actions.
		{"dynamodb:* allows PutItem", []string{allow("dynamodb:*", table)}, "PutItem", item, "", "p, statement 1", 0},
		{"* allows PutItem", []string{allow("*", "*")}, "PutItem", item, "", "p, statement 1", 0},
		{"dynamodb:Put* allows PutItem", []string{allow("dynamodb:Put*", table)}, "PutItem", item, "", "p, statement 1", 0},
		{"dynamodb:Put* does not allow UpdateItem", []string{allow("dynamodb:Put*", table)}, "UpdateItem", tableReq, implicit("dynamodb:UpdateItem", table), "", 0},
		{"dynamodb:?etItem allows GetItem", []string{allow("dynamodb:?etItem", table)}, "GetItem", tableReq, "", "p, statement 1", 0},
		{"dynamodb:?etItem does not allow BatchGetItem", []string{allow("dynamodb:?etItem", table)}, "BatchGetItem",
			map[string]any{"RequestItems": map[string]any{"dva-01-001-Table": map[string]any{}}}, implicit("dynamodb:BatchGetItem", table), "", 0},
		{"actions are case-insensitive", []string{allow("DynamoDB:putitem", table)}, "PutItem", item, "", "p, statement 1", 0},
		{"resources are case-sensitive", []string{allow("dynamodb:PutItem", strings.ToLower(table))}, "PutItem", item, implicit("dynamodb:PutItem", table), "", 0},
		{"resource wildcard spans : and /", []string{allow("dynamodb:PutItem", "arn:aws:dynamodb:*")}, "PutItem", item, "", "p, statement 1", 0},
		{"resource ? matches one character", []string{allow("dynamodb:PutItem", "arn:aws:dynamodb:us-east-?:123456789012:table/dva-01-001-Table")}, "PutItem", item, "", "p, statement 1", 0},

		// Deny over Allow.
		{"explicit deny wins", []string{allow("dynamodb:*", "*"), deny("dynamodb:DeleteItem", table)}, "DeleteItem", tableReq,
			explicit("dynamodb:DeleteItem", table), "p, statement 1", 0},
		{"deny of another action leaves the allow", []string{allow("dynamodb:*", "*"), deny("dynamodb:DeleteItem", table)}, "PutItem", item, "", "p, statement 1", 0},

		// NotAction and NotResource.
		{"NotAction allows what it does not name", []string{`{Statement: {Effect: Allow, NotAction: "dynamodb:Delete*", Resource: "*"}}`}, "PutItem", item, "", "p, statement 1", 0},
		{"NotAction does not allow what it names", []string{`{Statement: {Effect: Allow, NotAction: "dynamodb:Delete*", Resource: "*"}}`}, "DeleteItem", tableReq, implicit("dynamodb:DeleteItem", table), "", 0},
		{"NotResource allows other tables", []string{`{Statement: {Effect: Allow, Action: "dynamodb:*", NotResource: "` + other + `"}}`}, "PutItem", item, "", "p, statement 1", 0},
		{"NotResource excludes its table", []string{`{Statement: {Effect: Allow, Action: "dynamodb:*", NotResource: "` + other + `"}}`}, "Scan", otherReq, implicit("dynamodb:Scan", other), "", 0},
		{"Deny with NotResource denies the rest", []string{allow("dynamodb:*", "*"), `{Statement: {Effect: Deny, Action: "dynamodb:*", NotResource: "` + table + `"}}`}, "Scan", otherReq, explicit("dynamodb:Scan", other), "p, statement 1", 0},

		{"a policy on another table", []string{allow("dynamodb:PutItem", other)}, "PutItem", item, implicit("dynamodb:PutItem", table), "", 0},

		// Indexes.
		{"index ARN allows Query on the index", []string{allow("dynamodb:Query", table+"/index/*")}, "Query",
			map[string]any{"TableName": "dva-01-001-Table", "IndexName": "ByDate"}, "", "p, statement 1", 0},
		{"index ARN does not allow Query on the table", []string{allow("dynamodb:Query", table+"/index/*")}, "Query", tableReq, implicit("dynamodb:Query", table), "", 0},
		{"table ARN does not allow Query on its index", []string{allow("dynamodb:Query", table)}, "Query",
			map[string]any{"TableName": "dva-01-001-Table", "IndexName": "ByDate"}, implicit("dynamodb:Query", table+"/index/ByDate"), "", 0},

		// Batches: every table is checked; the first denied (in name order) is named.
		{"batch: both tables allowed", []string{allow("dynamodb:BatchWriteItem", table), allow("dynamodb:BatchWriteItem", other)}, "BatchWriteItem",
			map[string]any{"RequestItems": map[string]any{"dva-01-001-Table": []any{}, "Other": []any{}}}, "", "p, statement 1", 0},
		{"batch: one table denied", []string{allow("dynamodb:BatchWriteItem", table)}, "BatchWriteItem",
			map[string]any{"RequestItems": map[string]any{"dva-01-001-Table": []any{}, "Other": []any{}}}, implicit("dynamodb:BatchWriteItem", other), "", 0},
		{"transaction: each item needs its own action", []string{allow("dynamodb:PutItem", "*")}, "TransactWriteItems",
			map[string]any{"TransactItems": []any{
				map[string]any{"Put": map[string]any{"TableName": "dva-01-001-Table"}},
				map[string]any{"Update": map[string]any{"TableName": "Other"}},
			}}, implicit("dynamodb:UpdateItem", other), "", 0},

		// Conditions are not evaluated.
		{"an Allow with a Condition grants nothing", []string{`{Statement: {Effect: Allow, Action: "dynamodb:PutItem", Resource: "*", Condition: {StringEquals: {"aws:RequestedRegion": us-east-1}}}}`},
			"PutItem", item, implicit("dynamodb:PutItem", table), "", 1},
		{"a Deny with a Condition is ignored", []string{allow("dynamodb:*", "*"), `{Statement: {Effect: Deny, Action: "dynamodb:*", Resource: "*", Condition: {Bool: {"aws:SecureTransport": "false"}}}}`},
			"PutItem", item, "", "p, statement 1", 1},
		{"an empty Condition is no condition", []string{`{Statement: {Effect: Allow, Action: "dynamodb:PutItem", Resource: "*", Condition: {}}}`}, "PutItem", item, "", "p, statement 1", 0},

		// Managed policies.
		{"ReadOnlyAccess allows Scan", []string{"arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"}, "Scan", tableReq, "",
			"arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess, statement 1 (Sid GeneralReadOnlyAccess)", 0},
		{"ReadOnlyAccess allows DescribeTable", []string{"arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"}, "DescribeTable", tableReq, "",
			"arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess, statement 1 (Sid GeneralReadOnlyAccess)", 0},
		{"ReadOnlyAccess denies PutItem", []string{"arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"}, "PutItem", item, implicit("dynamodb:PutItem", table), "", 0},
		{"FullAccess allows DeleteTable", []string{"arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"}, "DeleteTable", tableReq, "",
			"arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess, statement 1", 0},
		{"BasicExecutionRole allows no DynamoDB", []string{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, "Scan", tableReq, implicit("dynamodb:Scan", table), "", 0},
		{"BasicExecutionRole does not allow ListTables", []string{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, "ListTables", map[string]any{}, implicit("dynamodb:ListTables", "*"), "", 0},
		{"no policy at all", nil, "GetItem", tableReq, implicit("dynamodb:GetItem", table), "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			role := &Role{Name: "FunctionRole", ARN: "arn:aws:iam::123456789012:role/FunctionRole"}
			for i, src := range tt.policies {
				switch {
				case strings.HasPrefix(src, "arn:"):
					role.Policies = append(role.Policies, mustManaged(t, src))
				case i == 0 && src == seedPolicy:
					role.Policies = append(role.Policies, mustPolicy(t, "inline policy HelloWorldFunctionPolicies", src))
				default:
					role.Policies = append(role.Policies, mustPolicy(t, "p", src))
				}
			}
			msg, d := decide(t, role, tt.op, tt.req)
			if msg != tt.want {
				t.Errorf("message\n got: %q\nwant: %q", msg, tt.want)
			}
			if d.Allowed != (tt.want == "") {
				t.Errorf("Allowed = %v, want %v", d.Allowed, tt.want == "")
			}
			if d.ExplicitDeny != strings.Contains(tt.want, "explicit deny") {
				t.Errorf("ExplicitDeny = %v for %q", d.ExplicitDeny, tt.want)
			}
			got := ""
			if d.Matched != nil {
				got = d.Matched.Source
			}
			if got != tt.matched {
				t.Errorf("deciding statement = %q, want %q", got, tt.matched)
			}
			if len(d.Skipped) != tt.skipped {
				t.Errorf("Skipped = %d statements (%v), want %d", len(d.Skipped), d.Skipped, tt.skipped)
			}
		})
	}
}

func allow(action, resource string) string {
	return `{Version: "2012-10-17", Statement: [{Effect: Allow, Action: "` + action + `", Resource: "` + resource + `"}]}`
}

func deny(action, resource string) string {
	return `{Statement: [{Effect: Deny, Action: ["` + action + `"], Resource: ["` + resource + `"]}]}`
}

// A role's statements accumulate across policies: a Deny in one policy beats an
// Allow in another, and the deciding statement says which policy it is in.
func TestDenyAcrossPolicies(t *testing.T) {
	role := &Role{Name: "R", Policies: []Policy{
		mustManaged(t, "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"),
		mustPolicy(t, "inline policy NoDeletes", deny("dynamodb:Delete*", "*")),
	}}
	d := role.Evaluate("dynamodb:DeleteItem", table)
	if d.Allowed || !d.ExplicitDeny || d.Matched == nil || d.Matched.Source != "inline policy NoDeletes, statement 1" {
		t.Fatalf("Evaluate = %+v, want an explicit deny by the inline policy", d)
	}
	if d := role.Evaluate("dynamodb:PutItem", table); !d.Allowed {
		t.Fatalf("PutItem: %+v, want allowed by AmazonDynamoDBFullAccess", d)
	}
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"not an object", `[1, 2]`, "policy p: the document must be an object"},
		{"no statement", `{Version: 2012-10-17}`, "policy p: the document has no Statement"},
		{"empty statement list", `{Statement: []}`, "Statement is empty"},
		{"unknown top-level field", `{Statment: []}`, `unknown field "Statment"`},
		{"bad effect", `{Statement: {Effect: allow, Action: "dynamodb:*", Resource: "*"}}`, `policy p, statement 1: Effect must be "Allow" or "Deny"`},
		{"no effect", `{Statement: {Action: "dynamodb:*", Resource: "*"}}`, "Effect is missing"},
		{"no action", `{Statement: [{Effect: Allow, Resource: "*"}]}`, "Action is missing"},
		{"no resource", `{Statement: [{Effect: Allow, Action: "dynamodb:Scan"}, {Sid: S2, Effect: Allow, Action: "dynamodb:Scan"}]}`, "policy p, statement 1: Resource is missing"},
		{"names the Sid", `{Statement: [{Effect: Allow, Action: "dynamodb:Scan", Resource: "*"}, {Sid: Writes, Effect: Allow, Action: "dynamodb:PutItem"}]}`, "policy p, statement 2 (Sid Writes): Resource is missing"},
		{"Action and NotAction", `{Statement: {Effect: Allow, Action: "dynamodb:Scan", NotAction: "dynamodb:PutItem", Resource: "*"}}`, "Action or NotAction, not both"},
		{"Resource and NotResource", `{Statement: {Effect: Allow, Action: "dynamodb:Scan", Resource: "*", NotResource: "*"}}`, "Resource or NotResource, not both"},
		{"action without service", `{Statement: {Effect: Allow, Action: PutItem, Resource: "*"}}`, `Action "PutItem" is not an action: write service:Action, e.g. dynamodb:PutItem`},
		{"unresolved intrinsic", `{Statement: {Effect: Allow, Action: "dynamodb:Scan", Resource: {"Fn::GetAtt": [Table, Arn]}}}`, "Resource must be a string or a list of strings, got an object"},
		{"intrinsic in a list", `{Statement: {Effect: Allow, Action: "dynamodb:Scan", Resource: [{"Fn::GetAtt": [Table, Arn]}]}}`, "Resource must hold strings"},
		{"principal", `{Statement: {Effect: Allow, Principal: "*", Action: "dynamodb:Scan", Resource: "*"}}`, "Principal is not allowed in an identity-based policy"},
		{"unknown statement field", `{Statement: {Effect: Allow, Actions: "dynamodb:Scan", Resource: "*"}}`, `unknown field "Actions"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy("p", mustYAML(t, tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParsePolicy error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParsePolicyShapes(t *testing.T) {
	// JSON as json.Unmarshal decodes it: one statement object, string Action.
	var doc any
	if err := json.Unmarshal([]byte(`{"Version":"2012-10-17","Statement":{"Sid":"One","Effect":"Allow","Action":"dynamodb:GetItem","Resource":["a","b"]}}`), &doc); err != nil {
		t.Fatal(err)
	}
	p, err := ParsePolicy("inline policy P", doc)
	if err != nil {
		t.Fatal(err)
	}
	want := Statement{Sid: "One", Effect: "Allow", Action: []string{"dynamodb:GetItem"}, Resource: []string{"a", "b"}, Source: "inline policy P, statement 1 (Sid One)"}
	if len(p.Statements) != 1 || !equalStatement(p.Statements[0], want) {
		t.Fatalf("ParsePolicy = %+v, want %+v", p.Statements, want)
	}
}

func equalStatement(a, b Statement) bool {
	return a.Sid == b.Sid && a.Effect == b.Effect && a.Source == b.Source &&
		slices.Equal(a.Action, b.Action) && slices.Equal(a.NotAction, b.NotAction) &&
		slices.Equal(a.Resource, b.Resource) && slices.Equal(a.NotResource, b.NotResource) &&
		len(a.Condition) == len(b.Condition)
}

func TestManaged(t *testing.T) {
	for _, arn := range ManagedARNs() {
		p := mustManaged(t, arn)
		if p.Name != arn || len(p.Statements) == 0 {
			t.Errorf("Managed(%s) = %+v", arn, p)
		}
	}
	if _, ok := Managed("arn:aws:iam::aws:policy/AdministratorAccess"); ok {
		t.Error("Managed knows a policy it has no document for")
	}
}

// The policy a caller gets is its own, down to the lists and conditions in
// each statement: changing any of it leaves what the next caller gets alone.
func TestManagedIsACopy(t *testing.T) {
	const arn = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"
	fresh := mustManaged(t, arn)
	if !slices.ContainsFunc(fresh.Statements, func(s Statement) bool { return len(s.Condition) > 0 }) {
		t.Fatalf("%s has no Condition to change: pick a policy with one", arn)
	}
	changes := []struct {
		name   string
		change func(p Policy)
	}{
		{"statement", func(p Policy) { p.Statements[0] = Statement{} }},
		{"action", func(p Policy) { p.Statements[0].Action[0] = "iam:*" }},
		{"resource", func(p Policy) { p.Statements[0].Resource[0] = "arn:changed" }},
		{"condition", func(p Policy) {
			for _, st := range p.Statements {
				for _, v := range st.Condition {
					if inner, ok := v.(map[string]any); ok {
						for k := range inner {
							inner[k] = "changed"
						}
					}
				}
			}
		}},
		{"condition operator", func(p Policy) {
			for _, st := range p.Statements {
				for k := range st.Condition {
					st.Condition[k] = "changed"
				}
			}
		}},
	}
	// A snapshot shares nothing with what Managed returned.
	want, err := json.Marshal(fresh)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		c.change(mustManaged(t, arn))
		if got, _ := json.Marshal(mustManaged(t, arn)); !bytes.Equal(got, want) {
			t.Errorf("changing the %s of a returned managed policy changed the next one", c.name)
		}
	}
}

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything/at:all", true},
		{"", "", true},
		{"", "a", false},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*/index/*", "arn:t/index/ByDate", true},
		{"*/index/*", "arn:t", false},
		{"arn:*:table/T", "arn:aws:dynamodb:r:1:table/T", true},
		{"arn:*:table/T", "arn:aws:dynamodb:r:1:table/T/index/I", false},
		{"**a", "bba", true},
	}
	for _, tt := range tests {
		if got := wildcardMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestParseDynamoDB(t *testing.T) {
	tbl := func(n string) string { return "arn:aws:dynamodb:us-east-1:123456789012:table/" + n }
	tests := []struct {
		op     string
		body   string
		action string // Request.Action
		checks []Check
	}{
		{"PutItem", `{"TableName":"T","Item":{}}`, "dynamodb:PutItem", []Check{{"dynamodb:PutItem", tbl("T")}}},
		{"GetItem", `{"TableName":"T"}`, "dynamodb:GetItem", []Check{{"dynamodb:GetItem", tbl("T")}}},
		{"UpdateItem", `{"TableName":"T"}`, "dynamodb:UpdateItem", []Check{{"dynamodb:UpdateItem", tbl("T")}}},
		{"DeleteItem", `{"TableName":"T"}`, "dynamodb:DeleteItem", []Check{{"dynamodb:DeleteItem", tbl("T")}}},
		{"Scan", `{"TableName":"T"}`, "dynamodb:Scan", []Check{{"dynamodb:Scan", tbl("T")}}},
		{"Scan", `{"TableName":"T","IndexName":"I"}`, "dynamodb:Scan", []Check{{"dynamodb:Scan", tbl("T") + "/index/I"}}},
		{"Query", `{"TableName":"T","IndexName":"I"}`, "dynamodb:Query", []Check{{"dynamodb:Query", tbl("T") + "/index/I"}}},
		{"Query", `{"TableName":"T"}`, "dynamodb:Query", []Check{{"dynamodb:Query", tbl("T")}}},
		{"Query", `{"TableName":"arn:aws:dynamodb:eu-west-1:999999999999:table/X"}`, "dynamodb:Query", []Check{{"dynamodb:Query", "arn:aws:dynamodb:eu-west-1:999999999999:table/X"}}},
		{"DescribeTable", `{"TableName":"T"}`, "dynamodb:DescribeTable", []Check{{"dynamodb:DescribeTable", tbl("T")}}},
		{"CreateTable", `{"TableName":"T","KeySchema":[]}`, "dynamodb:CreateTable", []Check{{"dynamodb:CreateTable", tbl("T")}}},
		{"DeleteTable", `{"TableName":"T"}`, "dynamodb:DeleteTable", []Check{{"dynamodb:DeleteTable", tbl("T")}}},
		{"UpdateTable", `{"TableName":"T","IndexName":"ignored"}`, "dynamodb:UpdateTable", []Check{{"dynamodb:UpdateTable", tbl("T")}}},
		{"DescribeTimeToLive", `{"TableName":"T"}`, "dynamodb:DescribeTimeToLive", []Check{{"dynamodb:DescribeTimeToLive", tbl("T")}}},
		{"UpdateTimeToLive", `{"TableName":"T"}`, "dynamodb:UpdateTimeToLive", []Check{{"dynamodb:UpdateTimeToLive", tbl("T")}}},
		{"ListTables", `{}`, "dynamodb:ListTables", []Check{{"dynamodb:ListTables", "*"}}},
		{"DescribeLimits", `{}`, "dynamodb:DescribeLimits", []Check{{"dynamodb:DescribeLimits", "*"}}},
		{"DescribeEndpoints", `{}`, "dynamodb:DescribeEndpoints", []Check{{"dynamodb:DescribeEndpoints", "*"}}},
		{"ListTagsOfResource", `{"ResourceArn":"` + tbl("T") + `"}`, "dynamodb:ListTagsOfResource", []Check{{"dynamodb:ListTagsOfResource", tbl("T")}}},
		{"BatchWriteItem", `{"RequestItems":{"B":[],"A":[],"C":[]}}`, "dynamodb:BatchWriteItem",
			[]Check{{"dynamodb:BatchWriteItem", tbl("A")}, {"dynamodb:BatchWriteItem", tbl("B")}, {"dynamodb:BatchWriteItem", tbl("C")}}},
		{"BatchGetItem", `{"RequestItems":{"T":{"Keys":[]}}}`, "dynamodb:BatchGetItem", []Check{{"dynamodb:BatchGetItem", tbl("T")}}},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"A"}},{"Update":{"TableName":"B"}},{"Delete":{"TableName":"A"}},{"ConditionCheck":{"TableName":"C"}},{"Put":{"TableName":"A"}}]}`, "",
			[]Check{{"dynamodb:PutItem", tbl("A")}, {"dynamodb:UpdateItem", tbl("B")}, {"dynamodb:DeleteItem", tbl("A")}, {"dynamodb:ConditionCheckItem", tbl("C")}}},
		{"TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"A"}},{"Get":{"TableName":"B"}}]}`, "",
			[]Check{{"dynamodb:GetItem", tbl("A")}, {"dynamodb:GetItem", tbl("B")}}},
		{"ExecuteStatement", `{"Statement":"SELECT * FROM \"T\" WHERE id = ?"}`, "dynamodb:PartiQLSelect", []Check{{"dynamodb:PartiQLSelect", tbl("T")}}},
		{"ExecuteStatement", `{"Statement":"select \"from\", from_date FROM T.\"By-Date\" WHERE x = 'FROM y'"}`, "dynamodb:PartiQLSelect", []Check{{"dynamodb:PartiQLSelect", tbl("T") + "/index/By-Date"}}},
		{"ExecuteStatement", `{"Statement":"INSERT INTO \"my-table\" VALUE {'id': ?}"}`, "dynamodb:PartiQLInsert", []Check{{"dynamodb:PartiQLInsert", tbl("my-table")}}},
		{"ExecuteStatement", `{"Statement":"UPDATE \"a\"\"b\" SET x = 1 WHERE id = 'k'"}`, "dynamodb:PartiQLUpdate", []Check{{"dynamodb:PartiQLUpdate", tbl(`a"b`)}}},
		{"ExecuteStatement", `{"Statement":"  delete from T where id = 'k'"}`, "dynamodb:PartiQLDelete", []Check{{"dynamodb:PartiQLDelete", tbl("T")}}},
		{"BatchExecuteStatement", `{"Statements":[{"Statement":"SELECT * FROM A WHERE id = 1"},{"Statement":"INSERT INTO B VALUE {'id': 2}"}]}`, "",
			[]Check{{"dynamodb:PartiQLSelect", tbl("A")}, {"dynamodb:PartiQLInsert", tbl("B")}}},
		{"ExecuteTransaction", `{"TransactStatements":[{"Statement":"EXISTS(SELECT * FROM A WHERE id = 1)"},{"Statement":"DELETE FROM B WHERE id = 2"}]}`, "",
			[]Check{{"dynamodb:PartiQLSelect", tbl("A")}, {"dynamodb:PartiQLDelete", tbl("B")}}},
	}
	for _, tt := range tests {
		t.Run(tt.op+" "+tt.body, func(t *testing.T) {
			r, err := ParseDynamoDB(targetPrefix+tt.op, []byte(tt.body), region, account)
			if err != nil {
				t.Fatal(err)
			}
			if r.Operation != tt.op || r.Action != tt.action || !slices.Equal(r.Checks, tt.checks) {
				t.Fatalf("ParseDynamoDB = %+v\nwant Action %q, Checks %v", r, tt.action, tt.checks)
			}
			if tt.action != "" {
				var res []string
				for _, c := range tt.checks {
					res = append(res, c.Resource)
				}
				if !slices.Equal(r.Resources, res) {
					t.Fatalf("Resources = %v, want %v", r.Resources, res)
				}
			}
		})
	}
}

// Requests DynamoDB refuses before IAM is asked get DynamoDB's answer.
func TestParseDynamoDBErrors(t *testing.T) {
	const serialization, validation, unknownOp = "com.amazon.coral.service#SerializationException", "com.amazon.coral.validate#ValidationException", "com.amazon.coral.service#UnknownOperationException"
	tests := []struct {
		target, body string
		typ, msg     string // DynamoDB's __type and message
		why          string // part of the log's explanation
	}{
		{"Kinesis_20131202.PutRecord", `{}`, unknownOp, "", "is not a DynamoDB operation"},
		{"DynamoDB_20120810.putitem", `{}`, unknownOp, "", "is not a DynamoDB operation"},
		{"DynamoDB_20120810.Bogus", `{}`, unknownOp, "", "is not a DynamoDB operation"},
		{"", `{}`, unknownOp, "", "is not a DynamoDB operation"},
		{"DynamoDB_20120810.PutItem", `{not json`, serialization, "", "the body is not a JSON object"},
		{"DynamoDB_20120810.ListTables", ``, serialization, "", "it is empty"},
		{"DynamoDB_20120810.PutItem", `[]`, serialization, "", "it is not an object"},
		{"DynamoDB_20120810.PutItem", `{"TableName":"A"} {"TableName":"B"}`, serialization, "", "something follows"},
		{"DynamoDB_20120810.PutItem", "{\"TableName\":\"A\xff\"}", serialization, "", "not valid UTF-8"},
		{"DynamoDB_20120810.PutItem", `{"TableName":5}`, serialization, "NUMBER_VALUE cannot be converted to String", "PutItem: TableName is a number"},
		{"DynamoDB_20120810.PutItem", `{"TableName":1.5}`, serialization, "DECIMAL_VALUE cannot be converted to String", "TableName is a number"},
		{"DynamoDB_20120810.PutItem", `{"TableName":true}`, serialization, "TRUE_VALUE cannot be converted to String", "TableName is a boolean"},
		{"DynamoDB_20120810.PutItem", `{"TableName":["T"]}`, serialization, "Unrecognized collection type class java.lang.String", "TableName is an array"},
		{"DynamoDB_20120810.PutItem", `{"TableName":{"S":"T"}}`, serialization, "Start of structure or map found where not expected", "TableName is an object"},
		{"DynamoDB_20120810.TransactWriteItems", `{"TransactItems":{}}`, serialization, "Start of structure or map found where not expected", "TransactItems is an object"},
		{"DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[5]}`, serialization, "Unexpected value type in payload", "TransactItems[0] is a number"},
		{"DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[{"Put":[]}]}`, serialization, "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.Put", "TransactItems[0].Put is an array"},
		{"DynamoDB_20120810.BatchWriteItem", `{"RequestItems":5}`, serialization, "Unexpected field type", "RequestItems is a number"},
		{"DynamoDB_20120810.Scan", `{"TableName":"T","Limit":{}}`, serialization, "Start of structure or map found where not expected", "Limit is an object"},
		{"DynamoDB_20120810.PutItem", `{}`, validation, "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null", "PutItem names no TableName"},
		{"DynamoDB_20120810.PutItem", `{"TableName":null}`, validation, "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null", "PutItem names no TableName"},
		{"DynamoDB_20120810.PutItem", `{"tablename":"T"}`, validation, "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null", "PutItem names no TableName"},
		{"DynamoDB_20120810.DeleteBackup", `{}`, validation, "1 validation error detected: Value null at 'backupArn' failed to satisfy constraint: Member must not be null", "DeleteBackup names no BackupArn"},
		{"DynamoDB_20120810.BatchWriteItem", `{"RequestItems":{}}`, validation, "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1", "RequestItems names no table"},
		{"DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[{}]}`, validation, "TransactItems can only contain one of Check, Put, Update or Delete", "TransactItems[0] holds 0 of Put"},
		{"DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"A"},"Delete":{"TableName":"B"}}]}`, validation, "TransactItems can only contain one of Check, Put, Update or Delete", "TransactItems[0] holds 2 of Put"},
		{"DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[{"Put":{"tablename":"A"}}]}`, validation, "1 validation error detected: Value null at 'transactItems.1.member.put.tableName' failed to satisfy constraint: Member must not be null", "TransactItems[0].Put names no TableName"},
		{"DynamoDB_20120810.ExecuteStatement", `{"Statement":"EXPLAIN SELECT 1"}`, validation, "Statement wasn't well formed, can't be processed: PartiQL statement \"EXPLAIN SELECT 1\": it does not start with SELECT, INSERT, UPDATE or DELETE", "does not start with SELECT"},
		{"DynamoDB_20120810.ExecuteStatement", `{"Statement":"SELECT * FROM"}`, validation, "Statement wasn't well formed, can't be processed: PartiQL statement \"SELECT * FROM\": no table name after SELECT", "no table name after SELECT"},
		{"DynamoDB_20120810.ExecuteStatement", `{"Statement":"SELECT * FROM \"T"}`, validation, "Statement wasn't well formed, can't be processed: PartiQL statement \"SELECT * FROM \\\"T\": a \" quote is not closed", "quote is not closed"},
		{"DynamoDB_20120810.BatchExecuteStatement", `{"Statements":[]}`, validation, "1 validation error detected: Value null at 'statements' failed to satisfy constraint: Member must not be null", "names no Statements"},
	}
	for _, tt := range tests {
		_, err := ParseDynamoDB(tt.target, []byte(tt.body), region, account)
		var re *RequestError
		if !errors.As(err, &re) || re.Status != 400 || re.Type != tt.typ || re.Message != tt.msg || !strings.Contains(re.Why, tt.why) {
			t.Errorf("ParseDynamoDB(%s, %s) error = %#v\nwant 400 %s %q, why containing %q", tt.target, tt.body, err, tt.typ, tt.msg, tt.why)
		}
	}
}

// The body forwarded is the request as DynamoDB reads it: exact member names,
// unknown members and nulls dropped, a duplicate's last value.
func TestParseDynamoDBCanonicalBody(t *testing.T) {
	tbl := func(n string) string { return "arn:aws:dynamodb:us-east-1:123456789012:table/" + n }
	tests := []struct {
		name, op, body string
		checks         []Check
		want           string // the canonical body
	}{
		{"case variant of TableName is not TableName", "PutItem", `{"TableName":"TableB","tablename":"TableA","Item":{"id":{"S":"x"}}}`,
			[]Check{{"dynamodb:PutItem", tbl("TableB")}}, `{"TableName":"TableB","Item":{"id":{"S":"x"}}}`},
		{"only a case variant", "DeleteItem", `{"TableName":"TableA","TABLENAME":"TableB","tableName":"TableC"}`,
			[]Check{{"dynamodb:DeleteItem", tbl("TableA")}}, `{"TableName":"TableA"}`},
		{"IndexName is no PutItem member", "PutItem", `{"TableName":"TableB","IndexName":5,"Item":{}}`,
			[]Check{{"dynamodb:PutItem", tbl("TableB")}}, `{"TableName":"TableB","Item":{}}`},
		{"TableArn is no PutItem member", "PutItem", `{"TableName":"TableB","TableArn":5,"Item":{}}`,
			[]Check{{"dynamodb:PutItem", tbl("TableB")}}, `{"TableName":"TableB","Item":{}}`},
		{"DeleteTable with the same trick", "DeleteTable", `{"TableName":"TableB","IndexName":5}`,
			[]Check{{"dynamodb:DeleteTable", tbl("TableB")}}, `{"TableName":"TableB"}`},
		{"duplicate: the last wins, as in DynamoDB", "PutItem", `{"TableName":"TableA","TableName":"TableB"}`,
			[]Check{{"dynamodb:PutItem", tbl("TableB")}}, `{"TableName":"TableB"}`},
		{"escaped member name is the member", "PutItem", `{"Table\u004eame":"TableB"}`,
			[]Check{{"dynamodb:PutItem", tbl("TableB")}}, `{"TableName":"TableB"}`},
		{"Kelvin sign and long s fold in Go, not in DynamoDB", "PutItem", `{"TableName":"TableA","ſtatement":"x","TableNameK":"y","\u212aey":{}}`,
			[]Check{{"dynamodb:PutItem", tbl("TableA")}}, `{"TableName":"TableA"}`},
		{"null is absent", "Query", `{"TableName":"T","IndexName":null}`,
			[]Check{{"dynamodb:Query", tbl("T")}}, `{"TableName":"T"}`},
		{"nested case variant", "TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"A","tablename":"B"},"put":{"TableName":"C"}}]}`,
			[]Check{{"dynamodb:PutItem", tbl("A")}}, `{"TransactItems":[{"Put":{"TableName":"A"}}]}`},
		{"RequestItems keys are table names, kept as they are", "BatchWriteItem", `{"RequestItems":{"A":[],"a":[],"A":[{"PutRequest":{"Item":{"k":{"S":"v"},"K":{"S":"w"}}}}]}}`,
			[]Check{{"dynamodb:BatchWriteItem", tbl("A")}, {"dynamodb:BatchWriteItem", tbl("a")}},
			`{"RequestItems":{"A":[{"PutRequest":{"Item":{"k":{"S":"v"},"K":{"S":"w"}}}}],"a":[]}}`},
		{"numbers keep their digits", "Scan", `{"TableName":"T","Limit":10,"ExclusiveStartKey":{"n":{"N":"1e400"}}}`,
			[]Check{{"dynamodb:Scan", tbl("T")}}, `{"TableName":"T","Limit":10,"ExclusiveStartKey":{"n":{"N":"1e400"}}}`},
		{"restore checks source and target", "RestoreTableToPointInTime", `{"SourceTableName":"A","TargetTableName":"B"}`,
			[]Check{{"dynamodb:RestoreTableToPointInTime", tbl("B")}, {"dynamodb:RestoreTableToPointInTime", tbl("A")}}, `{"SourceTableName":"A","TargetTableName":"B"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseDynamoDB(targetPrefix+tt.op, []byte(tt.body), region, account)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Checks, tt.checks) || string(r.Body) != tt.want {
				t.Fatalf("ParseDynamoDB = Checks %v\nBody %s\nwant Checks %v\nBody %s", r.Checks, r.Body, tt.checks, tt.want)
			}
		})
	}
}

// Every operation of the SDK's model names what IAM authorizes.
func TestParseDynamoDBEveryOperation(t *testing.T) {
	for op, shape := range operations {
		fields := map[string]any{}
		for name, m := range shape.Members() {
			if m.Type() == smithy.ShapeTypeString {
				fields[name] = "x"
			}
		}
		fields["RequestItems"] = map[string]any{"x": []any{}}
		if op == "BatchGetItem" {
			fields["RequestItems"] = map[string]any{"x": map[string]any{}}
		}
		fields["TransactItems"] = []any{map[string]any{"Put": map[string]any{"TableName": "x"}, "Get": map[string]any{"TableName": "x"}}}
		if op == "TransactWriteItems" {
			fields["TransactItems"] = []any{map[string]any{"Put": map[string]any{"TableName": "x"}}}
		}
		fields["Statements"] = []any{map[string]any{"Statement": "SELECT * FROM x"}}
		fields["TransactStatements"] = fields["Statements"]
		fields["Statement"] = "SELECT * FROM x"
		fields["TableCreationParameters"] = map[string]any{"TableName": "x"}
		r, err := ParseDynamoDB(targetPrefix+op, body(t, fields), region, account)
		if err != nil || len(r.Checks) == 0 {
			t.Errorf("%s: %+v, %v", op, r, err)
		}
	}
	if len(operations) < 60 {
		t.Errorf("%d operations: the SDK's model has 62", len(operations))
	}
}

// A resource ARN of another region or account is not forwarded: DynamoDB Local
// would serve its own table of that name.
func TestParseDynamoDBElsewhere(t *testing.T) {
	for _, tt := range []struct{ op, body, want string }{
		{"PutItem", `{"TableName":"arn:aws:dynamodb:eu-west-1:123456789012:table/TableB"}`, "arn:aws:dynamodb:eu-west-1:123456789012:table/TableB"},
		{"PutItem", `{"TableName":"arn:aws:dynamodb:us-east-1:999999999999:table/TableB"}`, "arn:aws:dynamodb:us-east-1:999999999999:table/TableB"},
		{"DescribeBackup", `{"BackupArn":"backup"}`, "backup"},
		{"PutItem", `{"TableName":"arn:aws:dynamodb:us-east-1:123456789012:table/TableB"}`, ""},
		{"DescribeGlobalTable", `{"GlobalTableName":"G"}`, ""},
		{"ListTables", `{}`, ""},
	} {
		r, err := ParseDynamoDB(targetPrefix+tt.op, []byte(tt.body), region, account)
		if err != nil || r.Elsewhere != tt.want {
			t.Errorf("ParseDynamoDB(%s, %s): Elsewhere %q, %v; want %q", tt.op, tt.body, r.Elsewhere, err, tt.want)
		}
	}
}

func TestDenialMessage(t *testing.T) {
	// The wording AWS sends, as learners see it in public bug reports.
	got := DenialMessage("321831419467", "theme-park-backend-ThemeParkLambdaRole-APGEWB3D9EAH", "theme-park-ridetimes",
		"dynamodb:PutItem", "arn:aws:dynamodb:us-west-2:321831419467:table/T", Decision{})
	want := "User: arn:aws:sts::321831419467:assumed-role/theme-park-backend-ThemeParkLambdaRole-APGEWB3D9EAH/theme-park-ridetimes" +
		" is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-west-2:321831419467:table/T" +
		" because no identity-based policy allows the dynamodb:PutItem action"
	if got != want {
		t.Errorf("implicit:\n got %q\nwant %q", got, want)
	}
	got = DenialMessage("1", "R", "F", "dynamodb:Scan", "*", Decision{ExplicitDeny: true, By: IdentityBased})
	want = "User: arn:aws:sts::1:assumed-role/R/F is not authorized to perform: dynamodb:Scan on resource: * with an explicit deny in an identity-based policy"
	if got != want {
		t.Errorf("explicit:\n got %q\nwant %q", got, want)
	}
}

func boundaryDenied(action, resource string) string {
	return denial(action, resource, "because no permissions boundary allows the "+action+" action")
}

func boundaryExplicit(action, resource string) string {
	return denial(action, resource, "with an explicit deny in a permissions boundary")
}

// A permissions boundary limits what the role's policies allow: allowed only
// when both allow; an explicit Deny in either wins; the identity-based
// policies are checked before the boundary, as in AWS's evaluation logic.
func TestPermissionsBoundary(t *testing.T) {
	item := map[string]any{"TableName": "dva-01-001-Table", "Item": map[string]any{"dt": map[string]any{"S": "x"}}}
	tableReq := map[string]any{"TableName": "dva-01-001-Table"}
	scanOnly := `{Statement: [{Effect: Allow, Action: [dynamodb:Scan, "logs:*"], Resource: "*"}]}`
	putAndScan := allow("dynamodb:*", table)
	tests := []struct {
		name     string
		policy   string
		boundary string // YAML, a managed policy ARN, or "" for none
		unknown  string // Role.BoundaryUnknown
		op       string
		req      map[string]any
		want     string
		by       string
		matched  string
	}{
		{"no boundary: the policies decide", putAndScan, "", "", "PutItem", item, "", "", "p, statement 1"},
		{"both allow", putAndScan, scanOnly, "", "Scan", tableReq, "", "", "p, statement 1"},
		{"the boundary does not allow", putAndScan, scanOnly, "", "PutItem", item, boundaryDenied("dynamodb:PutItem", table), Boundary, ""},
		{"the policies do not allow, the boundary does", allow("dynamodb:Scan", table), allow("dynamodb:*", "*"), "", "PutItem", item,
			implicit("dynamodb:PutItem", table), IdentityBased, ""},
		{"neither allows: the identity-based policies are named first", allow("dynamodb:Scan", table), scanOnly, "", "PutItem", item,
			implicit("dynamodb:PutItem", table), IdentityBased, ""},
		{"explicit deny in the boundary", putAndScan, `{Statement: [{Effect: Allow, Action: "*", Resource: "*"}, {Effect: Deny, Action: dynamodb:PutItem, Resource: "*"}]}`,
			"", "PutItem", item, boundaryExplicit("dynamodb:PutItem", table), Boundary, "boundary, statement 2"},
		{"explicit deny in the boundary wins over an implicit deny", allow("dynamodb:Scan", table), deny("dynamodb:PutItem", "*"), "", "PutItem", item,
			boundaryExplicit("dynamodb:PutItem", table), Boundary, "boundary, statement 1"},
		{"explicit deny in the policies is named before the boundary's", deny("dynamodb:PutItem", table), deny("dynamodb:PutItem", "*"), "", "PutItem", item,
			explicit("dynamodb:PutItem", table), IdentityBased, "p, statement 1"},
		{"an Allow with a Condition in the boundary grants nothing", putAndScan,
			`{Statement: {Effect: Allow, Action: "dynamodb:*", Resource: "*", Condition: {StringEquals: {"aws:RequestedRegion": us-east-1}}}}`, "", "PutItem", item,
			boundaryDenied("dynamodb:PutItem", table), Boundary, ""},
		{"a managed policy as boundary", putAndScan, "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess", "", "PutItem", item,
			boundaryDenied("dynamodb:PutItem", table), Boundary, ""},
		{"a managed policy as boundary allows what it grants", putAndScan, "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess", "", "Scan", tableReq, "", "", "p, statement 1"},
		{"a boundary that cannot be read denies everything", putAndScan, "", "arn:aws:iam::123456789012:policy/Elsewhere is not known offline", "Scan", tableReq,
			boundaryDenied("dynamodb:Scan", table), Boundary, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			role := &Role{Name: "FunctionRole", Policies: []Policy{mustPolicy(t, "p", tt.policy)}, BoundaryUnknown: tt.unknown}
			switch {
			case strings.HasPrefix(tt.boundary, "arn:"):
				b := mustManaged(t, tt.boundary)
				role.Boundary = &b
			case tt.boundary != "":
				b := mustPolicy(t, "boundary", tt.boundary)
				role.Boundary = &b
			}
			msg, d := decide(t, role, tt.op, tt.req)
			if msg != tt.want {
				t.Errorf("message\n got: %q\nwant: %q", msg, tt.want)
			}
			if d.Allowed != (tt.want == "") || d.By != tt.by {
				t.Errorf("Allowed = %v By = %q, want %v %q", d.Allowed, d.By, tt.want == "", tt.by)
			}
			got := ""
			if d.Matched != nil {
				got = d.Matched.Source
			}
			if got != tt.matched {
				t.Errorf("deciding statement = %q, want %q", got, tt.matched)
			}
			if (d.BoundaryUnknown != "") != (tt.unknown != "") {
				t.Errorf("BoundaryUnknown = %q, want %q", d.BoundaryUnknown, tt.unknown)
			}
		})
	}
}
