package dynamo

import (
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strings"

	"github.com/truora/minidyn/server"
)

// minidyn answers a Query by testing every key of the table against the key
// condition (core.Table.SearchData), so one page of 20 took 50 ms at 1,000
// items and seconds at 100,000. The front keeps its own index of each table's
// keys, partition by partition in DynamoDB's sort-key order, and answers the
// usual Query (partition key = value, at most one sort-key condition) from it:
// a binary search finds the range, and only the page's items are read from
// minidyn. Any other Query (a secondary index, an unusual expression, a bad
// value) takes minidyn's path as before, so its validation and answers stay.

// keyIndex is one table's keys: partition -> entries sorted by sort key.
type keyIndex struct {
	parts map[string][]sortEntry
}

// sortEntry is one item's place in its partition.
type sortEntry struct {
	s   string     // the S sort key
	n   *big.Float // the N sort key
	key obj        // the item's key as it was written (minidyn finds 1e3 only as 1e3)
}

// numPrec holds DynamoDB's 38 significant digits exactly.
const numPrec = 256

func newKeyIndex() *keyIndex { return &keyIndex{parts: map[string][]sortEntry{}} }

// indexable says whether the index serves m: key attributes of type S or N
// (B keys keep minidyn's path).
func indexable(m tableMeta) bool {
	for _, k := range m.KeySchema {
		if t := m.attrType(k.AttributeName); t != "S" && t != "N" {
			return false
		}
	}
	return len(m.KeySchema) > 0
}

// scalarOf is the S or N string of an AttributeValue of type typ.
func scalarOf(v any, typ string) (string, bool) {
	av, ok := v.(obj)
	if !ok || len(av) != 1 {
		return "", false
	}
	s, ok := av[typ].(string)
	if !ok || s == "" || (typ == "N" && !isNumber(s)) {
		return "", false
	}
	return s, true
}

// partitionOf names the partition of a hash key value; numbers by value, as
// minidyn's key condition compares them.
func partitionOf(s, typ string) string {
	if typ == "N" {
		f, _, _ := big.ParseFloat(strings.TrimSpace(s), 10, numPrec, big.ToNearestEven)
		return "N:" + f.Text('g', -1)
	}
	return "S:" + s
}

// entryOf is key's entry and partition, false when key is not a valid key of m.
func entryOf(m tableMeta, key obj) (string, sortEntry, bool) {
	hash := m.KeySchema[0].AttributeName
	hv, ok := scalarOf(key[hash], m.attrType(hash))
	if !ok {
		return "", sortEntry{}, false
	}
	e := sortEntry{key: obj{hash: key[hash]}}
	if len(m.KeySchema) > 1 {
		rng := m.KeySchema[1].AttributeName
		typ := m.attrType(rng)
		rv, ok := scalarOf(key[rng], typ)
		if !ok {
			return "", sortEntry{}, false
		}
		e.key[rng] = key[rng]
		e = withValue(e, rv, typ)
	}
	return partitionOf(hv, m.attrType(hash)), e, true
}

func withValue(e sortEntry, v, typ string) sortEntry {
	if typ == "N" {
		e.n, _, _ = big.ParseFloat(strings.TrimSpace(v), 10, numPrec, big.ToNearestEven)
	} else {
		e.s = v
	}
	return e
}

// canonical is the sort key by value.
func (e sortEntry) canonical() string {
	if e.n != nil {
		return e.n.Text('g', -1)
	}
	return e.s
}

// cmpValue orders by sort key only: strings by their UTF-8 bytes, numbers by value.
func cmpValue(a, b sortEntry) int {
	if a.n != nil && b.n != nil {
		return a.n.Cmp(b.n)
	}
	return strings.Compare(a.s, b.s)
}

// put records that the item of entry e exists (present) or not.
func (x *keyIndex) put(part string, e sortEntry, present bool) {
	list := x.parts[part]
	i, found := slices.BinarySearchFunc(list, e, cmpValue)
	switch {
	case present && !found:
		list = slices.Insert(list, i, e)
	case !present && found:
		list = slices.Delete(list, i, i+1)
	default:
		return
	}
	if len(list) == 0 {
		delete(x.parts, part)
		return
	}
	x.parts[part] = list
}

// reindex brings the key index up to date with the items a write op may have
// changed. After a write that succeeded, each key it names is present (a put
// or an update) or absent (a delete); after a failed one, each is read back
// from minidyn, so that a partial write is recorded as what it did.
func (h *embeddedHandler) reindex(op string, in obj, succeeded bool) {
	touch := func(table string, key any, present bool) {
		x, m := h.keys[table], h.tables[table]
		k, ok := key.(obj)
		if x == nil || !ok || !indexable(m) {
			return
		}
		part, e, ok := entryOf(m, k)
		if !ok {
			return // not a key: nothing was written
		}
		if !succeeded {
			present = h.current(table, m, e.key) != nil
		}
		x.put(part, e, present)
	}
	table, _ := in["TableName"].(string)
	switch op {
	case "PutItem":
		touch(table, in["Item"], true)
	case "UpdateItem":
		touch(table, in["Key"], true) // an update creates the item it names
	case "DeleteItem":
		touch(table, in["Key"], false)
	case "BatchWriteItem":
		reqs, _ := in["RequestItems"].(obj)
		for t, v := range reqs {
			for _, r := range listOf(v) {
				p, _ := r["PutRequest"].(obj)
				d, _ := r["DeleteRequest"].(obj)
				touch(t, p["Item"], true)
				touch(t, d["Key"], false)
			}
		}
	case "TransactWriteItems":
		for _, x := range listOf(in["TransactItems"]) {
			for kind, v := range x {
				w, _ := v.(obj)
				t, _ := w["TableName"].(string)
				switch kind {
				case "Put":
					touch(t, w["Item"], true)
				case "Update":
					touch(t, w["Key"], true)
				case "Delete":
					touch(t, w["Key"], false)
				}
			}
		}
	}
}

// keyRange is a Query the index answers: a partition, and the entries
// [from, to) of it in sort-key order.
type keyRange struct {
	part     string
	entries  []sortEntry
	from, to int
	forward  bool
}

// keyCondToken splits a key condition: names (#0, as the SDK's expression
// package writes them, or pk), values (:0), operators.
var keyCondToken = regexp.MustCompile(`#[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*|:[A-Za-z0-9_]+|<=|>=|<>|[=<>(),]|\S`)

// planQuery returns the range of the table's index that a Query in reads,
// false when the Query is not one the index answers (minidyn's path then), or
// DynamoDB's error for a key value of the wrong type.
func (h *embeddedHandler) planQuery(table string, m tableMeta, in obj) (keyRange, bool, *apiError) {
	var typeErr *apiError
	x := h.keys[table]
	if x == nil || !indexable(m) || in["IndexName"] != nil || in["Segment"] != nil || in["TotalSegments"] != nil {
		return keyRange{}, false, typeErr
	}
	for _, f := range []string{"ScanIndexForward", "ConsistentRead"} {
		if _, ok := in[f].(bool); in[f] != nil && !ok {
			return keyRange{}, false, typeErr
		}
	}
	kc, _ := in["KeyConditionExpression"].(string)
	names, _ := in["ExpressionAttributeNames"].(obj)
	values, _ := in["ExpressionAttributeValues"].(obj)
	toks := keyCondToken.FindAllString(kc, -1)

	hash := m.KeySchema[0].AttributeName
	rng, rngType := "", ""
	if len(m.KeySchema) > 1 {
		rng = m.KeySchema[1].AttributeName
		rngType = m.attrType(rng)
	}
	name := func(tok string) string {
		if strings.HasPrefix(tok, "#") {
			s, _ := names[tok].(string)
			return s
		}
		if strings.HasPrefix(tok, ":") {
			return ""
		}
		return tok
	}
	value := func(tok, typ string) (string, bool) {
		if !strings.HasPrefix(tok, ":") {
			return "", false
		}
		if av, ok := values[tok].(obj); ok && len(av) == 1 && valueType(av) != typ && slices.Contains(avTypes, valueType(av)) {
			typeErr = invalid("One or more parameter values were invalid: Condition parameter type does not match schema type")
		}
		return scalarOf(values[tok], typ)
	}

	// One or two conditions joined by AND: the partition key's, and the sort key's.
	var hashValue string
	var cond []string // the sort-key condition's tokens
	for len(toks) > 0 {
		var c []string
		if toks[0] == "(" { // the expression package writes (#0 = :0) AND (#1 > :1)
			n := condLen(toks[1:])
			if n == 0 || len(toks) < n+2 || toks[n+1] != ")" {
				return keyRange{}, false, typeErr
			}
			c, toks = toks[1:n+1], toks[n+2:]
		} else {
			n := condLen(toks)
			if n == 0 {
				return keyRange{}, false, typeErr
			}
			c, toks = toks[:n], toks[n:]
		}
		if len(toks) > 0 {
			if toks[0] != "AND" || len(toks) == 1 {
				return keyRange{}, false, typeErr
			}
			toks = toks[1:]
		}
		switch {
		case len(c) == 3 && c[1] == "=" && name(c[0]) == hash && hashValue == "":
			v, ok := value(c[2], m.attrType(hash))
			if !ok {
				return keyRange{}, false, typeErr
			}
			hashValue = v
		case rng != "" && cond == nil:
			cond = c
		default:
			return keyRange{}, false, typeErr
		}
	}
	if hashValue == "" {
		return keyRange{}, false, typeErr
	}
	list := x.parts[partitionOf(hashValue, m.attrType(hash))]
	r := keyRange{part: partitionOf(hashValue, m.attrType(hash)), entries: list, to: len(list), forward: in["ScanIndexForward"] != false}
	inRange := func(sortEntry) bool { return true } // the sort-key condition
	lower := func(v sortEntry) int {                // first entry >= v
		i, _ := slices.BinarySearchFunc(list, v, cmpValue)
		return i
	}
	upper := func(v sortEntry) int { // first entry > v
		i, _ := slices.BinarySearchFunc(list, v, func(e, v sortEntry) int {
			if cmpValue(e, v) <= 0 {
				return -1
			}
			return 1
		})
		return i
	}
	sortValue := func(tok string) (sortEntry, bool) {
		v, ok := value(tok, rngType)
		return withValue(sortEntry{}, v, rngType), ok
	}
	switch {
	case cond == nil:
	case len(cond) == 3 && name(cond[0]) == rng:
		v, ok := sortValue(cond[2])
		if !ok {
			return keyRange{}, false, typeErr
		}
		ops := map[string]func(c int) bool{
			"=": func(c int) bool { return c == 0 }, "<": func(c int) bool { return c < 0 }, "<=": func(c int) bool { return c <= 0 },
			">": func(c int) bool { return c > 0 }, ">=": func(c int) bool { return c >= 0 },
		}
		test, ok := ops[cond[1]]
		if !ok {
			return keyRange{}, false, typeErr
		}
		inRange = func(e sortEntry) bool { return test(cmpValue(e, v)) }
		switch cond[1] {
		case "=":
			r.from, r.to = lower(v), upper(v)
		case "<":
			r.to = lower(v)
		case "<=":
			r.to = upper(v)
		case ">":
			r.from = upper(v)
		case ">=":
			r.from = lower(v)
		}
	case len(cond) == 5 && name(cond[0]) == rng && cond[1] == "BETWEEN" && cond[3] == "AND":
		lo, ok1 := sortValue(cond[2])
		hi, ok2 := sortValue(cond[4])
		if !ok1 || !ok2 || cmpValue(lo, hi) > 0 {
			return keyRange{}, false, typeErr // DynamoDB refuses it; minidyn's path answers
		}
		inRange = func(e sortEntry) bool { return cmpValue(e, lo) >= 0 && cmpValue(e, hi) <= 0 }
		r.from, r.to = lower(lo), upper(hi)
	case len(cond) == 6 && cond[0] == "begins_with" && cond[1] == "(" && name(cond[2]) == rng && cond[3] == "," && cond[5] == ")" && rngType == "S":
		p, ok := value(cond[4], "S")
		if !ok {
			return keyRange{}, false, typeErr
		}
		inRange = func(e sortEntry) bool { return strings.HasPrefix(e.s, p) }
		r.from = lower(sortEntry{s: p})
		r.to = r.from + slices.IndexFunc(list[r.from:], func(e sortEntry) bool { return !strings.HasPrefix(e.s, p) })
		if r.to < r.from {
			r.to = len(list)
		}
	default:
		return keyRange{}, false, typeErr
	}
	r.to = max(r.to, r.from)

	// ExclusiveStartKey: a key of this partition inside the range; the page
	// starts after its place, whether the item still exists or not.
	if esk, ok := in["ExclusiveStartKey"]; ok {
		k, ok := esk.(obj)
		if !ok || len(k) != len(m.KeySchema) {
			return keyRange{}, false, typeErr
		}
		part, e, ok := entryOf(m, k)
		if !ok || part != partitionOf(hashValue, m.attrType(hash)) || !inRange(e) {
			return keyRange{}, false, typeErr
		}
		i, found := slices.BinarySearchFunc(list, e, cmpValue)
		if r.forward {
			if found {
				i++
			}
			r.from = i
		} else {
			r.to = i
		}
	}
	return r, true, nil
}

// condLen is how many tokens the condition at the start of toks takes: a op
// b, a BETWEEN b AND c, or begins_with(a, b); 0 if none of them.
func condLen(toks []string) int {
	switch {
	case len(toks) >= 6 && toks[0] == "begins_with" && toks[1] == "(":
		return 6
	case len(toks) >= 5 && toks[1] == "BETWEEN":
		return 5
	case len(toks) >= 3:
		return 3
	}
	return 0
}

// readRange reads the range's items in order, chunk by chunk, until take says stop.
func (h *embeddedHandler) readRange(table string, r keyRange, take func(obj) bool) *apiError {
	const chunk = 100 // BatchGetItem's limit
	for done := false; !done && r.from < r.to; {
		var keys []sortEntry
		if r.forward {
			keys = r.entries[r.from:min(r.from+chunk, r.to)]
			r.from += len(keys)
		} else {
			keys = slices.Clone(r.entries[max(r.to-chunk, r.from):r.to])
			slices.Reverse(keys)
			r.to -= len(keys)
		}
		list := make([]any, len(keys))
		for i, e := range keys {
			list[i] = e.key
		}
		out, err := h.callRaw("BatchGetItem", obj{"RequestItems": obj{table: obj{"Keys": list, "ConsistentRead": true}}})
		if err != nil {
			return err
		}
		responses, _ := out["Responses"].(obj)
		// minidyn writes numbers back in its own form (1e3 as 1000): match by value.
		got := map[string]obj{}
		m := h.tables[table]
		for _, it := range listOf(responses[table]) {
			if part, e, ok := entryOf(m, it); ok {
				got[part+"|"+e.canonical()] = it
			}
		}
		for _, e := range keys {
			if it, ok := got[r.part+"|"+e.canonical()]; ok && !take(it) {
				done = true
				break
			}
		}
	}
	return nil
}

// filterPage runs the FilterExpression of q on the page's items only, in a
// scratch minidyn, 100 items at a time: which items match, by keyOf.
func filterPage(m tableMeta, page []obj, q obj) (map[string]bool, *apiError) {
	ok := map[string]bool{}
	f, _ := q["FilterExpression"].(string)
	scan := obj{"TableName": "scratch", "FilterExpression": f}
	prune(scan, q, f)
	for lo := 0; lo < len(page); lo += 100 {
		part := page[lo:min(lo+100, len(page))]
		scratch, err := scratchTable(m)
		if err != nil {
			return nil, err
		}
		for _, it := range part {
			if _, err := scratch.callRaw("PutItem", obj{"TableName": "scratch", "Item": it}); err != nil {
				return nil, err
			}
		}
		out, err := scratch.callRaw("Scan", maps.Clone(scan))
		switch {
		case err != nil && strings.Contains(err.msg, "is not supported for path="):
			each, err := filterEach(m, part, scan)
			if err != nil {
				return nil, err
			}
			maps.Copy(ok, each)
			continue
		case err != nil && strings.HasPrefix(err.msg, "Syntax error"):
			return nil, syntaxError(q, err.msg)
		case err != nil:
			return nil, err
		}
		for _, it := range listOf(out["Items"]) {
			ok[keyOf(m, it)] = true
		}
	}
	return ok, nil
}

// scratchTable is a minidyn of one empty table named scratch with m's key.
func scratchTable(m tableMeta) (*embeddedHandler, *apiError) {
	scratch := &embeddedHandler{next: server.NewServer(), tables: map[string]tableMeta{}}
	if _, err := scratch.callRaw("CreateTable", createRequest("scratch", m)); err != nil {
		return nil, err
	}
	return scratch, nil
}
