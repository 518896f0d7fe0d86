package iam

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

func TestItemSize(t *testing.T) {
	cases := []struct {
		item string
		want int
	}{
		{`{"dt":{"S":"2026-11-29"}}`, 2 + 10},
		{`{"n":{"N":"12345"}}`, 1 + 4},  // 5 digits: 3 bytes + 1
		{`{"n":{"N":"-1.500"}}`, 1 + 3}, // digits "15": 1 + 1, and the sign
		{`{"n":{"N":"1000"}}`, 1 + 2},   // trailing zeros trimmed
		{`{"b":{"BOOL":true},"z":{"NULL":true}}`, 1 + 1 + 1 + 1},
		{`{"l":{"L":[{"S":"ab"},{"N":"1"}]}}`, 1 + 3 + (1 + 2) + (1 + 2)},
		{`{"m":{"M":{"k":{"S":"v"}}}}`, 1 + 3 + 1 + 1 + 1},
		{`{"bin":{"B":"AAEC"}}`, 3 + 3},
		{`{"ss":{"SS":["a","bc"]}}`, 2 + 3},
	}
	for _, c := range cases {
		var item map[string]attr
		if err := json.Unmarshal([]byte(c.item), &item); err != nil {
			t.Fatal(err)
		}
		if got := itemSize(item); got != c.want {
			t.Errorf("itemSize(%s) = %d, want %d", c.item, got, c.want)
		}
	}
}

func TestCostString(t *testing.T) {
	c := Cost{Calls: map[string]int{"Query": 1, "PutItem": 1}, ItemsRead: 20, ReadUnits: 2.5, WriteUnits: 1, ResponseBytes: 1234}
	want := "DynamoDB calls: 2 (PutItem 1, Query 1)\tItems read: 20\tRead units: 2.5\tWrite units: 1\tResponse bytes: 1234"
	if got := c.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := (Cost{}).String(); !strings.HasPrefix(got, "DynamoDB calls: 0\t") {
		t.Errorf("no calls: %q", got)
	}
}

// TestMeterMatchesDynamoDBLocal prices requests as the proxy does and
// compares with the ConsumedCapacity DynamoDB Local answers when asked for it
// (the proxy never asks: it does not change the app's requests). Sizes sit on
// the unit boundaries, so a byte counted wrong shows.
func TestMeterMatchesDynamoDBLocal(t *testing.T) {
	ctx := context.Background()
	b, err := dynamo.Start(ctx, dynamo.Options{Kind: dynamo.KindLocal})
	if err != nil {
		tool.SkipMissing(t, err) // DynamoDB Local
	}
	defer b.Close()
	call := func(op string, body string) (int, []byte) {
		t.Helper()
		status, out := send(t, b.Endpoint(), "meterTest", op, body, false)
		return status, []byte(out)
	}
	if st, out := call("CreateTable", `{"TableName":"Meter","BillingMode":"PAY_PER_REQUEST",
		"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]}`); st != 200 {
		t.Fatalf("CreateTable: %d %s", st, out)
	}
	// item is an item of exactly size bytes, with a number, a map and a list.
	item := func(sk string, size int) string {
		fixed := `"pk":{"S":"p"},"sk":{"S":"` + sk + `"},"n":{"N":"123"},"m":{"M":{"a":{"BOOL":true}}},"l":{"L":[{"S":"x"}]}`
		var m map[string]attr
		_ = json.Unmarshal([]byte("{"+fixed+"}"), &m)
		pad := size - itemSize(m) - len("pad")
		return "{" + fixed + `,"pad":{"S":"` + strings.Repeat("x", pad) + `"}}`
	}
	for i, size := range []int{1024, 1025, 3000, 4096, 4097, 400} {
		_ = i
		if st, out := call("PutItem", `{"TableName":"Meter","Item":`+item(fmt.Sprintf("a%02d", i), size)+`}`); st != 200 {
			t.Fatalf("PutItem: %d %s", st, out)
		}
	}
	for i := range 30 {
		call("PutItem", `{"TableName":"Meter","Item":`+strings.Replace(item(fmt.Sprintf("q%02d", i), 300), `"pk":{"S":"p"}`, `"pk":{"S":"q"}`, 1)+`}`)
	}
	cases := []struct{ op, body string }{
		{"PutItem", `{"TableName":"Meter","Item":` + item("w1", 1024) + `}`},
		{"PutItem", `{"TableName":"Meter","Item":` + item("w2", 1025) + `}`},
		{"PutItem", `{"TableName":"Meter","Item":` + item("w3", 2500) + `}`},
		{"GetItem", `{"TableName":"Meter","Key":{"pk":{"S":"p"},"sk":{"S":"a03"}}}`},
		{"GetItem", `{"TableName":"Meter","Key":{"pk":{"S":"p"},"sk":{"S":"a04"}}}`},
		{"GetItem", `{"TableName":"Meter","ConsistentRead":true,"Key":{"pk":{"S":"p"},"sk":{"S":"a04"}}}`},
		{"GetItem", `{"TableName":"Meter","Key":{"pk":{"S":"p"},"sk":{"S":"none"}}}`},
		{"Query", `{"TableName":"Meter","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"q"}}}`},
		{"Query", `{"TableName":"Meter","ConsistentRead":true,"KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"q"}}}`},
		{"Query", `{"TableName":"Meter","Limit":5,"ScanIndexForward":false,"KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"q"}}}`},
		{"Query", `{"TableName":"Meter","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"nobody"}}}`},
		{"Scan", `{"TableName":"Meter"}`},
		{"UpdateItem", `{"TableName":"Meter","Key":{"pk":{"S":"c"},"sk":{"S":"count"}},"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}}}`},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"Meter","Item":` + item("t1", 300) + `}},{"Update":{"TableName":"Meter","Key":{"pk":{"S":"c"},"sk":{"S":"count"}},"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}}}}]}`},
		{"TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"Meter","Key":{"pk":{"S":"p"},"sk":{"S":"a03"}}}},{"Get":{"TableName":"Meter","Key":{"pk":{"S":"p"},"sk":{"S":"a04"}}}},{"Get":{"TableName":"Meter","Key":{"pk":{"S":"p"},"sk":{"S":"none"}}}}]}`},
		{"BatchWriteItem", `{"RequestItems":{"Meter":[{"PutRequest":{"Item":` + item("b1", 1500) + `}},{"PutRequest":{"Item":` + item("b2", 100) + `}}]}}`},
	}
	for _, c := range cases {
		body := strings.Replace(c.body, `{"TableName":"Meter"`, `{"TableName":"Meter","ReturnConsumedCapacity":"TOTAL"`, 1)
		if c.op == "TransactWriteItems" || c.op == "TransactGetItems" || c.op == "BatchWriteItem" {
			body = strings.Replace(c.body, `{`, `{"ReturnConsumedCapacity":"TOTAL",`, 1)
		}
		st, out := call(c.op, body)
		if st != 200 {
			t.Fatalf("%s: %d %s", c.op, st, out)
		}
		var got struct{ ConsumedCapacity json.RawMessage }
		_ = json.Unmarshal(out, &got)
		var caps []struct{ CapacityUnits float64 }
		raw := bytes.TrimSpace(got.ConsumedCapacity)
		if len(raw) > 0 && raw[0] != '[' {
			raw = append(append([]byte("["), raw...), ']')
		}
		if err := json.Unmarshal(raw, &caps); err != nil || len(caps) == 0 {
			t.Fatalf("%s: no ConsumedCapacity in %s", c.op, out)
		}
		want := 0.0
		for _, cc := range caps {
			want += cc.CapacityUnits
		}
		// The meter prices the request as the app sent it (without ReturnConsumedCapacity).
		cost := Price(c.op, []byte(c.body), st, out)
		if c.op == "TransactWriteItems" {
			// "Transactional write requests require two write capacity units to
			// perform one write per second for items up to 1 KB" (AWS, read/write
			// capacity mode): DynamoDB Local reports one.
			want *= 2
		}
		if got := cost.ReadUnits + cost.WriteUnits; got != want {
			t.Errorf("%s %.120s: meter %g units, DynamoDB Local %g (%s)", c.op, c.body, got, want, out)
		}
	}
}
