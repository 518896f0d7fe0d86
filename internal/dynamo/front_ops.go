package dynamo

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The item operations of the front (see front.go): validate, run on minidyn,
// complete the answer.

// current reads the stored item with key, nil when there is none.
func (h *embeddedHandler) current(table string, m tableMeta, item obj) obj {
	out, err := h.call("GetItem", obj{"TableName": table, "Key": keyAttrs(m.KeySchema, item), "ConsistentRead": true})
	if err != nil {
		return nil
	}
	it, _ := out["Item"].(obj)
	return it
}

func (h *embeddedHandler) putItem(in obj) (obj, *apiError) {
	table, err := h.table(in)
	if err != nil {
		return nil, err
	}
	if in["Item"] == nil {
		return nil, invalid("Item to put in PutItem cannot be null")
	}
	item, err := checkMap(in["Item"], "Item")
	if err != nil {
		return nil, err
	}
	m, err := h.meta(table)
	if err != nil {
		return nil, err
	}
	if err := checkReturnValues(in, "NONE", "ALL_OLD"); err != nil {
		return nil, err
	}
	if err := checkItem(m, item); err != nil {
		return nil, err
	}
	if err := checkCondition(in); err != nil {
		return nil, err
	}
	old := h.current(table, m, item)
	if _, err := h.forward("PutItem", in, "ReturnValues"); err != nil {
		return nil, err
	}
	out := obj{}
	if in["ReturnValues"] == "ALL_OLD" && old != nil {
		out["Attributes"] = old
	}
	if wantCapacity(in) {
		out["ConsumedCapacity"] = writeCapacity(m, table, old, item).answer(in["ReturnConsumedCapacity"])
	}
	return out, nil
}

// keyed checks what GetItem, DeleteItem and UpdateItem share.
func (h *embeddedHandler) keyed(in obj) (string, tableMeta, obj, *apiError) {
	table, err := h.table(in)
	if err != nil {
		return "", tableMeta{}, nil, err
	}
	if in["Key"] == nil {
		return "", tableMeta{}, nil, invalid("Cannot have null key for GetItem, DeleteItem, or UpdateItem")
	}
	key, err := checkMap(in["Key"], "Key")
	if err != nil {
		return "", tableMeta{}, nil, err
	}
	m, err := h.meta(table)
	if err != nil {
		return "", tableMeta{}, nil, err
	}
	if err := checkKey(m, key); err != nil {
		return "", tableMeta{}, nil, err
	}
	return table, m, key, nil
}

func (h *embeddedHandler) getItem(in obj) (obj, *apiError) {
	table, m, key, err := h.keyed(in)
	if err != nil {
		return nil, err
	}
	if err := legacy(in, [2]string{"AttributesToGet", "ProjectionExpression"}); err != nil {
		return nil, err
	}
	if err := checkRefs(in, "ProjectionExpression"); err != nil {
		return nil, err
	}
	if err := checkUnused(in, "ProjectionExpression"); err != nil {
		return nil, err
	}
	// The projection is done here: minidyn's panics on a list index past the end.
	out, err := h.call("GetItem", obj{"TableName": table, "Key": key, "ConsistentRead": in["ConsistentRead"]})
	if err != nil {
		return nil, err
	}
	if p, ok := in["ProjectionExpression"].(string); ok && p != "" && out["Item"] != nil {
		out["Item"] = project(out["Item"].(obj), p, in)
	}
	if wantCapacity(in) {
		full := h.current(table, m, key)
		consistent, _ := in["ConsistentRead"].(bool)
		out["ConsumedCapacity"] = capacity{table: table, units: readUnits(itemSize(full), consistent)}.answer(in["ReturnConsumedCapacity"])
	}
	return out, nil
}

func (h *embeddedHandler) deleteItem(in obj) (obj, *apiError) {
	table, m, key, err := h.keyed(in)
	if err != nil {
		return nil, err
	}
	if err := checkReturnValues(in, "NONE", "ALL_OLD"); err != nil {
		return nil, err
	}
	if err := checkCondition(in); err != nil {
		return nil, err
	}
	old := h.current(table, m, key)
	out, err := h.forward("DeleteItem", in)
	if err != nil {
		return nil, err
	}
	if in["ReturnValues"] != "ALL_OLD" || old == nil {
		delete(out, "Attributes")
	}
	if wantCapacity(in) {
		out["ConsumedCapacity"] = writeCapacity(m, table, old, nil).answer(in["ReturnConsumedCapacity"])
	}
	return out, nil
}

func (h *embeddedHandler) updateItem(in obj) (obj, *apiError) {
	table, m, key, err := h.keyed(in)
	if err != nil {
		return nil, err
	}
	if err := checkReturnValues(in, "NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"); err != nil {
		return nil, err
	}
	if err := legacy(in, [2]string{"AttributeUpdates", "UpdateExpression"}, [2]string{"Expected", "ConditionExpression"}); err != nil {
		return nil, err
	}
	if err := checkRefs(in, "UpdateExpression", "ConditionExpression"); err != nil {
		return nil, err
	}
	old := h.current(table, m, key)
	out, err := h.forward("UpdateItem", in)
	if err != nil {
		return nil, err
	}
	updated := h.current(table, m, key)
	if itemSize(updated) > maxItemSize {
		// minidyn has no size limit: put the item back as it was.
		if old != nil {
			_, err = h.call("PutItem", obj{"TableName": table, "Item": old})
		} else {
			_, err = h.call("DeleteItem", obj{"TableName": table, "Key": key})
		}
		if err != nil {
			return nil, err
		}
		return nil, invalid("Item size to update has exceeded the maximum allowed size")
	}
	if wantCapacity(in) {
		out["ConsumedCapacity"] = writeCapacity(m, table, old, updated).answer(in["ReturnConsumedCapacity"])
	}
	return out, nil
}

// read answers Query and Scan. The key index (front_query.go) or minidyn reads
// the items in order (without Limit, filter or projection); the page (Limit, 1 MB),
// the filter (run by minidyn on the same items), the projection and the counts are
// done here, as DynamoDB does: Limit counts items read, not items matched.
func (h *embeddedHandler) read(op string, in obj) (obj, *apiError) {
	table, err := h.table(in)
	if err != nil {
		return nil, err
	}
	if op == "Query" {
		err = legacy(in, [2]string{"KeyConditions", "KeyConditionExpression"}, [2]string{"QueryFilter", "FilterExpression"}, [2]string{"AttributesToGet", "ProjectionExpression"})
	} else {
		err = legacy(in, [2]string{"ScanFilter", "FilterExpression"}, [2]string{"AttributesToGet", "ProjectionExpression"})
	}
	if err != nil {
		return nil, err
	}
	limit := 0
	if l, ok := in["Limit"]; ok {
		n, perr := strconv.Atoi(strings.Trim(jsonText(l), `"`))
		if perr != nil {
			return nil, serialization("Limit must be a number")
		}
		if n < 1 {
			return nil, invalid("Limit must be greater than or equal to 1")
		}
		limit = n
		in["Limit"] = n
	}
	if op == "Scan" && in["Segment"] != nil && in["TotalSegments"] == nil {
		return nil, invalid("If segment is specified, total segment must also be specified")
	}
	m, err := h.meta(table)
	if err != nil {
		return nil, err
	}
	index, _ := in["IndexName"].(string)
	if _, ok := m.Indexes[index]; index != "" && !ok {
		return nil, invalid("The table does not have the specified index: %s", index)
	}
	exprs := []string{"FilterExpression", "ProjectionExpression"}
	if op == "Query" {
		kc, _ := in["KeyConditionExpression"].(string)
		if kc == "" {
			return nil, invalid("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
		}
		hash := m.KeySchema[0].AttributeName
		if index != "" {
			hash = m.Indexes[index].KeySchema[0].AttributeName
		}
		if !mentions(in, kc, hash) {
			return nil, invalid("Query condition missed key schema element")
		}
		exprs = append([]string{"KeyConditionExpression"}, exprs...)
	}
	if err := checkRefs(in, exprs...); err != nil {
		return nil, err
	}

	// The range read, in order.
	base := obj{}
	for _, k := range []string{"TableName", "IndexName", "KeyConditionExpression", "ScanIndexForward", "ExclusiveStartKey", "ConsistentRead", "Segment", "TotalSegments"} {
		if v, ok := in[k]; ok {
			base[k] = v
		}
	}
	if kc, ok := in["KeyConditionExpression"].(string); ok {
		prune(base, in, kc)
	}
	var page []obj
	size, cut := 0, false
	take := func(it obj) bool {
		if (limit > 0 && len(page) == limit) || size >= maxPage {
			cut = true
			return false
		}
		size += itemSize(it)
		page = append(page, it)
		return true
	}
	plan, indexed := keyRange{}, false
	if op == "Query" {
		var err *apiError
		if plan, indexed, err = h.planQuery(table, m, in); err != nil { // front_query.go
			return nil, err
		}
	}
	if indexed {
		if err := h.readRange(table, plan, take); err != nil {
			return nil, err
		}
	} else {
		all, err := h.call(op, base)
		if err != nil {
			return nil, err
		}
		for _, it := range listOf(all["Items"]) {
			if !take(it) {
				break
			}
		}
	}
	keys := m.keyNames(index)
	// DynamoDB answers a LastEvaluatedKey when the page is cut, and also when a
	// Limit page is full with nothing after it.
	var last obj
	if len(page) > 0 && (cut || len(page) == limit) {
		last = obj{}
		for _, k := range keys {
			if v, ok := page[len(page)-1][k]; ok {
				last[k] = v
			}
		}
	}

	// The filter, run by minidyn on the same range.
	matched := page
	if f, ok := in["FilterExpression"].(string); ok && f != "" {
		q := maps.Clone(base)
		q["FilterExpression"] = f
		prune(q, in, f+" "+jsonText(base["KeyConditionExpression"]))
		ok := map[string]bool{}
		var hits obj
		if indexed {
			ok, err = filterPage(m, page, q)
		} else {
			hits, err = h.call(op, q)
		}
		switch {
		case indexed && err != nil:
			return nil, err
		case err != nil && strings.Contains(err.msg, "is not supported for path="):
			// minidyn fails the whole read when a function meets an item whose
			// attribute is missing or of another type; DynamoDB takes the function
			// as false for that item. Evaluate item by item instead.
			ok, err = filterEach(m, page, obj{"FilterExpression": f, "ExpressionAttributeNames": q["ExpressionAttributeNames"], "ExpressionAttributeValues": q["ExpressionAttributeValues"]})
			if err != nil {
				return nil, err
			}
		case err != nil:
			return nil, err
		}
		for _, it := range listOf(hits["Items"]) {
			ok[keyOf(m, it)] = true
		}
		matched = nil
		for _, it := range page {
			if ok[keyOf(m, it)] {
				matched = append(matched, it)
			}
		}
	}
	out := obj{"Count": len(matched), "ScannedCount": len(page)}
	if in["Select"] != "COUNT" {
		list := make([]any, 0, len(matched))
		for _, it := range matched {
			if p, ok := in["ProjectionExpression"].(string); ok && p != "" {
				it = project(it, p, in)
			}
			list = append(list, it)
		}
		out["Items"] = list
	}
	if last != nil {
		out["LastEvaluatedKey"] = last
	}
	if wantCapacity(in) {
		consistent, _ := in["ConsistentRead"].(bool)
		read := 0
		for _, it := range page {
			read += itemSize(it)
		}
		c := capacity{table: table, units: readUnits(read, consistent)}
		if index != "" && m.Indexes[index].Global {
			c.indexes = map[string]float64{index: c.units}
			c.units = 0
		}
		out["ConsumedCapacity"] = c.answer(in["ReturnConsumedCapacity"])
	}
	return out, nil
}

// filterEach runs filter on each item alone, in a scratch minidyn of one table:
// an item the filter's functions cannot handle does not match.
func filterEach(m tableMeta, items []obj, filter obj) (map[string]bool, *apiError) {
	scratch, err := scratchTable(m)
	if err != nil {
		return nil, err
	}
	ok := map[string]bool{}
	for _, it := range items {
		if _, err := scratch.callRaw("PutItem", obj{"TableName": "scratch", "Item": it}); err != nil {
			return nil, err
		}
		q := obj{"TableName": "scratch"}
		for k, v := range filter {
			if v != nil {
				q[k] = v
			}
		}
		out, err := scratch.callRaw("Scan", q)
		if err == nil && len(listOf(out["Items"])) == 1 {
			ok[keyOf(m, it)] = true
		}
		if _, err := scratch.callRaw("DeleteItem", obj{"TableName": "scratch", "Key": keyAttrs(m.KeySchema, it)}); err != nil {
			return nil, err
		}
	}
	return ok, nil
}

func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func listOf(v any) []obj {
	l, _ := v.([]any)
	out := make([]obj, 0, len(l))
	for _, x := range l {
		if o, ok := x.(obj); ok {
			out = append(out, o)
		}
	}
	return out
}

// prune copies into q the names and values of in that expr uses (minidyn refuses
// unused ones).
func prune(q, in obj, expr string) {
	names, _ := in["ExpressionAttributeNames"].(obj)
	values, _ := in["ExpressionAttributeValues"].(obj)
	n, v := obj{}, obj{}
	for _, ref := range nameRef.FindAllString(expr, -1) {
		if x, ok := names[ref]; ok {
			n[ref] = x
		}
	}
	for _, ref := range valueRef.FindAllString(expr, -1) {
		if x, ok := values[ref]; ok {
			v[ref] = x
		}
	}
	delete(q, "ExpressionAttributeNames")
	delete(q, "ExpressionAttributeValues")
	if len(n) > 0 {
		q["ExpressionAttributeNames"] = n
	}
	if len(v) > 0 {
		q["ExpressionAttributeValues"] = v
	}
}

// mentions says whether expr names attribute attr, directly or by a #name.
func mentions(in obj, expr, attr string) bool {
	names, _ := in["ExpressionAttributeNames"].(obj)
	for _, tok := range regexp.MustCompile(`[#A-Za-z0-9_.-]+`).FindAllString(expr, -1) {
		if tok == attr || names[tok] == attr {
			return true
		}
	}
	return false
}

// project keeps the document paths of a ProjectionExpression (a.b, l[0], #n).
func project(item obj, expr string, in obj) obj {
	names, _ := in["ExpressionAttributeNames"].(obj)
	out := obj{}
	for _, path := range strings.Split(expr, ",") {
		steps := pathSteps(strings.TrimSpace(path), names)
		if len(steps) == 0 {
			continue
		}
		copyPath(out, item, steps)
	}
	return out
}

type step struct {
	name  string
	index int // -1: a map key
}

var stepRE = regexp.MustCompile(`\[(\d+)\]`)

func pathSteps(path string, names obj) []step {
	var steps []step
	for _, part := range strings.Split(path, ".") {
		head := part
		if i := strings.Index(part, "["); i >= 0 {
			head = part[:i]
		}
		if s, ok := names[head].(string); ok {
			head = s
		}
		steps = append(steps, step{name: head, index: -1})
		for _, m := range stepRE.FindAllStringSubmatch(part, -1) {
			n, _ := strconv.Atoi(m[1])
			steps = append(steps, step{index: n})
		}
	}
	return steps
}

// copyPath copies the value at steps from src (an item's attributes) into dst,
// building the maps and lists on the way as DynamoDB does.
func copyPath(dst, src obj, steps []step) {
	v, ok := src[steps[0].name]
	if !ok {
		return
	}
	if len(steps) == 1 {
		dst[steps[0].name] = v
		return
	}
	sub := descend(v, steps[1:])
	if sub == nil {
		return
	}
	dst[steps[0].name] = merge(dst[steps[0].name], sub)
}

// descend returns an AttributeValue holding only the path steps of v.
func descend(v any, steps []step) any {
	if len(steps) == 0 {
		return v
	}
	av, _ := v.(obj)
	s := steps[0]
	if s.index >= 0 {
		l, _ := av["L"].([]any)
		if s.index >= len(l) {
			return nil
		}
		sub := descend(l[s.index], steps[1:])
		if sub == nil {
			return nil
		}
		return obj{"L": []any{sub}}
	}
	m, _ := av["M"].(obj)
	x, ok := m[s.name]
	if !ok {
		return nil
	}
	sub := descend(x, steps[1:])
	if sub == nil {
		return nil
	}
	return obj{"M": obj{s.name: sub}}
}

// merge joins two projected values of the same attribute.
func merge(a, b any) any {
	x, ok1 := a.(obj)
	y, ok2 := b.(obj)
	if !ok1 || !ok2 {
		return b
	}
	if mx, ok := x["M"].(obj); ok {
		if my, ok := y["M"].(obj); ok {
			for k, v := range my {
				mx[k] = merge(mx[k], v)
			}
			return x
		}
	}
	if lx, ok := x["L"].([]any); ok {
		if ly, ok := y["L"].([]any); ok {
			return obj{"L": append(lx, ly...)}
		}
	}
	return b
}

func (h *embeddedHandler) batchWrite(in obj) (obj, *apiError) {
	reqs, err := requestItems(in)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, v := range reqs {
		l, _ := v.([]any)
		n += len(l)
	}
	if n == 0 {
		return nil, invalid("BatchWriteItem cannot have a null or no requests set")
	}
	if n > 25 {
		return nil, invalid("Too many items requested for the BatchWriteItem call")
	}
	var caps []any
	for table, v := range reqs {
		m, err := h.batchTable(table)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		units := 0.0
		for _, r := range listOf(v) {
			var key obj
			switch {
			case r["PutRequest"] != nil:
				p, _ := r["PutRequest"].(obj)
				item, err := itemArg(m, p)
				if err != nil {
					return nil, err
				}
				key = item
				units += writeUnits(itemSize(item))
			case r["DeleteRequest"] != nil:
				d, _ := r["DeleteRequest"].(obj)
				k, err := keyArg(m, d, nil)
				if err != nil {
					return nil, err
				}
				key = k
				units += writeUnits(itemSize(h.current(table, m, k)))
			default:
				return nil, invalid("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			}
			if err := once(seen, m, key); err != nil {
				return nil, err
			}
		}
		caps = append(caps, obj{"TableName": table, "CapacityUnits": units})
	}
	out, err := h.forward("BatchWriteItem", in)
	if err != nil {
		return nil, err
	}
	if out["UnprocessedItems"] == nil {
		out["UnprocessedItems"] = obj{}
	}
	if wantCapacity(in) {
		out["ConsumedCapacity"] = caps
	}
	return out, nil
}

func (h *embeddedHandler) batchGet(in obj) (obj, *apiError) {
	reqs, err := requestItems(in)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, v := range reqs {
		t, _ := v.(obj)
		l, _ := t["Keys"].([]any)
		n += len(l)
	}
	if n > 100 {
		return nil, invalid("Too many items requested for the BatchGetItem call")
	}
	for table, v := range reqs {
		m, err := h.batchTable(table)
		if err != nil {
			return nil, err
		}
		t, _ := v.(obj)
		if err := legacy(t, [2]string{"AttributesToGet", "ProjectionExpression"}); err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, k := range listOf(t["Keys"]) {
			// DynamoDB Local's text for a batch key that misses the schema.
			if _, err := keyArg(m, obj{"Key": k}, invalid("One of the required keys was not given a value")); err != nil {
				return nil, err
			}
			if err := once(seen, m, k); err != nil {
				return nil, err
			}
		}
	}
	// Projections are done here (minidyn panics on a list index past the end).
	fwd := obj{}
	for table, v := range reqs {
		t, _ := v.(obj)
		fwd[table] = obj{"Keys": t["Keys"], "ConsistentRead": t["ConsistentRead"]}
	}
	out, err := h.call("BatchGetItem", obj{"RequestItems": fwd})
	if err != nil {
		return nil, err
	}
	responses, _ := out["Responses"].(obj)
	for table, v := range reqs {
		t, _ := v.(obj)
		p, ok := t["ProjectionExpression"].(string)
		if !ok || p == "" {
			continue
		}
		items, _ := responses[table].([]any)
		for i, it := range items {
			if o, ok := it.(obj); ok {
				items[i] = project(o, p, t)
			}
		}
	}
	if out["UnprocessedKeys"] == nil {
		out["UnprocessedKeys"] = obj{}
	}
	if wantCapacity(in) {
		var caps []any
		for _, table := range slices.Sorted(maps.Keys(reqs)) {
			t, _ := reqs[table].(obj)
			consistent, _ := t["ConsistentRead"].(bool)
			c := capacity{table: table}
			// Each item is rounded up on its own (DynamoDB's documented rule);
			// keys with no item cost nothing here, as DynamoDB Local counts them.
			for _, k := range listOf(t["Keys"]) {
				if it := h.current(table, h.tables[table], k); it != nil {
					c.units += readUnits(itemSize(it), consistent)
				}
			}
			caps = append(caps, c.answer(in["ReturnConsumedCapacity"]))
		}
		out["ConsumedCapacity"] = caps
	}
	return out, nil
}

func (h *embeddedHandler) transactWrite(in obj) (obj, *apiError) {
	items, ok := in["TransactItems"].([]any)
	if !ok {
		return nil, invalid("1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null")
	}
	if len(items) > 100 {
		return nil, invalid("Member must have length less than or equal to 100")
	}
	for _, x := range listOf(items) {
		for kind, v := range x {
			op, _ := v.(obj)
			_, m, err := h.tableMeta(op)
			if err != nil {
				return nil, err
			}
			if kind == "Put" {
				_, err = itemArg(m, op)
			} else {
				_, err = keyArg(m, op, nil)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	// What each write will cost, from the items as they are before it.
	caps := map[string]*capacity{}
	for _, x := range listOf(items) {
		for kind, v := range x {
			op, _ := v.(obj)
			table, _ := op["TableName"].(string)
			m := h.tables[table]
			var old, item obj
			switch kind {
			case "Put":
				item, _ = op["Item"].(obj)
				old = h.current(table, m, item)
			case "Delete", "Update":
				key, _ := op["Key"].(obj)
				old = h.current(table, m, key)
				item = old
			case "ConditionCheck":
				key, _ := op["Key"].(obj)
				old = h.current(table, m, key)
				capacityOf(caps, table).units += 2 * readUnits(itemSize(old), true)
				continue
			}
			if kind == "Delete" {
				item = nil
			}
			c := writeCapacity(m, table, old, item)
			sum := capacityOf(caps, table)
			sum.units += 2 * c.units
			for ix, u := range c.indexes {
				sum.indexes[ix] += 2 * u
			}
		}
	}
	fwd := maps.Clone(in)
	delete(fwd, "ReturnConsumedCapacity")
	out, err := h.transact(fwd) // front_transact.go
	if err != nil {
		return nil, err
	}
	if wantCapacity(in) {
		out["ConsumedCapacity"] = answers(caps, in["ReturnConsumedCapacity"])
	}
	return out, nil
}

func (h *embeddedHandler) transactGet(in obj) (obj, *apiError) {
	items, _ := in["TransactItems"].([]any)
	if len(items) > 100 {
		return nil, invalid("Member must have length less than or equal to 100")
	}
	for _, x := range listOf(items) {
		op, _ := x["Get"].(obj)
		_, m, err := h.tableMeta(op)
		if err != nil {
			return nil, err
		}
		if _, err := keyArg(m, op, &apiError{status: 400, typ: typeDynamoDB + "TransactionCanceledException", msg: "One of the required keys was not given a value"}); err != nil {
			return nil, err
		}
	}
	out, err := h.forward("TransactGetItems", in)
	if err != nil {
		return nil, err
	}
	if wantCapacity(in) {
		caps := map[string]*capacity{}
		for _, x := range listOf(items) {
			op, _ := x["Get"].(obj)
			table, _ := op["TableName"].(string)
			key, _ := op["Key"].(obj)
			capacityOf(caps, table).units += 2 * readUnits(itemSize(h.current(table, h.tables[table], key)), true)
		}
		out["ConsumedCapacity"] = answers(caps, in["ReturnConsumedCapacity"])
	}
	return out, nil
}

// checkCondition validates a write's condition as DynamoDB does: the legacy
// Expected and ConditionExpression are not mixed, the expression's names and
// values come only with it, and every one it defines is used.
func checkCondition(in obj) *apiError {
	if err := legacy(in, [2]string{"Expected", "ConditionExpression"}); err != nil {
		return err
	}
	if err := onlyWith(in, "ConditionExpression is null", "ConditionExpression"); err != nil {
		return err
	}
	return checkRefs(in, "ConditionExpression")
}

// The checks the item operations share, in the order DynamoDB makes them.

// tableMeta reads in's TableName and the table's key schema.
func (h *embeddedHandler) tableMeta(in obj) (string, tableMeta, *apiError) {
	table, err := h.table(in)
	if err != nil {
		return "", tableMeta{}, err
	}
	m, err := h.meta(table)
	return table, m, err
}

// requestItems reads a batch's RequestItems, by table name.
func requestItems(in obj) (obj, *apiError) {
	reqs, ok := in["RequestItems"].(obj)
	if !ok && in["RequestItems"] != nil {
		return nil, serialization("RequestItems must be a JSON object")
	}
	return reqs, nil
}

// batchTable checks a table name of a batch's RequestItems and reads its key schema.
func (h *embeddedHandler) batchTable(table string) (tableMeta, *apiError) {
	if !tableNameRE.MatchString(table) {
		return tableMeta{}, invalid(badTableName)
	}
	return h.meta(table)
}

// checkItem checks an item to write: its key attributes, then its size.
func checkItem(m tableMeta, item obj) *apiError {
	if err := checkItemKeys(m, item); err != nil {
		return err
	}
	if itemSize(item) > maxItemSize {
		return invalid("Item size has exceeded the maximum allowed size")
	}
	return nil
}

// itemArg reads and checks the Item of a request in a batch or a transaction.
func itemArg(m tableMeta, in obj) (obj, *apiError) {
	item, err := checkMap(in["Item"], "Item")
	if err != nil {
		return nil, err
	}
	return item, checkItem(m, item)
}

// keyArg reads and checks the Key of a request in a batch or a transaction.
// A key that does not match the schema gets notKey when it is not nil (the
// operation's own text), else checkKey's error.
func keyArg(m tableMeta, in obj, notKey *apiError) (obj, *apiError) {
	key, err := checkMap(in["Key"], "Key")
	if err != nil {
		return nil, err
	}
	if err := checkKey(m, key); err != nil {
		if notKey != nil {
			return nil, notKey
		}
		return nil, err
	}
	return key, nil
}

// once records key in seen: a key seen before in the same table of a batch
// is an error.
func once(seen map[string]bool, m tableMeta, key obj) *apiError {
	k := keyOf(m, key)
	if seen[k] {
		return invalid("Provided list of item keys contains duplicates")
	}
	seen[k] = true
	return nil
}

// forward sends in to minidyn without ReturnConsumedCapacity (the front
// counts the capacity) and the other fields drop names.
func (h *embeddedHandler) forward(op string, in obj, drop ...string) (obj, *apiError) {
	fwd := maps.Clone(in)
	delete(fwd, "ReturnConsumedCapacity")
	for _, k := range drop {
		delete(fwd, k)
	}
	return h.call(op, fwd)
}

// capacityOf is table's sum in caps, added when missing.
func capacityOf(caps map[string]*capacity, table string) *capacity {
	if caps[table] == nil {
		caps[table] = &capacity{table: table, indexes: map[string]float64{}}
	}
	return caps[table]
}

// answers is the ConsumedCapacity list of a multi-table operation, by table name.
func answers(caps map[string]*capacity, mode any) []any {
	var list []any
	for _, table := range slices.Sorted(maps.Keys(caps)) {
		list = append(list, caps[table].answer(mode))
	}
	return list
}
