package iam

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
)

// The bypasses reported against the proxy, end to end: a function whose role
// allows only TableA sends hand-signed requests for TableB through the proxy to
// the real backend WORKSHOP_DYNAMODB selects (embedded minidyn, or DynamoDB
// Local). Each is refused and TableB stays as it was.
func TestProxyBypassesOnBackend(t *testing.T) {
	ctx := context.Background()
	const stackKey, fnKey = "bypassstack", "bypassfunctiona"
	backend, db := startBackend(t, stackKey)
	for _, name := range []string{"TableA", "TableB"} {
		if err := dynamo.CreateTable(ctx, db, map[string]any{
			"TableName":            name,
			"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}},
			"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
			"BillingMode":          "PAY_PER_REQUEST",
		}); err != nil {
			t.Fatalf("creating %s: %v", name, err)
		}
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("TableB"),
		Item: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "original"}}}); err != nil {
		t.Fatal(err)
	}

	var logs logbuf.Buffer
	p, front := startProxy(t, backend.Endpoint(), region, &logs)
	policy, err := ParsePolicy("role RoleA, inline policy A", map[string]any{"Statement": []any{map[string]any{
		"Effect": "Allow", "Action": []any{"dynamodb:PutItem", "dynamodb:Scan", "dynamodb:GetItem", "dynamodb:DeleteTable"},
		"Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/TableA",
	}}})
	if err != nil {
		t.Fatal(err)
	}
	p.Register(fnKey, Identity{Role: &Role{Name: "RoleA", Policies: []Policy{policy}}, Function: "fault-A"})
	p.ForwardAs(stackKey)

	denied := func(action string) string {
		return `{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:sts::123456789012:assumed-role/RoleA/fault-A is not authorized to perform: dynamodb:` +
			action + ` on resource: arn:aws:dynamodb:us-east-1:123456789012:table/TableB because no identity-based policy allows the dynamodb:` + action + ` action"}`
	}
	tests := []struct{ name, op, body, want string }{
		{"IndexName 5 on PutItem", "PutItem", `{"TableName":"TableB","IndexName":5,"Item":{"id":{"S":"indexname"}}}`, denied("PutItem")},
		{"TableArn 5 on PutItem", "PutItem", `{"TableName":"TableB","TableArn":5,"Item":{"id":{"S":"tablearn"}}}`, denied("PutItem")},
		{"DeleteTable with IndexName 5", "DeleteTable", `{"TableName":"TableB","IndexName":5}`, denied("DeleteTable")},
		{"DeleteTable with TableArn 5", "DeleteTable", `{"TableName":"TableB","TableArn":5}`, denied("DeleteTable")},
		{"case variant of TableName", "PutItem", `{"TableName":"TableB","tablename":"TableA","Item":{"id":{"S":"variant"}}}`, denied("PutItem")},
		{"case variant inside a transaction", "TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"TableB","tablename":"TableA","Item":{"id":{"S":"tx"}}}}]}`, denied("PutItem")},
		{"duplicate TableName, last wins", "PutItem", `{"TableName":"TableA","TableName":"TableB","Item":{"id":{"S":"dup"}}}`, denied("PutItem")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, answer := send(t, front.URL, fnKey, tt.op, tt.body, false)
			if status != http.StatusBadRequest || answer != tt.want {
				t.Errorf("answer %d %s\nwant 400 %s", status, answer, tt.want)
			}
			out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("TableB")})
			if err != nil {
				t.Fatalf("TableB after the request: %v", err)
			}
			if len(out.Items) != 1 {
				t.Errorf("TableB holds %d items, want only the original one", len(out.Items))
			}
		})
	}

	// What the role allows still works, and the case variant reaches TableA only.
	if status, answer := send(t, front.URL, fnKey, "PutItem", `{"tablename":"TableB","TableName":"TableA","Item":{"id":{"S":"a"}}}`, false); status != http.StatusOK {
		t.Fatalf("allowed PutItem on TableA: %d %s", status, answer)
	}
	for table, want := range map[string]int{"TableA": 1, "TableB": 1} {
		out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
		if err != nil || len(out.Items) != want {
			t.Errorf("%s holds %v items (%v), want %d", table, len(out.Items), err, want)
		}
	}
	if !strings.Contains(logs.String(), "IAM: AccessDenied dynamodb:DeleteTable on arn:aws:dynamodb:us-east-1:123456789012:table/TableB for role RoleA (function fault-A)") {
		t.Errorf("the logs do not name the denied DeleteTable:\n%s", logs.String())
	}
}
