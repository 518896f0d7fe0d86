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
	"time"

	"github.com/truora/minidyn/server"
)

func startEmbedded(opts Options) (*Backend, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("embedded DynamoDB: cannot listen on 127.0.0.1: %w", err)
	}
	srv := &http.Server{Handler: withCRC32(newEmbeddedHandler(server.NewServer())), ReadHeaderTimeout: 10 * time.Second}
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
}

// tableMeta is what minidyn forgets: the CreateTable fields DescribeTable should echo.
type tableMeta struct {
	KeySchema             []keyElement    `json:"-"`
	AttributeDefinitions  json.RawMessage `json:"AttributeDefinitions,omitempty"`
	BillingMode           string          `json:"BillingMode,omitempty"`
	ProvisionedThroughput json.RawMessage `json:"ProvisionedThroughput,omitempty"`
	StreamSpecification   json.RawMessage `json:"StreamSpecification,omitempty"`
}

// minidynOps are the operations minidyn's server implements.
var minidynOps = []string{
	"CreateTable", "UpdateTable", "DeleteTable", "DescribeTable",
	"PutItem", "DeleteItem", "UpdateItem", "GetItem", "Query", "Scan",
	"BatchWriteItem", "BatchGetItem", "TransactWriteItems", "TransactGetItems",
}

func newEmbeddedHandler(next http.Handler) *embeddedHandler {
	return &embeddedHandler{next: next, tables: map[string]tableMeta{}}
}

func (h *embeddedHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndex(target, ".")+1:]
	switch {
	case r.Method != http.MethodPost:
		h.next.ServeHTTP(w, r)
	case op == "ListTables":
		h.listTables(w, r)
	case !slices.Contains(minidynOps, op):
		writeAPIError(w, http.StatusBadRequest, "UnknownOperationException",
			fmt.Sprintf("the embedded DynamoDB (minidyn) does not support %s; run with %s=%s to use DynamoDB Local", op, EnvKind, KindLocal))
	case strings.HasSuffix(op, "Table"):
		h.tableOp(w, r, op)
	case op == "Scan":
		h.scan(w, r)
	default:
		h.mu.RLock()
		defer h.mu.RUnlock()
		h.next.ServeHTTP(w, r)
	}
}

// tableOp runs a table operation alone and completes its TableDescription.
func (h *embeddedHandler) tableOp(w http.ResponseWriter, r *http.Request, op string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "SerializationException", "cannot read the request: "+err.Error())
		return
	}
	var in struct {
		TableName string
		tableMeta
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeAPIError(w, http.StatusBadRequest, "SerializationException", "the request is not JSON: "+err.Error())
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	h.mu.Lock()
	defer h.mu.Unlock()
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	h.next.ServeHTTP(rec, r)
	if rec.status != http.StatusOK {
		rec.flush(w, rec.body.Bytes())
		return
	}
	switch op {
	case "CreateTable":
		var keys struct{ KeySchema []keyElement }
		_ = json.Unmarshal(body, &keys)
		in.tableMeta.KeySchema = keys.KeySchema
		h.tables[in.TableName] = in.tableMeta
	case "DeleteTable":
		defer delete(h.tables, in.TableName)
	}
	out, err := completeDescription(rec.body.Bytes(), h.tables[in.TableName])
	if err != nil {
		writeAPIError(w, http.StatusInternalServerError, "InternalServerError", "cannot complete the answer of "+op+": "+err.Error())
		return
	}
	rec.flush(w, out)
}

// completeDescription adds what minidyn leaves out to the Table or TableDescription
// of a table operation's answer. Tables are usable at once, hence ACTIVE.
func completeDescription(body []byte, meta tableMeta) ([]byte, error) {
	var out map[string]map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, err
	}
	for _, desc := range out { // "Table" or "TableDescription"
		if desc == nil {
			continue
		}
		desc["TableStatus"] = "ACTIVE"
		if len(meta.AttributeDefinitions) > 0 {
			desc["AttributeDefinitions"] = meta.AttributeDefinitions
		}
		// As DynamoDB does: a summary for on-demand tables, throughput for provisioned ones.
		if meta.BillingMode == "PAY_PER_REQUEST" {
			desc["BillingModeSummary"] = map[string]string{"BillingMode": meta.BillingMode}
			desc["ProvisionedThroughput"] = map[string]int{"ReadCapacityUnits": 0, "WriteCapacityUnits": 0, "NumberOfDecreasesToday": 0}
		} else if len(meta.ProvisionedThroughput) > 0 {
			desc["ProvisionedThroughput"] = meta.ProvisionedThroughput
		}
		if len(meta.StreamSpecification) > 0 {
			desc["StreamSpecification"] = meta.StreamSpecification
		}
	}
	return json.Marshal(out)
}

type keyElement struct{ AttributeName, KeyType string }

// maxPage is how much one Scan returns at most: DynamoDB stops at 1 MB and
// answers with LastEvaluatedKey, so code that reads only the first page
// misses items. minidyn has no such limit; this adds it.
const maxPage = 1 << 20

// scan runs a Scan and cuts its answer at 1 MB of items, as DynamoDB does,
// and sets ScannedCount, which minidyn leaves at 0. Item size is measured as
// the item's JSON, close to DynamoDB's own count; index scans pass through.
func (h *embeddedHandler) scan(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "SerializationException", "cannot read the request: "+err.Error())
		return
	}
	var in struct{ TableName, IndexName, FilterExpression string }
	_ = json.Unmarshal(body, &in)
	r.Body = io.NopCloser(bytes.NewReader(body))
	h.mu.RLock()
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	h.next.ServeHTTP(rec, r)
	keys := h.tables[in.TableName].KeySchema
	h.mu.RUnlock()
	var out map[string]json.RawMessage
	if rec.status != http.StatusOK || in.IndexName != "" || len(keys) == 0 || json.Unmarshal(rec.body.Bytes(), &out) != nil {
		rec.flush(w, rec.body.Bytes())
		return
	}
	var items []map[string]json.RawMessage
	_ = json.Unmarshal(out["Items"], &items)
	size := 0
	for i, item := range items {
		b, _ := json.Marshal(item)
		if size += len(b); size > maxPage && i > 0 {
			last := map[string]json.RawMessage{}
			for _, k := range keys {
				last[k.AttributeName] = items[i-1][k.AttributeName]
			}
			items = items[:i]
			out["LastEvaluatedKey"], _ = json.Marshal(last)
			break
		}
	}
	out["Items"], _ = json.Marshal(items)
	out["Count"], _ = json.Marshal(len(items))
	if in.FilterExpression == "" {
		out["ScannedCount"] = out["Count"]
	}
	b, err := json.Marshal(out)
	if err != nil {
		writeAPIError(w, http.StatusInternalServerError, "InternalServerError", "cannot complete the answer of Scan: "+err.Error())
		return
	}
	rec.flush(w, b)
}

func (h *embeddedHandler) listTables(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ExclusiveStartTableName string
		Limit                   int
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil && !errors.Is(err, io.EOF) {
		writeAPIError(w, http.StatusBadRequest, "SerializationException", "the request is not JSON: "+err.Error())
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

func writeAPIError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#" + typ, "message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// withCRC32 adds the x-amz-crc32 header DynamoDB sends with every answer.
// The Go SDK checks the body against it and, when it is missing, logs a
// "did not match expected checksum" warning in the function's output.
func withCRC32(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		body := rec.body.Bytes()
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
