package dynamo

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// fuzzOps are the operations the fuzzer sends bodies to.
var fuzzOps = []string{
	"PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchWriteItem",
	"BatchGetItem", "TransactWriteItems", "TransactGetItems", "DescribeTable",
}

var (
	fuzzOnce    sync.Once
	fuzzBackend *Backend
	fuzzErr     error
)

// fuzzTarget is one embedded backend with the conformance tables, shared by the
// fuzzer's runs in this process.
func fuzzTarget(t *testing.T) *Backend {
	fuzzOnce.Do(func() {
		fuzzBackend, fuzzErr = Start(context.Background(), Options{Kind: KindEmbedded})
		if fuzzErr != nil {
			return
		}
		for _, c := range confTables {
			if _, _, err := confSend(fuzzBackend.Endpoint(), "fuzz", "CreateTable", c); err != nil {
				fuzzErr = err
				return
			}
		}
		for _, s := range confSeed {
			_, _, _ = confSend(fuzzBackend.Endpoint(), "fuzz", "PutItem", s)
		}
	})
	if fuzzErr != nil {
		t.Fatal(fuzzErr)
	}
	return fuzzBackend
}

// FuzzEmbedded sends arbitrary bodies to every item operation of the embedded
// backend: each must get an answer (no dropped connection), in DynamoDB's JSON
// shape (a 200 object, or an error with __type and message), and none may come
// from a recovered panic.
func FuzzEmbedded(f *testing.F) {
	for _, c := range confCases {
		for i, op := range fuzzOps {
			if op == c.op {
				f.Add(uint8(i), []byte(c.body))
			}
		}
	}
	f.Add(uint8(0), []byte(`{"TableName":"hash","Item":{"dt":{"M":{"a":{"L":[{"NS":["1","1e400"]}]}}}}}`))
	f.Add(uint8(4), []byte(`{"TableName":"range","IndexName":"by-g","KeyConditionExpression":"#g = :g AND","ExpressionAttributeNames":{"#g":"g"},"ExpressionAttributeValues":{":g":{"S":"x"}}}`))
	f.Add(uint8(5), []byte(`{"TableName":"range","Limit":1,"ExclusiveStartKey":{"pk":{"N":"1"}}}`))
	f.Add(uint8(1), []byte(`{"TableName":"hash","Key":{"dt":{"S":"seed-1"}},"ProjectionExpression":"l[99].x, m.a.b[0]"}`))
	f.Add(uint8(2), []byte(`{"TableName":"hash","Key":{"dt":{"S":"u"}},"AttributeUpdates":{"n":{"Action":"ADD"}}}`))
	f.Add(uint8(6), []byte(`{"RequestItems":{"hash":[{}]}}`))
	f.Add(uint8(8), []byte(`{"TransactItems":[{"Put":null}]}`))
	f.Add(uint8(3), []byte(`null`))
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		b := fuzzTarget(t)
		target := fuzzOps[int(op)%len(fuzzOps)]
		resp, answer, err := confSend(b.Endpoint(), "fuzz", target, string(body))
		if err != nil {
			t.Fatalf("%s %q: no answer: %v", target, body, err)
		}
		var v map[string]any
		if err := json.Unmarshal(answer, &v); err != nil || v == nil {
			t.Fatalf("%s %q: answer is not a JSON object: %d %q", target, body, resp.StatusCode, answer)
		}
		if resp.Header.Get("X-Amzn-Requestid") == "" {
			t.Errorf("%s %q: no x-amzn-RequestId", target, body)
		}
		if resp.StatusCode == http.StatusOK {
			return
		}
		typ, _ := v["__type"].(string)
		msg, _ := v["message"].(string)
		if !strings.Contains(typ, "#") || msg == "" {
			t.Fatalf("%s %q: error answer without a DynamoDB __type and message: %d %s", target, body, resp.StatusCode, answer)
		}
		if strings.Contains(msg, "the embedded DynamoDB failed") {
			t.Fatalf("%s %q: the backend panicked: %s", target, body, msg)
		}
	})
}
