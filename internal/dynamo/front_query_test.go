package dynamo

import (
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestQueryIndexAgreesWithScan writes, updates and deletes items at random
// through every write operation, then reads each partition with Query (the
// key index, front_query.go) page by page in both directions and with each
// sort-key operator, and compares with what a Scan (minidyn's own storage)
// holds, sorted as DynamoDB sorts: a write the index missed, or a wrong
// order, fails it.
func TestQueryIndexAgreesWithScan(t *testing.T) {
	b := startBackend(t, KindEmbedded)
	send := func(op, body string) map[string]any {
		t.Helper()
		resp, answer, err := confSend(b.Endpoint(), "indextest", op, body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %v %d %s", op, body, err, resp.StatusCode, answer)
		}
		var v map[string]any
		if err := json.Unmarshal(answer, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	send("CreateTable", `{"TableName":"idx","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
	  "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}`)

	rnd := rand.New(rand.NewPCG(1, 2))
	numbers := []string{"-10", "-1.5", "0", "0.25", "1", "2", "9", "10", "11", "99", "100", "1e3", "12345"}
	key := func() string {
		return fmt.Sprintf(`"pk":{"S":"%s"},"sk":{"N":"%s"}`, []string{"a", "b", "c"}[rnd.IntN(3)], numbers[rnd.IntN(len(numbers))])
	}
	for range 300 {
		switch rnd.IntN(5) {
		case 0:
			send("PutItem", `{"TableName":"idx","Item":{`+key()+`}}`)
		case 1:
			send("DeleteItem", `{"TableName":"idx","Key":{`+key()+`}}`)
		case 2:
			send("UpdateItem", `{"TableName":"idx","Key":{`+key()+`},"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}}}`)
		case 3:
			k1, k2 := key(), key()
			if k1 != k2 {
				send("BatchWriteItem", `{"RequestItems":{"idx":[{"PutRequest":{"Item":{`+k1+`}}},{"DeleteRequest":{"Key":{`+k2+`}}}]}}`)
			}
		case 4:
			k1, k2 := key(), key()
			if k1 != k2 {
				send("TransactWriteItems", `{"TransactItems":[{"Delete":{"TableName":"idx","Key":{`+k1+`}}},{"Put":{"TableName":"idx","Item":{`+k2+`}}}]}`)
			}
		}
	}

	// What the table holds, from minidyn's Scan: partition -> sort keys in DynamoDB's order.
	stored := map[string][]string{}
	for _, it := range listOf(toObj(send("Scan", `{"TableName":"idx"}`))["Items"]) {
		pk := it["pk"].(obj)["S"].(string)
		stored[pk] = append(stored[pk], it["sk"].(obj)["N"].(string))
	}
	num := func(s string) *big.Float { f, _, _ := big.ParseFloat(s, 10, numPrec, big.ToNearestEven); return f }
	for pk := range stored {
		slices.SortFunc(stored[pk], func(x, y string) int { return num(x).Cmp(num(y)) })
	}

	conditions := []struct {
		expr string
		keep func(sk *big.Float) bool
	}{
		{"", func(*big.Float) bool { return true }},
		{" AND sk = :v", func(sk *big.Float) bool { return sk.Cmp(num("10")) == 0 }},
		{" AND sk < :v", func(sk *big.Float) bool { return sk.Cmp(num("10")) < 0 }},
		{" AND sk <= :v", func(sk *big.Float) bool { return sk.Cmp(num("10")) <= 0 }},
		{" AND sk > :v", func(sk *big.Float) bool { return sk.Cmp(num("10")) > 0 }},
		{" AND sk >= :v", func(sk *big.Float) bool { return sk.Cmp(num("10")) >= 0 }},
		{" AND sk BETWEEN :lo AND :v", func(sk *big.Float) bool { return sk.Cmp(num("0")) >= 0 && sk.Cmp(num("10")) <= 0 }},
	}
	for _, pk := range []string{"a", "b", "c"} {
		for _, c := range conditions {
			var want []string
			for _, sk := range stored[pk] {
				if c.keep(num(sk)) {
					want = append(want, sk)
				}
			}
			for _, forward := range []bool{true, false} {
				values := `":p":{"S":"` + pk + `"}`
				if strings.Contains(c.expr, ":v") {
					values += `,":v":{"N":"10"}`
				}
				if strings.Contains(c.expr, ":lo") {
					values += `,":lo":{"N":"0"}`
				}
				var got []string
				start := ""
				for page := 0; ; page++ {
					out := send("Query", fmt.Sprintf(`{"TableName":"idx","KeyConditionExpression":"pk = :p%s","ExpressionAttributeValues":{%s},"Limit":3,"ScanIndexForward":%v%s}`,
						c.expr, values, forward, start))
					for _, it := range listOf(toObj(out)["Items"]) {
						got = append(got, it["sk"].(obj)["N"].(string))
					}
					last, ok := out["LastEvaluatedKey"]
					if !ok || page > 50 {
						break
					}
					k, _ := json.Marshal(last)
					start = `,"ExclusiveStartKey":` + string(k)
				}
				w := slices.Clone(want)
				if !forward {
					slices.Reverse(w)
				}
				if !slices.Equal(got, w) {
					t.Errorf("Query pk = %s%s forward=%v, pages of 3: got %v, want %v", pk, c.expr, forward, got, w)
				}
			}
		}
	}
}

// toObj turns a decoded answer into the front's obj.
func toObj(v map[string]any) obj { return obj(v) }

// TestPlanQuery: which Queries the key index answers (the fast path) and
// which keep minidyn's path. The SDK's expression package names everything
// #0, :0; a Query written with it must take the index.
func TestPlanQuery(t *testing.T) {
	h := newEmbeddedHandler(nil)
	m := tableMeta{
		KeySchema:            []keyElement{{"day", "HASH"}, {"id", "RANGE"}},
		AttributeDefinitions: json.RawMessage(`[{"AttributeName":"day","AttributeType":"S"},{"AttributeName":"id","AttributeType":"S"}]`),
		Indexes:              map[string]indexMeta{},
	}
	h.tables["t"], h.keys["t"] = m, newKeyIndex()
	s := func(v string) obj { return obj{"S": v} }
	tests := []struct {
		name    string
		in      obj
		indexed bool
		err     bool
	}{
		{"expression package", obj{"KeyConditionExpression": "#0 = :0", "ExpressionAttributeNames": obj{"#0": "day"}, "ExpressionAttributeValues": obj{":0": s("d")}}, true, false},
		{"expression package with sort key", obj{"KeyConditionExpression": "(#0 = :0) AND (#1 > :1)", "ExpressionAttributeNames": obj{"#0": "day", "#1": "id"}, "ExpressionAttributeValues": obj{":0": s("d"), ":1": s("x")}}, true, false},
		{"unclosed parenthesis", obj{"KeyConditionExpression": "(#0 = :0 AND #1 > :1", "ExpressionAttributeNames": obj{"#0": "day", "#1": "id"}, "ExpressionAttributeValues": obj{":0": s("d"), ":1": s("x")}}, false, false},
		{"plain names", obj{"KeyConditionExpression": "day = :d AND id BETWEEN :a AND :b", "ExpressionAttributeValues": obj{":d": s("d"), ":a": s("a"), ":b": s("b")}}, true, false},
		{"sort key first", obj{"KeyConditionExpression": "begins_with(id, :p) AND day = :d", "ExpressionAttributeValues": obj{":d": s("d"), ":p": s("2026")}}, true, false},
		{"descending with a start key", obj{"KeyConditionExpression": "day = :d", "ExpressionAttributeValues": obj{":d": s("d")}, "ScanIndexForward": false, "ExclusiveStartKey": obj{"day": s("d"), "id": s("x")}}, true, false},
		{"start key of another partition", obj{"KeyConditionExpression": "day = :d", "ExpressionAttributeValues": obj{":d": s("d")}, "ExclusiveStartKey": obj{"day": s("e"), "id": s("x")}}, false, false},
		{"secondary index", obj{"IndexName": "ix", "KeyConditionExpression": "day = :d", "ExpressionAttributeValues": obj{":d": s("d")}}, false, false},
		{"OR", obj{"KeyConditionExpression": "day = :d OR id = :d", "ExpressionAttributeValues": obj{":d": s("d")}}, false, false},
		{"lower-case and", obj{"KeyConditionExpression": "day = :d and id = :d", "ExpressionAttributeValues": obj{":d": s("d")}}, false, false},
		{"value of the wrong type", obj{"KeyConditionExpression": "day = :d", "ExpressionAttributeValues": obj{":d": obj{"N": "1"}}}, false, true},
		{"ScanIndexForward not a boolean", obj{"KeyConditionExpression": "day = :d", "ExpressionAttributeValues": obj{":d": s("d")}, "ScanIndexForward": "false"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, indexed, err := h.planQuery("t", m, tt.in)
			if indexed != tt.indexed || (err != nil) != tt.err {
				t.Errorf("planQuery(%v) = indexed %v, error %v; want indexed %v, error %v", tt.in, indexed, err, tt.indexed, tt.err)
			}
		})
	}
}
