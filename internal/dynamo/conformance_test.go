package dynamo

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/account"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

// The differential conformance suite: the same raw requests (valid and invalid) go to
// the embedded backend and to DynamoDB Local, the oracle, and the answers must agree:
// HTTP status, __type and message for errors, the normalised JSON for successes.
// DynamoDB Local's error answers are recorded in testdata/dynamodb/errors.json
// (go test -run TestConformance -update writes it) so a change in the oracle shows.

var update = flag.Bool("update", false, "rewrite testdata/dynamodb/errors.json from DynamoDB Local's answers")

// confCase is one request. Cases run in order on one set of tables per backend, so a
// write is seen by the cases after it on both.
type confCase struct {
	name string
	op   string // X-Amz-Target operation
	body string // the JSON body, sent as is
	// shape compares only the answer's structure (keys and value types), for answers
	// whose items depend on the backend's storage order (Scan with Limit).
	shape bool
	// aws, when set, is the message AWS answers where DynamoDB Local's differs (AWS
	// wins): DynamoDB Local 3.3.1 shortens the key-validation texts learners search for.
	aws string
	// awsError, when set, is the status and type AWS answers where DynamoDB Local's
	// differ: a body that is not JSON, or a field of the wrong JSON type, is a 400
	// SerializationException on AWS (Local: 500 InternalFailure). AWS's exact
	// texts for these are not documented: the message is not compared.
	awsError string
	// awsBody, when set, is AWS's answer where DynamoDB Local adds to it.
	awsBody string
	// unordered: the order of Items is not defined (a Query on an index without
	// a sort key, a Scan with Limit), so they are compared sorted or as a shape.
	unordered bool
}

// AWS's texts for key validation (AWS re:Post, AWS SDK issues and the DynamoDB
// developer guide's error examples; see testdata/README.md).
const (
	awsSchema = "The provided key element does not match the schema"
	// DynamoDB documents ConsumedCapacity as returned only when asked for.
	serializationType = "com.amazon.coral.service#SerializationException"
)

// confTables are created (and seeded) on both backends before the cases run.
var confTables = []string{
	`{"TableName":"hash","AttributeDefinitions":[{"AttributeName":"dt","AttributeType":"S"}],
	  "KeySchema":[{"AttributeName":"dt","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`,
	`{"TableName":"range","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},{"AttributeName":"g","AttributeType":"S"}],
	  "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST",
	  "GlobalSecondaryIndexes":[{"IndexName":"by-g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`,
}

// confSeed are PutItem bodies run after the tables exist.
var confSeed = []string{
	`{"TableName":"hash","Item":{"dt":{"S":"seed-1"},"n":{"N":"1"},"m":{"M":{"a":{"S":"x"},"b":{"N":"2"}}},"l":{"L":[{"S":"l0"},{"N":"1"}]},"bin":{"B":"AAEC"},"ss":{"SS":["a","b"]}}}`,
	`{"TableName":"hash","Item":{"dt":{"S":"seed-2"},"n":{"N":"2"},"bin":{"B":"AQID"},"ss":{"SS":["c"]}}}`,
	`{"TableName":"range","Item":{"pk":{"S":"p"},"sk":{"N":"1"},"g":{"S":"red"},"v":{"N":"10"}}}`,
	`{"TableName":"range","Item":{"pk":{"S":"p"},"sk":{"N":"2"},"g":{"S":"blue"},"v":{"N":"20"}}}`,
	`{"TableName":"range","Item":{"pk":{"S":"p"},"sk":{"N":"3"},"g":{"S":"red"},"v":{"N":"30"}}}`,
	`{"TableName":"range","Item":{"pk":{"S":"p"},"sk":{"N":"4"},"g":{"S":"blue"},"v":{"N":"40"}}}`,
	`{"TableName":"range","Item":{"pk":{"S":"q"},"sk":{"N":"1"},"g":{"S":"red"},"v":{"N":"50"}}}`,
}

// bigItem is a PutItem body whose item is over DynamoDB's 400 KB limit.
func bigItem(table string, size int) string {
	return fmt.Sprintf(`{"TableName":%q,"Item":{"dt":{"S":"big"},"blob":{"S":"%s"}}}`, table, strings.Repeat("x", size))
}

func manyWrites(n int) string {
	reqs := make([]string, n)
	for i := range reqs {
		reqs[i] = fmt.Sprintf(`{"PutRequest":{"Item":{"dt":{"S":"bw-%d"}}}}`, i)
	}
	return `{"RequestItems":{"hash":[` + strings.Join(reqs, ",") + `]}}`
}

func manyGets(n int) string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf(`{"dt":{"S":"bg-%d"}}`, i)
	}
	return `{"RequestItems":{"hash":{"Keys":[` + strings.Join(keys, ",") + `]}}}`
}

func manyTransactPuts(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"Put":{"TableName":"hash","Item":{"dt":{"S":"tx-%d"}}}}`, i)
	}
	return `{"TransactItems":[` + strings.Join(items, ",") + `]}`
}

var confCases = []confCase{
	// PutItem
	{name: "put/ok", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"a"},"n":{"N":"1"}}}`},
	{name: "put/all-old", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"a"},"n":{"N":"2"}},"ReturnValues":"ALL_OLD"}`},
	{name: "put/all-old-new-item", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"a2"}},"ReturnValues":"ALL_OLD"}`},
	{name: "put/all-new", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"a"}},"ReturnValues":"ALL_NEW"}`},
	{name: "put/bogus-return-values", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"a"}},"ReturnValues":"BOGUS"}`},
	{name: "put/empty-key", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":""},"n":{"N":"1"}}}`},
	{name: "put/missing-key", op: "PutItem", body: `{"TableName":"hash","Item":{"n":{"N":"1"}}}`, aws: "One or more parameter values were invalid: Missing the key dt in the item"},
	{name: "put/key-type-mismatch", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"N":"1"}}}`, aws: "One or more parameter values were invalid: Type mismatch for key dt expected: S actual: N"},
	{name: "put/range-key-missing", op: "PutItem", body: `{"TableName":"range","Item":{"pk":{"S":"p"}}}`, aws: "One or more parameter values were invalid: Missing the key sk in the item"},
	{name: "put/range-key-type-mismatch", op: "PutItem", body: `{"TableName":"range","Item":{"pk":{"S":"p"},"sk":{"S":"1"}}}`, aws: "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"},
	{name: "put/gsi-key-type-mismatch", op: "PutItem", body: `{"TableName":"range","Item":{"pk":{"S":"p"},"sk":{"N":"9"},"g":{"N":"1"}}}`, aws: "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: by-g"},
	{name: "put/gsi-key-empty", op: "PutItem", body: `{"TableName":"range","Item":{"pk":{"S":"p"},"sk":{"N":"9"},"g":{"S":""}}}`},
	{name: "put/empty-nonkey-string", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"e"},"s":{"S":""}}}`},
	{name: "put/empty-set", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"e"},"s":{"SS":[]}}}`},
	{name: "put/duplicate-set", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"e"},"s":{"SS":["a","a"]}}}`},
	{name: "put/bad-number", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"e"},"n":{"N":"abc"}}}`},
	{name: "put/two-types", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"e"},"n":{"N":"1","S":"x"}}}`},
	{name: "put/no-type", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"e"},"n":{}}}`},
	{name: "put/no-item", op: "PutItem", body: `{"TableName":"hash"}`},
	{name: "put/no-table-name", op: "PutItem", body: `{"Item":{"dt":{"S":"a"}}}`},
	{name: "put/short-table-name", op: "PutItem", body: `{"TableName":"ab","Item":{"dt":{"S":"a"}}}`},
	{name: "put/missing-table", op: "PutItem", body: `{"TableName":"nope","Item":{"dt":{"S":"a"}}}`},
	{name: "put/missing-table-invalid", op: "PutItem", body: `{"TableName":"nope","Item":{"dt":{"S":"a"}},"ReturnValues":"BOGUS"}`},
	{name: "put/item-not-object", op: "PutItem", body: `{"TableName":"hash","Item":"x"}`, awsError: serializationType},
	{name: "put/table-name-number", op: "PutItem", body: `{"TableName":5,"Item":{"dt":{"S":"a"}}}`},
	{name: "put/not-json", op: "PutItem", body: `{"TableName":`, awsError: serializationType},
	{name: "put/condition-fails", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"a"}},"ConditionExpression":"attribute_not_exists(dt)"}`},
	{name: "put/condition-holds", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"c"}},"ConditionExpression":"attribute_not_exists(dt)"}`},
	{name: "put/unused-value", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"a"}},"ExpressionAttributeValues":{":x":{"S":"1"}}}`},
	{name: "put/unused-name", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"a"}},"ConditionExpression":"attribute_exists(dt)","ExpressionAttributeNames":{"#x":"y"}}`},
	{name: "put/undefined-value", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"a"}},"ConditionExpression":"n = :v"}`},
	{name: "put/condition-syntax", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"a"}},"ConditionExpression":"n = = 1"}`},
	{name: "put/expected-legacy-fails", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"a"}},"Expected":{"dt":{"Exists":false}}}`},
	{name: "put/expected-legacy-holds", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"a"},"n":{"N":"3"}},"Expected":{"n":{"Value":{"N":"2"}}}}`},
	{name: "put/expected-and-condition", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"a"}},"Expected":{"dt":{"Exists":true,"Value":{"S":"a"}}},"ConditionExpression":"attribute_exists(dt)"}`},
	{name: "put/consumed-total", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"cc"},"blob":{"S":"` + strings.Repeat("y", 3000) + `"}},"ReturnConsumedCapacity":"TOTAL"}`},
	{name: "put/consumed-indexes", op: "PutItem", body: `{"TableName":"range","Item":{"pk":{"S":"cc"},"sk":{"N":"1"},"g":{"S":"x"}},"ReturnConsumedCapacity":"INDEXES"}`},
	{name: "put/consumed-bogus", op: "PutItem", body: `{"TableName":"hash","Item":{"dt":{"S":"cc"}},"ReturnConsumedCapacity":"SOME"}`},
	{name: "put/too-big", op: "PutItem", body: bigItem("hash", 410*1024)},
	{name: "put/just-fits", op: "PutItem", body: bigItem("hash", 390*1024)},

	// GetItem
	{name: "get/ok", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"seed-1"}}}`},
	{name: "get/absent", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"none"}}}`},
	{name: "get/empty-key", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":""}}}`},
	{name: "get/wrong-key-name", op: "GetItem", body: `{"TableName":"hash","Key":{"id":{"S":"a"}}}`, aws: awsSchema},
	{name: "get/extra-key", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"a"},"n":{"N":"1"}}}`, aws: awsSchema},
	{name: "get/key-type-mismatch", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"N":"1"}}}`, aws: awsSchema},
	{name: "get/range-missing", op: "GetItem", body: `{"TableName":"range","Key":{"pk":{"S":"p"}}}`, aws: awsSchema},
	{name: "get/no-key", op: "GetItem", body: `{"TableName":"hash"}`},
	{name: "get/missing-table", op: "GetItem", body: `{"TableName":"nope","Key":{"dt":{"S":"a"}}}`},
	{name: "get/projection-nested", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"seed-1"}},"ProjectionExpression":"m.a, l[0], n"}`},
	{name: "get/projection-names", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"seed-1"}},"ProjectionExpression":"#m.#a","ExpressionAttributeNames":{"#m":"m","#a":"b"}}`},
	{name: "get/projection-undefined-name", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"seed-1"}},"ProjectionExpression":"#m"}`},
	{name: "get/attributes-to-get", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"seed-1"}},"AttributesToGet":["n","ss"]}`},
	{name: "get/attributes-and-projection", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"seed-1"}},"AttributesToGet":["n"],"ProjectionExpression":"n"}`},
	{name: "get/consumed-total", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"seed-1"}},"ReturnConsumedCapacity":"TOTAL"}`},
	{name: "get/consumed-consistent", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"just"}},"ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL"}`},
	{name: "get/consumed-absent", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"none"}},"ReturnConsumedCapacity":"INDEXES"}`},
	{name: "get/consumed-none", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"seed-1"}},"ReturnConsumedCapacity":"NONE"}`},
	{name: "get/key-wrong-json", op: "GetItem", body: `{"TableName":"hash","Key":["dt"]}`, awsError: serializationType},
	{name: "get/consistent-wrong-json", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"a"}},"ConsistentRead":"yes"}`, awsError: serializationType},

	// UpdateItem
	{name: "update/set-all-new", op: "UpdateItem", body: `{"TableName":"hash","Key":{"dt":{"S":"u"}},"UpdateExpression":"SET n = :one","ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"ALL_NEW"}`},
	{name: "update/add-updated-old", op: "UpdateItem", body: `{"TableName":"hash","Key":{"dt":{"S":"u"}},"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"UPDATED_OLD"}`},
	{name: "update/updated-new", op: "UpdateItem", body: `{"TableName":"hash","Key":{"dt":{"S":"u"}},"UpdateExpression":"SET s = :s REMOVE x","ExpressionAttributeValues":{":s":{"S":"v"}},"ReturnValues":"UPDATED_NEW"}`},
	{name: "update/no-return", op: "UpdateItem", body: `{"TableName":"hash","Key":{"dt":{"S":"u"}},"UpdateExpression":"SET s = :s","ExpressionAttributeValues":{":s":{"S":"w"}}}`},
	{name: "update/key-attribute", op: "UpdateItem", body: `{"TableName":"hash","Key":{"dt":{"S":"u"}},"UpdateExpression":"SET dt = :s","ExpressionAttributeValues":{":s":{"S":"w"}}}`},
	{name: "update/empty-key", op: "UpdateItem", body: `{"TableName":"hash","Key":{"dt":{"S":""}},"UpdateExpression":"SET s = :s","ExpressionAttributeValues":{":s":{"S":"w"}}}`},
	{name: "update/condition-fails", op: "UpdateItem", body: `{"TableName":"hash","Key":{"dt":{"S":"u"}},"UpdateExpression":"SET s = :s","ConditionExpression":"n > :big","ExpressionAttributeValues":{":s":{"S":"w"},":big":{"N":"100"}}}`},
	{name: "update/undefined-value", op: "UpdateItem", body: `{"TableName":"hash","Key":{"dt":{"S":"u"}},"UpdateExpression":"SET s = :s"}`},
	{name: "update/syntax", op: "UpdateItem", body: `{"TableName":"hash","Key":{"dt":{"S":"u"}},"UpdateExpression":"SET s :s","ExpressionAttributeValues":{":s":{"S":"w"}}}`},
	{name: "update/attribute-updates-legacy", op: "UpdateItem", body: `{"TableName":"hash","Key":{"dt":{"S":"u2"}},"AttributeUpdates":{"n":{"Action":"PUT","Value":{"N":"7"}}},"ReturnValues":"ALL_NEW"}`},
	{name: "update/consumed-indexes-index-key", op: "UpdateItem", body: `{"TableName":"range","Key":{"pk":{"S":"p"},"sk":{"N":"1"}},"UpdateExpression":"SET g = :g","ExpressionAttributeValues":{":g":{"S":"green"}},"ReturnConsumedCapacity":"INDEXES"}`},
	{name: "update/consumed-indexes-other", op: "UpdateItem", body: `{"TableName":"range","Key":{"pk":{"S":"p"},"sk":{"N":"1"}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"N":"11"}},"ReturnConsumedCapacity":"INDEXES"}`},
	{name: "update/reserved-word", op: "UpdateItem", body: `{"TableName":"hash","Key":{"dt":{"S":"u"}},"UpdateExpression":"SET blob = :b","ExpressionAttributeValues":{":b":{"S":"x"}}}`},
	{name: "get/reserved-word-nested", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"seed-1"}},"ProjectionExpression":"m.size"}`},
	{name: "scan/reserved-word-filter", op: "Scan", body: `{"TableName":"hash","FilterExpression":"#s = :s OR status = :s","ExpressionAttributeNames":{"#s":"s"},"ExpressionAttributeValues":{":s":{"S":"x"}}}`},
	{name: "update/too-big", op: "UpdateItem", body: `{"TableName":"hash","Key":{"dt":{"S":"u"}},"UpdateExpression":"SET payload = :b","ExpressionAttributeValues":{":b":{"S":"` + strings.Repeat("z", 410*1024) + `"}}}`},
	{name: "update/too-big-unchanged", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"u"}},"ProjectionExpression":"dt, payload"}`},
	{name: "update/missing-table", op: "UpdateItem", body: `{"TableName":"nope","Key":{"dt":{"S":"u"}},"UpdateExpression":"SET s = :s","ExpressionAttributeValues":{":s":{"S":"w"}}}`},
	{name: "update/consumed-total", op: "UpdateItem", body: `{"TableName":"hash","Key":{"dt":{"S":"u"}},"UpdateExpression":"SET s = :s","ExpressionAttributeValues":{":s":{"S":"w"}},"ReturnConsumedCapacity":"TOTAL"}`},

	// DeleteItem
	{name: "delete/all-old", op: "DeleteItem", body: `{"TableName":"hash","Key":{"dt":{"S":"c"}},"ReturnValues":"ALL_OLD"}`},
	{name: "delete/absent", op: "DeleteItem", body: `{"TableName":"hash","Key":{"dt":{"S":"c"}},"ReturnValues":"ALL_OLD"}`, awsBody: `{}`},
	{name: "delete/all-new", op: "DeleteItem", body: `{"TableName":"hash","Key":{"dt":{"S":"c"}},"ReturnValues":"ALL_NEW"}`},
	{name: "delete/condition-fails", op: "DeleteItem", body: `{"TableName":"hash","Key":{"dt":{"S":"a"}},"ConditionExpression":"attribute_not_exists(dt)"}`},
	{name: "delete/empty-key", op: "DeleteItem", body: `{"TableName":"hash","Key":{"dt":{"S":""}}}`},
	{name: "delete/wrong-key", op: "DeleteItem", body: `{"TableName":"hash","Key":{"x":{"S":"a"}}}`, aws: awsSchema},
	{name: "delete/consumed-indexes", op: "DeleteItem", body: `{"TableName":"range","Key":{"pk":{"S":"cc"},"sk":{"N":"1"}},"ReturnConsumedCapacity":"INDEXES"}`},
	{name: "delete/missing-table", op: "DeleteItem", body: `{"TableName":"nope","Key":{"dt":{"S":"a"}}}`},

	// Query
	{name: "query/ok", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}}}`},
	{name: "query/backward", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"ScanIndexForward":false}`},
	{name: "query/between", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p AND sk BETWEEN :a AND :b","ExpressionAttributeValues":{":p":{"S":"p"},":a":{"N":"2"},":b":{"N":"3"}}}`},
	{name: "query/limit", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"Limit":2}`},
	{name: "query/limit-page-2", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"Limit":2,"ExclusiveStartKey":{"pk":{"S":"p"},"sk":{"N":"2"}}}`},
	{name: "query/limit-filter", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","FilterExpression":"v > :v","ExpressionAttributeValues":{":p":{"S":"p"},":v":{"N":"25"}},"Limit":2}`},
	{name: "query/filter", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","FilterExpression":"g = :g","ExpressionAttributeValues":{":p":{"S":"p"},":g":{"S":"red"}}}`},
	{name: "query/count", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"Select":"COUNT"}`},
	{name: "query/index", op: "Query", body: `{"TableName":"range","IndexName":"by-g","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"blue"}}}`, unordered: true},
	{name: "query/missing-index", op: "Query", body: `{"TableName":"range","IndexName":"nope","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"blue"}}}`},
	{name: "query/no-condition", op: "Query", body: `{"TableName":"range"}`},
	{name: "query/non-key-condition", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"v = :v","ExpressionAttributeValues":{":v":{"N":"1"}}}`},
	{name: "query/key-conditions-legacy", op: "Query", body: `{"TableName":"range","KeyConditions":{"pk":{"AttributeValueList":[{"S":"q"}],"ComparisonOperator":"EQ"}}}`},
	{name: "query/query-filter-legacy", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"QueryFilter":{"g":{"AttributeValueList":[{"S":"blue"}],"ComparisonOperator":"EQ"}}}`},
	{name: "query/consumed-total", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"ReturnConsumedCapacity":"TOTAL"}`},
	{name: "query/consumed-indexes", op: "Query", body: `{"TableName":"range","IndexName":"by-g","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"red"}},"ReturnConsumedCapacity":"INDEXES"}`, unordered: true},
	{name: "query/missing-table", op: "Query", body: `{"TableName":"nope","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}}}`},
	{name: "query/limit-zero", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"Limit":0}`},
	// The embedded backend's key index (front_query.go): numbers in numeric
	// order, each sort-key operator, pages that start after a deleted item,
	// and writes of every kind kept in the index.
	{name: "query/order-seed", op: "BatchWriteItem", body: `{"RequestItems":{"range":[{"PutRequest":{"Item":{"pk":{"S":"order"},"sk":{"N":"9"}}}},{"PutRequest":{"Item":{"pk":{"S":"order"},"sk":{"N":"10"}}}},{"PutRequest":{"Item":{"pk":{"S":"order"},"sk":{"N":"100"}}}},{"PutRequest":{"Item":{"pk":{"S":"order"},"sk":{"N":"-1.5"},"v":{"N":"1"}}}},{"PutRequest":{"Item":{"pk":{"S":"order"},"sk":{"N":"50"}}}}]}}`},
	{name: "query/order-transact", op: "TransactWriteItems", body: `{"TransactItems":[{"Put":{"TableName":"range","Item":{"pk":{"S":"order"},"sk":{"N":"20"},"v":{"N":"2"}}}},{"Delete":{"TableName":"range","Key":{"pk":{"S":"order"},"sk":{"N":"50"}}}},{"Update":{"TableName":"range","Key":{"pk":{"S":"order"},"sk":{"N":"0.5"}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"N":"3"}}}}]}`},
	{name: "query/numeric-order", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"order"}}}`},
	{name: "query/numeric-order-backward", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"order"}},"ScanIndexForward":false,"Limit":2}`},
	{name: "query/after-deleted-key", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"order"}},"ExclusiveStartKey":{"pk":{"S":"order"},"sk":{"N":"50"}}}`},
	{name: "query/after-deleted-key-backward", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"order"}},"ExclusiveStartKey":{"pk":{"S":"order"},"sk":{"N":"50"}},"ScanIndexForward":false,"Limit":2}`},
	{name: "query/sort-less", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p AND sk < :s","ExpressionAttributeValues":{":p":{"S":"order"},":s":{"N":"10"}}}`},
	{name: "query/sort-less-equal", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p AND sk <= :s","ExpressionAttributeValues":{":p":{"S":"order"},":s":{"N":"10"}}}`},
	{name: "query/sort-greater-first", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"#s > :s AND #p = :p","ExpressionAttributeNames":{"#p":"pk","#s":"sk"},"ExpressionAttributeValues":{":p":{"S":"order"},":s":{"N":"10"}}}`},
	{name: "query/sort-greater-equal", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p AND sk >= :s","ExpressionAttributeValues":{":p":{"S":"order"},":s":{"N":"1e1"}},"ScanIndexForward":false}`},
	{name: "query/expression-package", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"(#0 = :0) AND (#1 BETWEEN :1 AND :2)","ExpressionAttributeNames":{"#0":"pk","#1":"sk"},"ExpressionAttributeValues":{":0":{"S":"order"},":1":{"N":"0"},":2":{"N":"10"}},"ScanIndexForward":false}`},
	{name: "query/sort-equal", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p AND sk = :s","ExpressionAttributeValues":{":p":{"S":"order"},":s":{"N":"9.0"}}}`},
	{name: "query/between-none", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p AND sk BETWEEN :a AND :b","ExpressionAttributeValues":{":p":{"S":"order"},":a":{"N":"11"},":b":{"N":"19"}}}`},
	{name: "query/filter-page", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","FilterExpression":"attribute_exists(v)","ExpressionAttributeValues":{":p":{"S":"order"}},"Limit":3}`},
	{name: "query/empty-partition", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"none"}}}`},
	{name: "query/value-type-mismatch", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"N":"1"}}}`},
	{name: "query/hash-only", op: "Query", body: `{"TableName":"hash","KeyConditionExpression":"dt = :d","ExpressionAttributeValues":{":d":{"S":"seed-2"}}}`},
	{name: "query/order-clean", op: "BatchWriteItem", body: `{"RequestItems":{"range":[{"DeleteRequest":{"Key":{"pk":{"S":"order"},"sk":{"N":"9"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"order"},"sk":{"N":"10"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"order"},"sk":{"N":"100"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"order"},"sk":{"N":"-1.5"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"order"},"sk":{"N":"20"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"order"},"sk":{"N":"0.5"}}}}]}}`},
	{name: "query/order-cleaned", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"order"}}}`},

	// Scan
	{name: "scan/ok", op: "Scan", body: `{"TableName":"range"}`},
	{name: "scan/limit", op: "Scan", body: `{"TableName":"range","Limit":2}`, shape: true},
	{name: "scan/filter", op: "Scan", body: `{"TableName":"range","FilterExpression":"v >= :v","ExpressionAttributeValues":{":v":{"N":"30"}}}`},
	{name: "scan/filter-binary", op: "Scan", body: `{"TableName":"hash","FilterExpression":"bin = :b","ExpressionAttributeValues":{":b":{"B":"AQID"}},"ProjectionExpression":"dt"}`},
	{name: "scan/filter-set", op: "Scan", body: `{"TableName":"hash","FilterExpression":"contains(ss, :s)","ExpressionAttributeValues":{":s":{"S":"b"}},"ProjectionExpression":"dt"}`},
	{name: "scan/filter-set-equal", op: "Scan", body: `{"TableName":"hash","FilterExpression":"ss = :s","ExpressionAttributeValues":{":s":{"SS":["c"]}},"ProjectionExpression":"dt"}`},
	{name: "scan/count", op: "Scan", body: `{"TableName":"range","Select":"COUNT"}`},
	{name: "scan/index", op: "Scan", body: `{"TableName":"range","IndexName":"by-g"}`},
	{name: "scan/missing-index", op: "Scan", body: `{"TableName":"range","IndexName":"nope"}`},
	{name: "scan/scan-filter-legacy", op: "Scan", body: `{"TableName":"range","ScanFilter":{"v":{"AttributeValueList":[{"N":"20"}],"ComparisonOperator":"LE"}}}`},
	{name: "scan/consumed-total", op: "Scan", body: `{"TableName":"range","ReturnConsumedCapacity":"TOTAL"}`},
	{name: "scan/consumed-index", op: "Scan", body: `{"TableName":"range","IndexName":"by-g","ReturnConsumedCapacity":"INDEXES","Select":"COUNT"}`},
	{name: "query/consumed-consistent", op: "Query", body: `{"TableName":"range","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p"}},"ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL","Select":"COUNT"}`},
	{name: "scan/missing-table", op: "Scan", body: `{"TableName":"nope"}`},
	{name: "scan/segment-without-total", op: "Scan", body: `{"TableName":"range","Segment":0}`},
	{name: "scan/limit-wrong-json", op: "Scan", body: `{"TableName":"range","Limit":"2"}`, shape: true},

	// BatchWriteItem
	{name: "batch-write/ok", op: "BatchWriteItem", body: `{"RequestItems":{"hash":[{"PutRequest":{"Item":{"dt":{"S":"b1"}}}},{"PutRequest":{"Item":{"dt":{"S":"b2"}}}},{"DeleteRequest":{"Key":{"dt":{"S":"a2"}}}}]}}`},
	{name: "batch-write/26", op: "BatchWriteItem", body: manyWrites(26)},
	{name: "batch-write/25", op: "BatchWriteItem", body: manyWrites(25)},
	{name: "batch-write/duplicates", op: "BatchWriteItem", body: `{"RequestItems":{"hash":[{"PutRequest":{"Item":{"dt":{"S":"b1"}}}},{"PutRequest":{"Item":{"dt":{"S":"b1"}}}}]}}`},
	{name: "batch-write/empty-key", op: "BatchWriteItem", body: `{"RequestItems":{"hash":[{"PutRequest":{"Item":{"dt":{"S":""}}}}]}}`},
	{name: "batch-write/missing-table", op: "BatchWriteItem", body: `{"RequestItems":{"nope":[{"PutRequest":{"Item":{"dt":{"S":"b1"}}}}]}}`},
	{name: "batch-write/empty", op: "BatchWriteItem", body: `{"RequestItems":{}}`},
	{name: "batch-write/consumed-total", op: "BatchWriteItem", body: `{"RequestItems":{"hash":[{"PutRequest":{"Item":{"dt":{"S":"b3"}}}}]},"ReturnConsumedCapacity":"TOTAL"}`},

	// BatchGetItem
	{name: "batch-get/ok", op: "BatchGetItem", body: `{"RequestItems":{"hash":{"Keys":[{"dt":{"S":"b1"}},{"dt":{"S":"seed-2"}},{"dt":{"S":"none"}}]}}}`},
	{name: "batch-get/101", op: "BatchGetItem", body: manyGets(101)},
	{name: "batch-get/100", op: "BatchGetItem", body: manyGets(100)},
	{name: "batch-get/duplicates", op: "BatchGetItem", body: `{"RequestItems":{"hash":{"Keys":[{"dt":{"S":"b1"}},{"dt":{"S":"b1"}}]}}}`},
	{name: "batch-get/missing-table", op: "BatchGetItem", body: `{"RequestItems":{"nope":{"Keys":[{"dt":{"S":"b1"}}]}}}`},
	{name: "batch-get/wrong-key", op: "BatchGetItem", body: `{"RequestItems":{"hash":{"Keys":[{"x":{"S":"b1"}}]}}}`},

	{name: "batch-get/consumed-total", op: "BatchGetItem", body: `{"RequestItems":{"hash":{"Keys":[{"dt":{"S":"seed-1"}},{"dt":{"S":"just"}},{"dt":{"S":"none"}}]},"range":{"Keys":[{"pk":{"S":"p"},"sk":{"N":"1"}}],"ConsistentRead":true}},"ReturnConsumedCapacity":"TOTAL"}`},
	{name: "batch-get/consumed-indexes", op: "BatchGetItem", body: `{"RequestItems":{"hash":{"Keys":[{"dt":{"S":"seed-1"}}]}},"ReturnConsumedCapacity":"INDEXES"}`},

	// TransactWriteItems
	{name: "transact-write/ok", op: "TransactWriteItems", body: `{"TransactItems":[{"Put":{"TableName":"hash","Item":{"dt":{"S":"t1"}}}},{"Update":{"TableName":"hash","Key":{"dt":{"S":"t2"}},"UpdateExpression":"SET n = :n","ExpressionAttributeValues":{":n":{"N":"1"}}}}]}`},
	{name: "transact-write/condition-fails", op: "TransactWriteItems", body: `{"TransactItems":[{"Put":{"TableName":"hash","Item":{"dt":{"S":"t3"}}}},{"ConditionCheck":{"TableName":"hash","Key":{"dt":{"S":"t1"}},"ConditionExpression":"attribute_not_exists(dt)"}}]}`},
	{name: "transact-write/same-item-twice", op: "TransactWriteItems", body: `{"TransactItems":[{"Put":{"TableName":"hash","Item":{"dt":{"S":"t1"}}}},{"Delete":{"TableName":"hash","Key":{"dt":{"S":"t1"}}}}]}`},
	{name: "transact-write/101", op: "TransactWriteItems", body: manyTransactPuts(101)},
	// All or nothing (the embedded backend runs the transaction on a copy of its items).
	{name: "transact-write/cancelled-writes-nothing", op: "TransactWriteItems", body: `{"TransactItems":[{"Put":{"TableName":"hash","Item":{"dt":{"S":"t-none"}}}},{"Update":{"TableName":"hash","Key":{"dt":{"S":"t2"}},"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}}}},{"ConditionCheck":{"TableName":"hash","Key":{"dt":{"S":"t1"}},"ConditionExpression":"attribute_not_exists(dt)"}}]}`},
	{name: "transact-write/cancelled-put-absent", op: "GetItem", body: `{"TableName":"hash","Key":{"dt":{"S":"t-none"}}}`},
	{name: "transact-write/counter-add", op: "TransactWriteItems", body: `{"TransactItems":[{"Put":{"TableName":"hash","Item":{"dt":{"S":"t-c1"}},"ConditionExpression":"attribute_not_exists(dt)"}},{"Update":{"TableName":"hash","Key":{"dt":{"S":"t2"}},"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}}}}]}`},
	{name: "transact-write/counter-read", op: "BatchGetItem", body: `{"RequestItems":{"hash":{"Keys":[{"dt":{"S":"t2"}},{"dt":{"S":"t-c1"}}],"ConsistentRead":true}}}`},
	{name: "transact-write/missing-table", op: "TransactWriteItems", body: `{"TransactItems":[{"Put":{"TableName":"nope","Item":{"dt":{"S":"t1"}}}}]}`},
	{name: "transact-write/empty-key", op: "TransactWriteItems", body: `{"TransactItems":[{"Put":{"TableName":"hash","Item":{"dt":{"S":""}}}}]}`},

	{name: "transact-write/consumed-indexes", op: "TransactWriteItems", body: `{"TransactItems":[{"Put":{"TableName":"range","Item":{"pk":{"S":"tx"},"sk":{"N":"1"},"g":{"S":"x"}}}},{"Put":{"TableName":"hash","Item":{"dt":{"S":"tx-c"}}}}],"ReturnConsumedCapacity":"INDEXES"}`},
	{name: "transact-write/consumed-total", op: "TransactWriteItems", body: `{"TransactItems":[{"Delete":{"TableName":"hash","Key":{"dt":{"S":"tx-c"}}}}],"ReturnConsumedCapacity":"TOTAL"}`},

	// TransactGetItems
	{name: "transact-get/ok", op: "TransactGetItems", body: `{"TransactItems":[{"Get":{"TableName":"hash","Key":{"dt":{"S":"t1"}}}},{"Get":{"TableName":"hash","Key":{"dt":{"S":"none"}}}}]}`},
	{name: "transact-get/consumed-total", op: "TransactGetItems", body: `{"TransactItems":[{"Get":{"TableName":"hash","Key":{"dt":{"S":"just"}}}},{"Get":{"TableName":"range","Key":{"pk":{"S":"p"},"sk":{"N":"1"}}}}],"ReturnConsumedCapacity":"TOTAL"}`},
	{name: "transact-get/missing-table", op: "TransactGetItems", body: `{"TransactItems":[{"Get":{"TableName":"nope","Key":{"dt":{"S":"t1"}}}}]}`},
	{name: "transact-get/wrong-key", op: "TransactGetItems", body: `{"TransactItems":[{"Get":{"TableName":"hash","Key":{"x":{"S":"t1"}}}}]}`},

	// DescribeTable
	{name: "describe/ok", op: "DescribeTable", body: `{"TableName":"hash"}`},
	{name: "describe/missing-table", op: "DescribeTable", body: `{"TableName":"nope"}`},
	{name: "describe/bad-name", op: "DescribeTable", body: `{"TableName":"a b"}`},

	// Anything else
	{name: "unknown-operation", op: "NoSuchOperation", body: `{}`},
}

// confAnswer is what the suite compares.
type confAnswer struct {
	Status    int             `json:"status"`
	Type      string          `json:"__type,omitempty"`
	Message   string          `json:"message,omitempty"`
	Body      json.RawMessage `json:"body,omitempty"` // normalised, successes and TransactionCanceled
	RequestID bool            `json:"-"`
}

// confClient gives up on a backend that hangs (a lock held after a panic) so the
// case fails instead of the whole test binary timing out.
var confClient = &http.Client{Timeout: 20 * time.Second}

// confSend posts one raw request as the SDK would, with a well-formed but unchecked
// SigV4 header naming accessKey (DynamoDB Local keeps tables per access key).
func confSend(endpoint, accessKey, op, body string) (*http.Response, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+accessKey+"/20260101/"+account.DefaultRegion+"/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00")
	resp, err := confClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func confAsk(t *testing.T, endpoint, accessKey string, c confCase) confAnswer {
	t.Helper()
	resp, body, err := confSend(endpoint, accessKey, c.op, c.body)
	if err != nil {
		return confAnswer{Type: "(no answer)", Message: err.Error()}
	}
	a := confAnswer{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Amzn-Requestid") != ""}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		a.Type = "(not JSON)"
		a.Message = string(body)
		return a
	}
	if typ, ok := v["__type"].(string); ok {
		a.Type = typ
		a.Message, _ = cmp.Or(v["message"], v["Message"]).(string)
		delete(v, "__type")
		delete(v, "message")
		delete(v, "Message")
		if len(v) == 0 {
			return a
		}
	}
	if c.shape {
		a.Body, _ = json.Marshal(shapeOf(v))
	} else {
		op := c.op
		if c.unordered {
			op = "Scan"
		}
		a.Body, _ = json.Marshal(normalise(op, "", v))
	}
	return a
}

// normalise drops what differs between any two DynamoDBs (timestamps, ARNs, the
// storage order of items) so answers can be compared as JSON.
func normalise(op, key string, v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			switch k {
			case "CreationDateTime", "LastIncreaseDateTime", "LastDecreaseDateTime", "LastUpdateToPayPerRequestDateTime":
				out[k] = "(time)"
			case "TableArn", "IndexArn", "LatestStreamArn":
				out[k] = "(id)"
			case "TableId": // AWS has it, DynamoDB Local not
			case "TableSizeBytes": // AWS updates it about every six hours
				out[k] = "(size)"
			default:
				out[k] = normalise(op, k, e)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalise(op, "", e)
		}
		// Scan order is storage order; Query's order is checked.
		switch {
		case key == "Items" && op == "Scan", key == "hash", key == "range", key == "ConsumedCapacity", key == "SS", key == "NS", key == "BS":
			slices.SortFunc(out, func(a, b any) int {
				x, _ := json.Marshal(a)
				y, _ := json.Marshal(b)
				return bytes.Compare(x, y)
			})
		}
		return out
	}
	return v
}

// shapeOf keeps the keys and the JSON types of v, not its values.
func shapeOf(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = shapeOf(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = shapeOf(e)
		}
		slices.SortFunc(out, func(a, b any) int {
			x, _ := json.Marshal(a)
			y, _ := json.Marshal(b)
			return bytes.Compare(x, y)
		})
		return out
	default:
		return fmt.Sprintf("%T", v)
	}
}

// TestConformance runs confCases against both backends and compares the answers.
// It needs DynamoDB Local (Java); without it, it skips (fails in strict mode).
func TestConformance(t *testing.T) {
	oracle := requireOracle(t)
	embedded := startBackend(t, KindEmbedded)
	key := fmt.Sprintf("conformance%d", os.Getpid())
	for _, b := range []*Backend{oracle, embedded} {
		for _, c := range confTables {
			resp, body, err := confSend(b.Endpoint(), key, "CreateTable", c)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: CreateTable: %v %s", b.Kind(), err, body)
			}
		}
		for _, s := range confSeed {
			resp, body, err := confSend(b.Endpoint(), key, "PutItem", s)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: seeding: %v %s", b.Kind(), err, body)
			}
		}
	}
	golden := map[string]confAnswer{}
	pass := 0
	for _, c := range confCases {
		want := confAsk(t, oracle.Endpoint(), key, c)
		if want.Status == 0 {
			// Every case after this one would fail the same way: say why once.
			t.Fatalf("%s: DynamoDB Local gave no answer (%s); exited: %q; its log:\n%s",
				c.name, want.Message, oracle.Exited(), keeperLogs.String())
		}
		got := confAsk(t, embedded.Endpoint(), key, c)
		if want.Status != http.StatusOK {
			golden[c.name] = confAnswer{Status: want.Status, Type: want.Type, Message: want.Message}
		}
		if c.aws != "" {
			want.Message = c.aws
		}
		if c.awsError != "" {
			want = confAnswer{Status: http.StatusBadRequest, Type: c.awsError, Message: got.Message, RequestID: true}
			if got.Message == "" {
				want.Message = "(a message saying what is wrong)"
			}
		}
		if c.awsBody != "" {
			want.Body = json.RawMessage(c.awsBody)
		}
		ok := t.Run(c.name, func(t *testing.T) {
			if got.Status != want.Status || got.Type != want.Type || got.Message != want.Message || !bytes.Equal(got.Body, want.Body) {
				t.Errorf("%s %s\n got: %d %s %q %s\nwant: %d %s %q %s", c.op, clip(c.body),
					got.Status, got.Type, got.Message, got.Body, want.Status, want.Type, want.Message, want.Body)
			}
			if !got.RequestID {
				t.Errorf("%s: no x-amzn-RequestId header", c.op)
			}
		})
		if ok {
			pass++
		}
	}
	t.Logf("conformance: %d of %d cases answer as DynamoDB Local does", pass, len(confCases))
	checkGolden(t, golden)
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// goldenPath holds DynamoDB Local's error answers, the reference texts.
var goldenPath = filepath.Join("..", "..", "testdata", "dynamodb", "errors.json")

func checkGolden(t *testing.T, got map[string]confAnswer) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *update {
		if err := os.WriteFile(goldenPath, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (run go test -run TestConformance -update)", err)
	}
	if !bytes.Equal(want, b) {
		t.Errorf("DynamoDB Local's error answers differ from %s: run go test ./internal/dynamo -run TestConformance -update and review the diff", goldenPath)
	}
}

// requireOracle returns the shared DynamoDB Local, or skips in one line when it
// is not installed (fails in strict mode, CI=true).
func requireOracle(t *testing.T) *Backend {
	t.Helper()
	keeperOnce.Do(func() {
		keeper, keeperErr = Start(context.Background(), Options{Kind: KindLocal, Logs: &keeperLogs})
	})
	if keeperErr != nil {
		tool.SkipMissing(t, keeperErr) // the differential suite needs DynamoDB Local
	}
	return keeper
}
