package dynamo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/truora/minidyn/server"
)

func startEmbedded(opts Options) (*Backend, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("embedded DynamoDB: cannot listen on 127.0.0.1: %w", err)
	}
	srv := &http.Server{Handler: withEnvelope(newEmbeddedHandler(server.NewServer())), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // returns http.ErrServerClosed on Close
	endpoint := "http://" + ln.Addr().String()
	fmt.Fprintf(opts.Logs, "embedded DynamoDB (minidyn) on %s\n", endpoint)
	return &Backend{kind: KindEmbedded, endpoint: endpoint, stop: srv.Close}, nil
}

// embeddedHandler sits in front of minidyn's server to close gaps the checks and
// learners would hit:
//   - minidyn's table operations (Create/Update/Delete/DescribeTable) do not lock its
//     table map, so they run alone here while item operations share the lock;
//   - DescribeTable has no TableStatus, AttributeDefinitions or billing mode, so they
//     are added from the CreateTable request;
//   - ListTables is missing, and an unsupported operation is answered in plain text
//     the SDK cannot decode, so both are answered here as DynamoDB would.
type embeddedHandler struct {
	next   http.Handler
	mu     sync.RWMutex
	tables map[string]tableMeta // guarded by mu
	keys   map[string]*keyIndex // each table's keys in order, for Query (front_query.go); guarded by mu
}

// tableMeta is what minidyn forgets: the CreateTable fields DescribeTable should echo.
type tableMeta struct {
	KeySchema             []keyElement         `json:"-"`
	Indexes               map[string]indexMeta `json:"-"` // secondary indexes by name
	Created               float64              `json:"-"` // CreationDateTime, seconds
	AttributeDefinitions  json.RawMessage      `json:"AttributeDefinitions,omitempty"`
	BillingMode           string               `json:"BillingMode,omitempty"`
	ProvisionedThroughput json.RawMessage      `json:"ProvisionedThroughput,omitempty"`
	StreamSpecification   json.RawMessage      `json:"StreamSpecification,omitempty"`
}

// minidynOps are the operations minidyn's server implements.
var minidynOps = []string{
	"CreateTable", "UpdateTable", "DeleteTable", "DescribeTable",
	"PutItem", "DeleteItem", "UpdateItem", "GetItem", "Query", "Scan",
	"BatchWriteItem", "BatchGetItem", "TransactWriteItems", "TransactGetItems",
}

func newEmbeddedHandler(next http.Handler) *embeddedHandler {
	return &embeddedHandler{next: next, tables: map[string]tableMeta{}, keys: map[string]*keyIndex{}}
}

func (h *embeddedHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndex(target, ".")+1:]
	switch {
	case r.Method != http.MethodPost:
		h.next.ServeHTTP(w, r)
	case op == "ListTables":
		h.listTables(w, r)
	case !slices.Contains(minidynOps, op) && slices.Contains(dynamoOps, op):
		writeAPIError(w, http.StatusBadRequest, "UnknownOperationException",
			fmt.Sprintf("the embedded DynamoDB (minidyn) does not support %s; run with %s=%s to use DynamoDB Local", op, EnvKind, KindLocal))
	case !slices.Contains(minidynOps, op):
		writeAPIError(w, http.StatusBadRequest, "UnknownOperationException", "An unknown operation was requested.")
	case op == "DescribeTable":
		h.describe(w, r)
	case strings.HasSuffix(op, "Table"):
		h.tableOp(w, r, op)
	default:
		h.itemOp(w, r, op)
	}
}

// tableOp runs a table operation alone and completes its TableDescription.
func (h *embeddedHandler) tableOp(w http.ResponseWriter, r *http.Request, op string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeErr(w, serialization("cannot read the request: "+err.Error()))
		return
	}
	var in struct {
		TableName string
		tableMeta
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeErr(w, serialization("the request is not JSON: "+err.Error()))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	h.mu.Lock()
	defer h.mu.Unlock()
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	h.next.ServeHTTP(rec, r)
	if rec.status != http.StatusOK {
		var out obj
		_ = json.Unmarshal(rec.body.Bytes(), &out)
		writeErr(w, minidynError(rec.status, out))
		return
	}
	switch op {
	case "CreateTable":
		var keys struct {
			KeySchema                                     []keyElement
			GlobalSecondaryIndexes, LocalSecondaryIndexes []struct {
				IndexName string
				KeySchema []keyElement
			}
		}
		_ = json.Unmarshal(body, &keys)
		in.tableMeta.KeySchema = keys.KeySchema
		in.tableMeta.Created = float64(time.Now().UnixMilli()) / 1000
		in.tableMeta.Indexes = map[string]indexMeta{}
		for _, ix := range keys.GlobalSecondaryIndexes {
			in.tableMeta.Indexes[ix.IndexName] = indexMeta{KeySchema: ix.KeySchema, Global: true}
		}
		for _, ix := range keys.LocalSecondaryIndexes {
			in.tableMeta.Indexes[ix.IndexName] = indexMeta{KeySchema: ix.KeySchema}
		}
		h.tables[in.TableName] = in.tableMeta
		h.keys[in.TableName] = newKeyIndex()
	case "DeleteTable":
		defer delete(h.tables, in.TableName)
		delete(h.keys, in.TableName)
	}
	size := 0
	if op == "DescribeTable" {
		if all, err := h.call("Scan", obj{"TableName": in.TableName}); err == nil {
			for _, it := range listOf(all["Items"]) {
				size += itemSize(it)
			}
		}
	}
	out, err := completeDescription(rec.body.Bytes(), h.tables[in.TableName], size)
	if err != nil {
		writeAPIError(w, http.StatusInternalServerError, "InternalServerError", "cannot complete the answer of "+op+": "+err.Error())
		return
	}
	rec.flush(w, out)
}

// completeDescription adds what minidyn leaves out to the Table or TableDescription
// of a table operation's answer. Tables are usable at once, hence ACTIVE.
func completeDescription(body []byte, meta tableMeta, size int) ([]byte, error) {
	var out map[string]map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, err
	}
	for _, desc := range out { // "Table" or "TableDescription"
		if desc == nil {
			continue
		}
		dropEmpty(desc)
		desc["TableStatus"] = "ACTIVE"
		desc["TableSizeBytes"] = size
		if _, ok := desc["TableArn"]; !ok {
			// As DynamoDB Local names its tables' ARNs.
			desc["TableArn"] = fmt.Sprintf("arn:aws:dynamodb:ddblocal:000000000000:table/%v", desc["TableName"])
		}
		if _, ok := desc["CreationDateTime"]; !ok && meta.Created > 0 {
			desc["CreationDateTime"] = meta.Created
		}
		if _, ok := desc["DeletionProtectionEnabled"]; !ok {
			desc["DeletionProtectionEnabled"] = false
		}
		if len(meta.StreamSpecification) == 0 {
			delete(desc, "LatestStreamArn")
			delete(desc, "LatestStreamLabel")
		}
		if len(meta.AttributeDefinitions) > 0 {
			desc["AttributeDefinitions"] = meta.AttributeDefinitions
		}
		// As DynamoDB does: a summary for on-demand tables, throughput for provisioned ones.
		if meta.BillingMode == "PAY_PER_REQUEST" {
			desc["BillingModeSummary"] = map[string]any{"BillingMode": meta.BillingMode, "LastUpdateToPayPerRequestDateTime": desc["CreationDateTime"]}
			desc["ProvisionedThroughput"] = map[string]any{"ReadCapacityUnits": 0, "WriteCapacityUnits": 0, "NumberOfDecreasesToday": 0,
				"LastIncreaseDateTime": 0, "LastDecreaseDateTime": 0}
		} else if len(meta.ProvisionedThroughput) > 0 {
			desc["ProvisionedThroughput"] = meta.ProvisionedThroughput
		}
		if len(meta.StreamSpecification) > 0 {
			desc["StreamSpecification"] = meta.StreamSpecification
		}
	}
	return json.Marshal(out)
}

// dropEmpty removes the null and "" fields minidyn writes for what is not set;
// DynamoDB leaves them out.
func dropEmpty(m map[string]any) {
	for k, v := range m {
		switch v := v.(type) {
		case nil:
			delete(m, k)
		case string:
			if v == "" {
				delete(m, k)
			}
		case map[string]any:
			dropEmpty(v)
		case []any:
			for _, e := range v {
				if em, ok := e.(map[string]any); ok {
					dropEmpty(em)
				}
			}
		}
	}
}

type keyElement struct{ AttributeName, KeyType string }

// indexMeta is a secondary index's key, for validating items and requests.
type indexMeta struct {
	KeySchema []keyElement
	Global    bool
}

// maxPage is how much one Scan or Query reads at most: DynamoDB stops at 1 MB
// and answers with LastEvaluatedKey, so code that reads only the first page
// misses items. The item that brings the page to 1 MB or more is its last one
// (DynamoDB Local 3.3.1: 4 items of 262,144 bytes fill a page, and 3 items of
// 349,526 bytes do too). minidyn has no such limit; the front (front_ops.go)
// adds it.
const maxPage = 1 << 20

func (h *embeddedHandler) listTables(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ExclusiveStartTableName string
		Limit                   int
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil && !errors.Is(err, io.EOF) {
		writeErr(w, serialization("the request is not JSON: "+err.Error()))
		return
	}
	if in.Limit <= 0 || in.Limit > 100 {
		in.Limit = 100
	}
	h.mu.RLock()
	names := make([]string, 0, len(h.tables))
	for name := range h.tables {
		if name > in.ExclusiveStartTableName {
			names = append(names, name)
		}
	}
	h.mu.RUnlock()
	slices.Sort(names)
	out := map[string]any{"TableNames": names}
	if len(names) > in.Limit {
		names = names[:in.Limit]
		out["TableNames"] = names
		out["LastEvaluatedTableName"] = names[len(names)-1]
	}
	writeJSON(w, http.StatusOK, out)
}

// describe validates the table name as DynamoDB does before describing it.
func (h *embeddedHandler) describe(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeErr(w, serialization("cannot read the request body: "+err.Error()))
		return
	}
	var in obj
	if err := json.Unmarshal(body, &in); err != nil || in == nil {
		writeErr(w, serialization("the request body is not a JSON object"))
		return
	}
	if _, aerr := h.table(in); aerr != nil {
		writeErr(w, aerr)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	h.tableOp(w, r, "DescribeTable")
}

// dynamoOps are DynamoDB's other operations: minidyn lacks them, and the answer
// says how to get them rather than DynamoDB's "unknown operation".
var dynamoOps = []string{
	"BatchExecuteStatement", "CreateBackup", "CreateGlobalTable", "DeleteBackup", "DeleteResourcePolicy",
	"DescribeBackup", "DescribeContinuousBackups", "DescribeContributorInsights", "DescribeEndpoints",
	"DescribeExport", "DescribeGlobalTable", "DescribeGlobalTableSettings", "DescribeImport",
	"DescribeKinesisStreamingDestination", "DescribeLimits", "DescribeTableReplicaAutoScaling",
	"DescribeTimeToLive", "DisableKinesisStreamingDestination", "EnableKinesisStreamingDestination",
	"ExecuteStatement", "ExecuteTransaction", "ExportTableToPointInTime", "GetResourcePolicy",
	"ImportTable", "ListBackups", "ListContributorInsights", "ListExports", "ListGlobalTables",
	"ListImports", "ListTagsOfResource", "PutResourcePolicy", "RestoreTableFromBackup",
	"RestoreTableToPointInTime", "TagResource", "UntagResource", "UpdateContinuousBackups",
	"UpdateContributorInsights", "UpdateGlobalTable", "UpdateGlobalTableSettings",
	"UpdateKinesisStreamingDestination", "UpdateTableReplicaAutoScaling", "UpdateTimeToLive",
}

func writeAPIError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#" + typ, "message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// withEnvelope gives every answer what DynamoDB's carry: an x-amzn-RequestId
// (the SDK reports it with errors) and the x-amz-crc32 header, which the Go SDK
// checks the body against (without it, it logs a "did not match expected
// checksum" warning in the function's output). A panic below becomes DynamoDB's
// 500 InternalServerError instead of a dropped connection.
func withEnvelope(next http.Handler) http.Handler {
	var ids atomic.Uint64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		func() {
			defer func() {
				if v := recover(); v != nil {
					rec = &recorder{header: http.Header{}}
					writeAPIError(rec, http.StatusInternalServerError, "InternalServerError", fmt.Sprintf("Internal server error (the embedded DynamoDB failed: %v)", v))
				}
			}()
			next.ServeHTTP(rec, r)
		}()
		body := rec.body.Bytes()
		w.Header().Set("x-amzn-RequestId", fmt.Sprintf("EMBEDDED%016X%012X", time.Now().UnixNano(), ids.Add(1)))
		w.Header().Set("x-amz-crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
		rec.flush(w, body)
	})
}

// recorder keeps minidyn's answer so it can be completed before it is sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

func (r *recorder) flush(w http.ResponseWriter, body []byte) {
	for k, v := range r.header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(body)
}
