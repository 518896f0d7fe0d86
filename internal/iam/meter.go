package iam

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Cost is what the DynamoDB calls made with one access key cost, as on-demand
// capacity bills them. The proxy computes it from the requests and the answers
// it forwards, never by changing a request (ReturnConsumedCapacity is the
// app's to ask for), so it is what the app would pay, within these limits:
// an UpdateItem or DeleteItem is billed on the size of the key and the values
// it sends (DynamoDB bills the larger of the item before and after, which the
// proxy does not see), and a Query or Scan with a FilterExpression or a
// ProjectionExpression on the items it returns (DynamoDB bills the whole items
// it read). TestMeterMatchesDynamoDBLocal compares it with the
// ConsumedCapacity DynamoDB Local reports.
type Cost struct {
	Calls         map[string]int // by operation
	ItemsRead     int            // items DynamoDB read (ScannedCount for Query and Scan)
	ReadUnits     float64
	WriteUnits    float64
	ResponseBytes int
}

// String is the cost as the COST line shows it:
// DynamoDB calls: 2 (PutItem 1, Query 1)	Items read: 20	Read units: 2.5	Write units: 1	Response bytes: 1234
func (c Cost) String() string {
	n := 0
	var parts []string
	for _, op := range slices.Sorted(maps.Keys(c.Calls)) {
		n += c.Calls[op]
		parts = append(parts, fmt.Sprintf("%s %d", op, c.Calls[op]))
	}
	calls := fmt.Sprint(n)
	if n > 0 {
		calls += " (" + strings.Join(parts, ", ") + ")"
	}
	return fmt.Sprintf("DynamoDB calls: %s\tItems read: %d\tRead units: %s\tWrite units: %s\tResponse bytes: %d",
		calls, c.ItemsRead, units(c.ReadUnits), units(c.WriteUnits), c.ResponseBytes)
}

func units(u float64) string { return fmt.Sprintf("%g", u) }

func (c *Cost) add(o Cost) {
	if c.Calls == nil {
		c.Calls = map[string]int{}
	}
	for op, n := range o.Calls {
		c.Calls[op] += n
	}
	c.ItemsRead += o.ItemsRead
	c.ReadUnits += o.ReadUnits
	c.WriteUnits += o.WriteUnits
	c.ResponseBytes += o.ResponseBytes
}

// meter keeps the cost of the calls made with each access key since it was
// last taken.
type meter struct {
	mu    sync.Mutex
	costs map[string]*Cost
}

func (m *meter) add(akid string, c Cost) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.costs == nil {
		m.costs = map[string]*Cost{}
	}
	if m.costs[akid] == nil {
		m.costs[akid] = &Cost{Calls: map[string]int{}}
	}
	m.costs[akid].add(c)
}

func (m *meter) take(akid string) Cost {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.costs[akid]
	delete(m.costs, akid)
	if c == nil {
		return Cost{Calls: map[string]int{}}
	}
	return *c
}

// TakeCost returns the cost of the calls made with accessKeyID since the last
// TakeCost for it, and starts counting again. An execution environment handles
// one invocation at a time, so with a key of its own this is one invocation's cost.
func (p *Proxy) TakeCost(accessKeyID string) Cost { return p.meter.take(accessKeyID) }

// forwardMetered forwards an authorized request and meters its answer. The
// answer is held until it is metered, then sent whole: once the app has read
// it, its cost is counted, so an invocation's cost is complete when it ends.
func (p *Proxy) forwardMetered(w http.ResponseWriter, out *http.Request, akid string, req Request) {
	if err := p.collide(akid, req, out); err != nil {
		p.logf("IAM proxy: %v", err)
	}
	rec := httptest.NewRecorder()
	p.rp.ServeHTTP(rec, out)
	resp := rec.Result()
	body := rec.Body.Bytes()
	p.meter.add(akid, Price(req.Operation, req.Body, resp.StatusCode, body))
	maps.Copy(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// Price is the cost of one call: its operation, its request body (DynamoDB
// JSON), the status and body of its answer.
func Price(op string, reqBody []byte, status int, respBody []byte) Cost {
	c := Cost{Calls: map[string]int{op: 1}, ResponseBytes: len(respBody)}
	var in request
	_ = json.Unmarshal(reqBody, &in) // the proxy read it already
	if status != http.StatusOK {
		// A write whose condition fails is still billed; other errors are not.
		if bytes.Contains(respBody, []byte("ConditionalCheckFailedException")) {
			c.WriteUnits = writeUnits(in.writeSize())
		}
		return c
	}
	var outp response
	_ = json.Unmarshal(respBody, &outp)
	read := readUnitsFor(in.ConsistentRead)
	switch op {
	case "GetItem":
		if outp.Item != nil {
			c.ItemsRead = 1
		}
		c.ReadUnits = read(itemSize(outp.Item))
	case "Query", "Scan":
		size := 0
		for _, it := range outp.Items {
			size += itemSize(it)
		}
		c.ItemsRead = max(outp.ScannedCount, outp.Count, len(outp.Items))
		if c.ItemsRead > 0 { // a Query or Scan that reads nothing costs nothing
			c.ReadUnits = read(size)
		}
	case "BatchGetItem":
		var byTable map[string][]map[string]attr
		_ = json.Unmarshal(outp.Responses, &byTable)
		for _, items := range byTable {
			for _, it := range items {
				c.ItemsRead++
				// Each item is rounded up on its own, as in GetItem.
				c.ReadUnits += readUnitsFor(false)(itemSize(it))
			}
		}
	case "TransactGetItems":
		var inOrder []struct{ Item map[string]attr }
		_ = json.Unmarshal(outp.Responses, &inOrder)
		for _, r := range inOrder {
			if r.Item != nil {
				c.ItemsRead++
			}
			c.ReadUnits += 2 * readUnitsFor(true)(itemSize(r.Item))
		}
	case "PutItem", "UpdateItem", "DeleteItem":
		c.WriteUnits = writeUnits(in.writeSize())
	case "BatchWriteItem":
		for _, reqs := range in.RequestItems {
			for _, r := range reqs {
				switch {
				case r.PutRequest != nil:
					c.WriteUnits += writeUnits(itemSize(r.PutRequest.Item))
				case r.DeleteRequest != nil:
					c.WriteUnits += writeUnits(itemSize(r.DeleteRequest.Key))
				}
			}
		}
	case "TransactWriteItems":
		// A transaction does every write twice, prepare and commit: 2 units per
		// KB (DynamoDB Local reports one; AWS's documentation says two).
		for _, t := range in.TransactItems {
			for _, part := range []*request{t.Put, t.Update, t.Delete, t.ConditionCheck} {
				if part != nil {
					c.WriteUnits += 2 * writeUnits(part.writeSize())
				}
			}
		}
	}
	return c
}

// request holds the members of DynamoDB requests the meter reads. Items are
// decoded as attr values, so a body is read once, however deep its items.
type request struct {
	ConsistentRead            bool
	Item, Key                 map[string]attr
	ExpressionAttributeValues map[string]attr
	RequestItems              map[string][]struct {
		PutRequest    *struct{ Item map[string]attr }
		DeleteRequest *struct{ Key map[string]attr }
	}
	TransactItems []struct{ Put, Update, Delete, ConditionCheck *request }
}

// writeSize is the size a write is billed on: the item put, or (for an
// update or a delete, whose item the proxy does not see) the key and the
// values the request sends.
func (r request) writeSize() int {
	if r.Item != nil {
		return itemSize(r.Item)
	}
	return itemSize(r.Key) + itemSize(r.ExpressionAttributeValues)
}

type response struct {
	Item                map[string]attr
	Items               []map[string]attr
	Count, ScannedCount int
	// Responses holds BatchGetItem's items by table, or TransactGetItems'
	// items in the order of the request ([{"Item":...}, {}]): decoded by
	// operation.
	Responses json.RawMessage
}

// attr is one attribute value in DynamoDB JSON ({"S":"x"}, {"L":[...]}...):
// the member named for its type is set. Lists and maps hold attr values in
// turn, so one json.Unmarshal decodes a whole item.
type attr struct {
	S    string
	N    *string // set, even to "", when the value is a number
	B    string  // base64
	BOOL *bool   // set, even to false, when the value is a boolean
	NULL *bool
	SS   []string
	NS   []string
	BS   []string // base64
	L    []attr   // not nil, even empty, when the value is a list
	M    map[string]attr
}

// readUnitsFor rounds a read up to 4 KB units: one per unit when strongly
// consistent, half when eventually consistent. A GetItem of nothing still
// costs one unit (half).
func readUnitsFor(consistent bool) func(size int) float64 {
	return func(size int) float64 {
		u := max(1, math.Ceil(float64(size)/4096))
		if consistent {
			return u
		}
		return u / 2
	}
}

// writeUnits rounds a write up to 1 KB units, one at least.
func writeUnits(size int) float64 { return max(1, math.Ceil(float64(size)/1024)) }

// itemSize is an item's size by DynamoDB's rules: each attribute's name in
// UTF-8 bytes plus its value's size.
func itemSize(item map[string]attr) int {
	n := 0
	for name, v := range item {
		n += len(name) + v.size()
	}
	return n
}

// size is the size of one attribute value: a string its UTF-8 bytes, a
// number about one byte per two significant digits plus one, binary its
// bytes, a boolean or null one byte, a set the sum of its elements, a list or
// map 3 bytes plus one per element plus the elements (and a map's names).
func (v *attr) size() int {
	n := len(v.S) + binarySize(v.B)
	if v.N != nil {
		n += numberSize(*v.N)
	}
	if v.BOOL != nil {
		n++
	}
	if v.NULL != nil {
		n++
	}
	for _, s := range v.SS {
		n += len(s)
	}
	for _, s := range v.NS {
		n += numberSize(s)
	}
	for _, b := range v.BS {
		n += binarySize(b)
	}
	if v.L != nil {
		n += 3
		for i := range v.L {
			n += 1 + v.L[i].size()
		}
	}
	if v.M != nil {
		n += 3
		for k, e := range v.M {
			n += 1 + len(k) + e.size()
		}
	}
	return n
}

// binarySize is the bytes a base64 value decodes to (its length if it is not
// base64, which DynamoDB would have refused).
func binarySize(s string) int {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return len(s)
	}
	return len(b)
}

// numberSize: significant digits (leading and trailing zeros trimmed), one
// byte per two, plus one; a negative number one byte more.
func numberSize(s string) int {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	digits := strings.ReplaceAll(s, ".", "")
	digits = strings.TrimLeft(digits, "0")
	digits = strings.TrimRight(digits, "0")
	n := (utf8.RuneCountInString(digits)+1)/2 + 1
	if neg {
		n++
	}
	return n
}
