package dynamo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"math/big"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/truora/minidyn/interpreter/language"
)

// The front of the embedded backend: item operations are validated here with
// DynamoDB's rules and texts before minidyn runs them, and minidyn's answers are
// completed as DynamoDB answers (ReturnValues, ScannedCount, Limit with a filter,
// UnprocessedItems, ConsumedCapacity). A layer rather than a replacement: the
// differential suite (conformance_test.go) showed minidyn's storage, expressions and
// transactions right once the requests reaching it are valid; what it lacks is
// validation and the answer's envelope, which is what this file adds.

// Error types as DynamoDB names them on the wire.
const (
	typeValidation    = "com.amazon.coral.validate#ValidationException"
	typeSerialization = "com.amazon.coral.service#SerializationException"
	typeDynamoDB      = "com.amazonaws.dynamodb.v20120810#"
)

// apiError is an answer DynamoDB gives with a 4xx or 5xx status.
type apiError struct {
	status int
	typ    string
	msg    string
	extra  map[string]any // e.g. CancellationReasons
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

func invalid(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: typeValidation, msg: fmt.Sprintf(format, args...)}
}

func notFound() *apiError {
	return &apiError{status: http.StatusBadRequest, typ: typeDynamoDB + "ResourceNotFoundException", msg: "Cannot do operations on a non-existent table"}
}

func serialization(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: typeSerialization, msg: msg}
}

func writeErr(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"__type": e.typ, "message": e.msg}
	maps.Copy(body, e.extra)
	writeJSON(w, e.status, body)
}

// obj is a decoded request or item; numbers stay json.Number.
type obj = map[string]any

// itemOp answers one item operation.
func (h *embeddedHandler) itemOp(w http.ResponseWriter, r *http.Request, op string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeErr(w, serialization("cannot read the request body: "+err.Error()))
		return
	}
	var in obj
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil || in == nil {
		writeErr(w, serialization("the request body is not a JSON object"))
		return
	}
	dropMiscased(in)
	// One at a time: several operations here read before they write.
	h.mu.Lock()
	defer h.mu.Unlock()
	var out obj
	var aerr *apiError
	switch op {
	case "PutItem":
		out, aerr = h.putItem(in)
	case "GetItem":
		out, aerr = h.getItem(in)
	case "UpdateItem":
		out, aerr = h.updateItem(in)
	case "DeleteItem":
		out, aerr = h.deleteItem(in)
	case "Query", "Scan":
		out, aerr = h.read(op, in)
	case "BatchWriteItem":
		out, aerr = h.batchWrite(in)
	case "BatchGetItem":
		out, aerr = h.batchGet(in)
	case "TransactWriteItems":
		out, aerr = h.transactWrite(in)
	case "TransactGetItems":
		out, aerr = h.transactGet(in)
	default:
		out, aerr = h.call(op, in)
	}
	h.reindex(op, in, aerr == nil) // front_query.go
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// members are the request fields of the item operations. DynamoDB's names are
// case-sensitive and Go's JSON decoder (minidyn's) is not, so a field spelt in
// another case (ConditionEXpression) is dropped here rather than reaching minidyn
// unchecked.
var members = []string{
	"TableName", "Item", "Key", "ReturnValues", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics",
	"ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues", "Expected",
	"ConditionalOperator", "UpdateExpression", "AttributeUpdates", "ProjectionExpression",
	"AttributesToGet", "ConsistentRead", "IndexName", "KeyConditionExpression", "KeyConditions",
	"FilterExpression", "QueryFilter", "ScanFilter", "Limit", "ExclusiveStartKey", "ScanIndexForward",
	"Select", "Segment", "TotalSegments", "RequestItems", "TransactItems", "ClientRequestToken",
	"ReturnValuesOnConditionCheckFailure",
}

func dropMiscased(in obj) {
	for k := range in {
		if !slices.Contains(members, k) {
			delete(in, k)
		}
	}
}

// call runs op on minidyn and turns its errors into DynamoDB's.
func (h *embeddedHandler) call(op string, in obj) (obj, *apiError) {
	out, err := h.callRaw(op, in)
	if err != nil && strings.HasPrefix(err.msg, "Syntax error") {
		return nil, syntaxError(in, err.msg)
	}
	return out, err
}

func (h *embeddedHandler) callRaw(op string, in obj) (obj, *apiError) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, serialization(err.Error())
	}
	req, _ := http.NewRequest(http.MethodPost, "/", bytes.NewReader(b))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	h.next.ServeHTTP(rec, req)
	var out obj
	dec := json.NewDecoder(&rec.body)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, &apiError{status: http.StatusInternalServerError, typ: typeDynamoDB + "InternalServerError", msg: "Internal server error"}
	}
	if rec.status == http.StatusOK {
		return out, nil
	}
	return nil, minidynError(rec.status, out)
}

// minidynError turns an error answer of minidyn into DynamoDB's.
func minidynError(status int, out obj) *apiError {
	typ, _ := out["__type"].(string)
	msg, _ := out["message"].(string)
	delete(out, "__type")
	delete(out, "message")
	e := &apiError{status: status, typ: typeDynamoDB + typ, msg: msg, extra: out}
	switch {
	case typ == "ValidationException":
		e.typ = typeValidation
		// minidyn adds "; field: ..." details DynamoDB does not give.
		if i := strings.Index(msg, "; "); i > 0 && !strings.HasPrefix(msg, "Invalid") {
			e.msg = msg[:i]
		}
		e.msg = strings.TrimSuffix(e.msg, ".")
	case typ == "InternalFailure" && strings.HasPrefix(msg, "json: "):
		return serialization(strings.TrimPrefix(msg, "json: "))
	case typ == "TransactionCanceledException":
		var codes []string
		reasons, _ := out["CancellationReasons"].([]any)
		for _, r := range reasons {
			reason, _ := r.(obj)
			c, _ := reason["Code"].(string)
			codes = append(codes, c)
			// DynamoDB ends the reason's message with a full stop.
			if m, ok := reason["Message"].(string); ok && !strings.HasSuffix(m, ".") {
				reason["Message"] = m + "."
			}
		}
		e.msg = "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"
	}
	return e
}

// --- tables ---

var tableNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

const badTableName = "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'"

// table checks the TableName of in and returns what the layer knows of it.
func (h *embeddedHandler) table(in obj) (string, *apiError) {
	switch v := in["TableName"].(type) {
	case nil:
		return "", invalid("Value null at 'tableName' failed to satisfy constraint: Member must not be null")
	case string:
		if !tableNameRE.MatchString(v) {
			return "", invalid(badTableName)
		}
		return v, nil
	case json.Number:
		in["TableName"] = v.String()
		return "", invalid(badTableName)
	default:
		return "", serialization("TableName must be a string")
	}
}

func (h *embeddedHandler) meta(name string) (tableMeta, *apiError) {
	m, ok := h.tables[name]
	if !ok {
		return m, notFound()
	}
	return m, nil
}

// attrType is the declared type of a key attribute.
func (m tableMeta) attrType(name string) string {
	var defs []struct{ AttributeName, AttributeType string }
	_ = json.Unmarshal(m.AttributeDefinitions, &defs)
	for _, d := range defs {
		if d.AttributeName == name {
			return d.AttributeType
		}
	}
	return ""
}

// keyNames are the table's key attributes and, with index, the index's too.
func (m tableMeta) keyNames(index string) []string {
	var names []string
	for _, k := range m.KeySchema {
		names = append(names, k.AttributeName)
	}
	for _, k := range m.Indexes[index].KeySchema {
		if !slices.Contains(names, k.AttributeName) {
			names = append(names, k.AttributeName)
		}
	}
	return names
}

// --- attribute values ---

var avTypes = []string{"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}

// checkValue checks one AttributeValue as DynamoDB does.
func checkValue(v any) *apiError {
	av, ok := v.(obj)
	if !ok {
		return serialization("an AttributeValue must be a JSON object")
	}
	n := 0
	for _, t := range avTypes {
		if _, ok := av[t]; ok {
			n++
		}
	}
	switch {
	case n == 0:
		return invalid("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
	case n > 1:
		return invalid("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
	}
	for t, e := range av {
		switch t {
		case "N":
			if s, ok := e.(string); !ok || !isNumber(s) {
				return invalid("A value provided cannot be converted into a number")
			}
		case "SS", "NS", "BS":
			list, ok := e.([]any)
			if !ok {
				return serialization(t + " must be a list")
			}
			if len(list) == 0 {
				kind := map[string]string{"SS": "string", "NS": "number", "BS": "binary"}[t]
				return invalid("One or more parameter values were invalid: An %s set  may not be empty", kind)
			}
			seen := map[string]bool{}
			var strs []string
			for _, x := range list {
				s, _ := x.(string)
				if t == "NS" && !isNumber(s) {
					return invalid("A value provided cannot be converted into a number")
				}
				strs = append(strs, s)
				if seen[s] {
					return invalid("One or more parameter values were invalid: Input collection [%s] contains duplicates", strings.Join(strs, ", ")+rest(list, len(strs)))
				}
				seen[s] = true
			}
		case "M":
			m, ok := e.(obj)
			if !ok {
				return serialization("M must be an object")
			}
			for _, x := range m {
				if err := checkValue(x); err != nil {
					return err
				}
			}
		case "L":
			l, ok := e.([]any)
			if !ok {
				return serialization("L must be a list")
			}
			for _, x := range l {
				if err := checkValue(x); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// rest formats the list elements after the first n, for the duplicates message.
func rest(list []any, n int) string {
	var b strings.Builder
	for _, x := range list[n:] {
		fmt.Fprintf(&b, ", %v", x)
	}
	return b.String()
}

func isNumber(s string) bool {
	_, ok := new(big.Float).SetString(strings.TrimSpace(s))
	return ok && s != "" && !strings.ContainsAny(s, "xXpP_") && !strings.EqualFold(strings.TrimLeft(s, "+-"), "inf") && !strings.EqualFold(strings.TrimLeft(s, "+-"), "infinity")
}

// checkMap checks every value of an item or key.
func checkMap(v any, field string) (obj, *apiError) {
	m, ok := v.(obj)
	if !ok {
		return nil, serialization(field + " must be a JSON object")
	}
	for _, x := range m {
		if err := checkValue(x); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func valueType(v any) string {
	for t := range v.(obj) {
		return t
	}
	return ""
}

func emptyScalar(v any) bool {
	av := v.(obj)
	s, isS := av["S"].(string)
	b, isB := av["B"].(string)
	return (isS && s == "") || (isB && b == "")
}

const emptyKey = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: %s"

// checkItemKeys checks an item's key attributes, the table's and its indexes'.
func checkItemKeys(m tableMeta, item obj) *apiError {
	for _, k := range m.KeySchema {
		v, ok := item[k.AttributeName]
		if !ok {
			return invalid("One or more parameter values were invalid: Missing the key %s in the item", k.AttributeName)
		}
		want := m.attrType(k.AttributeName)
		if got := valueType(v); got != want {
			return invalid("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", k.AttributeName, want, got)
		}
		if emptyScalar(v) {
			return invalid(emptyKey, k.AttributeName)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.Indexes)) {
		for _, k := range m.Indexes[name].KeySchema {
			v, ok := item[k.AttributeName]
			if !ok || slices.ContainsFunc(m.KeySchema, func(e keyElement) bool { return e.AttributeName == k.AttributeName }) {
				continue
			}
			want := m.attrType(k.AttributeName)
			if got := valueType(v); got != want {
				return invalid("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s", k.AttributeName, want, got, name)
			}
			if emptyScalar(v) {
				return invalid("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: %s, IndexKey: %s", name, k.AttributeName)
			}
		}
	}
	return nil
}

// checkKey checks a Key against the table's key schema.
func checkKey(m tableMeta, key obj) *apiError {
	for _, k := range m.KeySchema {
		if v, ok := key[k.AttributeName]; ok && emptyScalar(v) {
			return invalid(emptyKey, k.AttributeName)
		}
	}
	if len(key) != len(m.KeySchema) {
		return invalid("The provided key element does not match the schema")
	}
	for _, k := range m.KeySchema {
		v, ok := key[k.AttributeName]
		if !ok || valueType(v) != m.attrType(k.AttributeName) {
			return invalid("The provided key element does not match the schema")
		}
	}
	return nil
}

// keyAttrs is the attributes of item that schema names: its key.
func keyAttrs(schema []keyElement, item obj) obj {
	k := obj{}
	for _, e := range schema {
		k[e.AttributeName] = item[e.AttributeName]
	}
	return k
}

// keyString is the key of item under schema as a comparable string.
func keyString(schema []keyElement, item obj) string {
	b, _ := json.Marshal(keyAttrs(schema, item))
	return string(b)
}

// keyOf is the table key of item as a comparable string.
func keyOf(m tableMeta, item obj) string { return keyString(m.KeySchema, item) }

// --- item size and capacity ---

// itemSize is an item's size by DynamoDB's rules: names plus values, numbers by
// their significant digits, 3 bytes per list or map plus 1 per element.
func itemSize(item obj) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v any) int {
	av, _ := v.(obj)
	for t, e := range av {
		switch t {
		case "S":
			s, _ := e.(string)
			return len(s)
		case "B":
			s, _ := e.(string)
			return len(s) * 3 / 4
		case "N":
			s, _ := e.(string)
			return numberSize(s)
		case "BOOL", "NULL":
			return 1
		case "SS", "BS", "NS":
			n := 0
			l, _ := e.([]any)
			for _, x := range l {
				s, _ := x.(string)
				switch t {
				case "NS":
					n += numberSize(s)
				case "BS":
					n += len(s) * 3 / 4
				default:
					n += len(s)
				}
			}
			return n
		case "M":
			m, _ := e.(obj)
			n := 3
			for k, x := range m {
				n += len(k) + valueSize(x) + 1
			}
			return n
		case "L":
			l, _ := e.([]any)
			n := 3
			for _, x := range l {
				n += valueSize(x) + 1
			}
			return n
		}
	}
	return 0
}

func numberSize(s string) int {
	digits := strings.Trim(strings.NewReplacer("-", "", "+", "", ".", "").Replace(strings.SplitN(strings.ToLower(s), "e", 2)[0]), "0")
	return (len(digits)+1)/2 + 1
}

const maxItemSize = 400 * 1024

// capacity is DynamoDB's on-demand ConsumedCapacity for the units of one call.
type capacity struct {
	table   string
	units   float64            // the table's
	indexes map[string]float64 // global secondary indexes'
}

func (c capacity) answer(mode any) any {
	total := c.units
	for _, u := range c.indexes {
		total += u
	}
	out := obj{"TableName": c.table, "CapacityUnits": total}
	if mode == "INDEXES" {
		out["Table"] = obj{"CapacityUnits": c.units}
		if len(c.indexes) > 0 {
			gsi := obj{}
			for k, u := range c.indexes {
				gsi[k] = obj{"CapacityUnits": u}
			}
			out["GlobalSecondaryIndexes"] = gsi
		}
	}
	return out
}

func wantCapacity(in obj) bool {
	m := in["ReturnConsumedCapacity"]
	return m == "TOTAL" || m == "INDEXES"
}

// writeUnits: one unit per KB of the larger of the old and new item.
func writeUnits(sizes ...int) float64 {
	return math.Max(1, math.Ceil(float64(slices.Max(sizes))/1024))
}

// readUnits: one unit per 4 KB read, half of it for an eventually consistent read.
func readUnits(size int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// writeCapacity counts the table write and one per global index the old or new
// item is in.
func writeCapacity(m tableMeta, table string, old, item obj) capacity {
	c := capacity{table: table, units: writeUnits(itemSize(old), itemSize(item)), indexes: map[string]float64{}}
	for name, ix := range m.Indexes {
		if !ix.Global {
			continue
		}
		in := func(it obj) bool {
			for _, k := range ix.KeySchema {
				if _, ok := it[k.AttributeName]; !ok {
					return false
				}
			}
			return len(it) > 0
		}
		switch {
		case in(old) && in(item):
			if keyString(ix.KeySchema, old) != keyString(ix.KeySchema, item) {
				c.indexes[name] = 2 // a delete and a put in the index
			} else {
				c.indexes[name] = writeUnits(itemSize(old), itemSize(item))
			}
		case in(old):
			c.indexes[name] = writeUnits(itemSize(old))
		case in(item):
			c.indexes[name] = writeUnits(itemSize(item))
		}
	}
	return c
}

// --- expressions ---

// funcArity is how many operands each expression function takes; minidyn
// panics on a call with too few.
var funcArity = map[string]int{
	"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2,
	"contains": 2, "size": 1, "if_not_exists": 2, "list_append": 2,
}

var funcRE = regexp.MustCompile(`\b(attribute_exists|attribute_not_exists|attribute_type|begins_with|contains|size|if_not_exists|list_append)\s*\(([^()]*)\)`)

var (
	valueRef = regexp.MustCompile(`:[A-Za-z0-9_]+`)
	nameRef  = regexp.MustCompile(`#[A-Za-z0-9_]+`)
)

// checkRefs checks that every :value and #name the expressions use is defined.
// exprs are field names of in, in DynamoDB's order of checking.
func checkRefs(in obj, exprs ...string) *apiError {
	values, _ := in["ExpressionAttributeValues"].(obj)
	names, _ := in["ExpressionAttributeNames"].(obj)
	for _, field := range exprs {
		e, _ := in[field].(string)
		for _, m := range funcRE.FindAllStringSubmatch(e, -1) {
			n := 0
			if strings.TrimSpace(m[2]) != "" {
				n = strings.Count(m[2], ",") + 1
			}
			if n != funcArity[m[1]] {
				return invalid("Invalid %s: Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", field, m[1], n)
			}
		}
		if w := reservedIn(e, field == "UpdateExpression"); w != "" {
			return invalid("Invalid %s: Attribute name is a reserved keyword; reserved keyword: %s", field, w)
		}
		for _, ref := range nameRef.FindAllString(e, -1) {
			if _, ok := names[ref]; !ok {
				return invalid("Invalid %s: An expression attribute name used in the document path is not defined; attribute name: %s", field, ref)
			}
		}
		for _, ref := range valueRef.FindAllString(e, -1) {
			if _, ok := values[ref]; !ok {
				return invalid("Invalid %s: An expression attribute value used in expression is not defined; attribute value: %s", field, ref)
			}
		}
	}
	for _, v := range values {
		if err := checkValue(v); err != nil {
			return err
		}
	}
	return nil
}

var identRE = regexp.MustCompile(`[#:]?[A-Za-z_][A-Za-z0-9_]*(\s*\()?`)

// reservedIn returns the first attribute name in expr that is one of DynamoDB's
// reserved words (these need an #alias), "" if none. As DynamoDB Local, only a
// path's first name is checked (m.size is accepted).
func reservedIn(expr string, update bool) string {
	for _, loc := range identRE.FindAllStringIndex(expr, -1) {
		tok := expr[loc[0]:loc[1]]
		if loc[0] > 0 && expr[loc[0]-1] == '.' {
			continue
		}
		if tok[0] == '#' || tok[0] == ':' || strings.HasSuffix(tok, "(") {
			continue
		}
		switch strings.ToUpper(tok) {
		case "AND", "OR", "NOT", "BETWEEN", "IN":
			continue
		case "SET", "REMOVE", "ADD", "DELETE":
			if update {
				continue
			}
		}
		if language.IsReservedWord(strings.ToUpper(tok)) {
			return tok
		}
	}
	return ""
}

// checkUnused refuses names and values no expression uses, as DynamoDB does.
func checkUnused(in obj, exprs ...string) *apiError {
	var all strings.Builder
	for _, e := range exprs {
		s, _ := in[e].(string)
		all.WriteString(s + " ")
	}
	for _, f := range []struct {
		field string
		re    *regexp.Regexp
	}{{"ExpressionAttributeNames", nameRef}, {"ExpressionAttributeValues", valueRef}} {
		m, _ := in[f.field].(obj)
		used := map[string]bool{}
		for _, ref := range f.re.FindAllString(all.String(), -1) {
			used[ref] = true
		}
		var unused []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !used[k] {
				unused = append(unused, k)
			}
		}
		if len(unused) > 0 {
			return invalid("Value provided in %s unused in expressions: keys: {%s}", f.field, strings.Join(unused, ", "))
		}
	}
	return nil
}

// legacy turns the parameters DynamoDB kept from before expressions into the
// expressions minidyn understands; mixing both kinds is refused as DynamoDB does.
func legacy(in obj, pairs ...[2]string) *apiError {
	for _, p := range pairs {
		old := p[0]
		if in[old] == nil {
			continue
		}
		for _, q := range pairs {
			if e := q[1]; in[e] != nil {
				return invalid("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {%s} Expression parameters: {%s}", old, e)
			}
		}
	}
	// One converter for all, with names and values of their own.
	names, _ := in["ExpressionAttributeNames"].(obj)
	values, _ := in["ExpressionAttributeValues"].(obj)
	if names == nil {
		names = obj{}
	}
	if values == nil {
		values = obj{}
	}
	n := 0
	name := func(a string) string {
		n++
		k := fmt.Sprintf("#legacy%d", n)
		names[k] = a
		return k
	}
	value := func(v any) string {
		n++
		k := fmt.Sprintf(":legacy%d", n)
		values[k] = v
		return k
	}
	used := false
	for _, p := range pairs {
		old, expr := p[0], p[1]
		src := in[old]
		if src == nil {
			continue
		}
		delete(in, old)
		used = true
		switch old {
		case "AttributesToGet":
			var parts []string
			l, _ := src.([]any)
			for _, a := range l {
				s, _ := a.(string)
				parts = append(parts, name(s))
			}
			in[expr] = strings.Join(parts, ", ")
		case "AttributeUpdates":
			var set, remove, add, del []string
			m, _ := src.(obj)
			for _, a := range slices.Sorted(maps.Keys(m)) {
				u, _ := m[a].(obj)
				action, _ := u["Action"].(string)
				switch {
				case action == "DELETE" && u["Value"] == nil:
					remove = append(remove, name(a))
				case action == "DELETE":
					del = append(del, name(a)+" "+value(u["Value"]))
				case action == "ADD":
					add = append(add, name(a)+" "+value(u["Value"]))
				default:
					set = append(set, name(a)+" = "+value(u["Value"]))
				}
			}
			var parts []string
			for _, c := range []struct {
				kw   string
				list []string
			}{{"SET", set}, {"REMOVE", remove}, {"ADD", add}, {"DELETE", del}} {
				if len(c.list) > 0 {
					parts = append(parts, c.kw+" "+strings.Join(c.list, ", "))
				}
			}
			in[expr] = strings.Join(parts, " ")
		default: // Expected, KeyConditions, QueryFilter, ScanFilter
			join := " AND "
			if in["ConditionalOperator"] == "OR" && old != "KeyConditions" {
				join = " OR "
			}
			m, _ := src.(obj)
			var parts []string
			for _, a := range slices.Sorted(maps.Keys(m)) {
				c, _ := m[a].(obj)
				parts = append(parts, legacyCondition(name(a), c, value))
			}
			in[expr] = strings.Join(parts, join)
		}
	}
	if used {
		delete(in, "ConditionalOperator")
		in["ExpressionAttributeNames"] = names
		if len(values) > 0 {
			in["ExpressionAttributeValues"] = values
		}
	}
	return nil
}

func legacyCondition(n string, c obj, value func(any) string) string {
	list, _ := c["AttributeValueList"].([]any)
	if op, ok := c["ComparisonOperator"].(string); ok {
		arg := func(i int) string {
			if i < len(list) {
				return value(list[i])
			}
			return value(obj{"NULL": true})
		}
		switch op {
		case "EQ", "NE", "LT", "LE", "GT", "GE":
			sym := map[string]string{"EQ": "=", "NE": "<>", "LT": "<", "LE": "<=", "GT": ">", "GE": ">="}[op]
			return n + " " + sym + " " + arg(0)
		case "NOT_NULL":
			return "attribute_exists(" + n + ")"
		case "NULL":
			return "attribute_not_exists(" + n + ")"
		case "CONTAINS":
			return "contains(" + n + ", " + arg(0) + ")"
		case "NOT_CONTAINS":
			return "NOT contains(" + n + ", " + arg(0) + ")"
		case "BEGINS_WITH":
			return "begins_with(" + n + ", " + arg(0) + ")"
		case "BETWEEN":
			return n + " BETWEEN " + arg(0) + " AND " + arg(1)
		case "IN":
			var vs []string
			for i := range list {
				vs = append(vs, arg(i))
			}
			return n + " IN (" + strings.Join(vs, ", ") + ")"
		}
	}
	if c["Exists"] == false {
		return "attribute_not_exists(" + n + ")"
	}
	if v, ok := c["Value"]; ok {
		return n + " = " + value(v)
	}
	return "attribute_exists(" + n + ")"
}

// checkReturnValues refuses a ReturnValues the operation does not take.
func checkReturnValues(in obj, allowed ...string) *apiError {
	rv, ok := in["ReturnValues"]
	if !ok {
		return nil
	}
	if s, _ := rv.(string); !slices.Contains(allowed, s) {
		return invalid("Return values set to invalid value")
	}
	return nil
}

// onlyWith refuses ExpressionAttributeValues/Names when no expression uses them.
func onlyWith(in obj, what string, exprs ...string) *apiError {
	for _, e := range exprs {
		if in[e] != nil {
			return nil
		}
	}
	if in["ExpressionAttributeValues"] != nil {
		return invalid("ExpressionAttributeValues can only be specified when using expressions: %s", what)
	}
	if in["ExpressionAttributeNames"] != nil {
		return invalid("ExpressionAttributeNames can only be specified when using expressions")
	}
	return nil
}
