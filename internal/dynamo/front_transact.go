package dynamo

import (
	"encoding/json"

	"github.com/truora/minidyn/server"
)

// minidyn makes TransactWriteItems all-or-nothing by copying every table it
// touches before it starts (core.Table.Snapshot), so each transaction costs
// as much as the table is big. The front runs it instead on a scratch minidyn
// holding only the items the transaction names: the same conditions, updates
// and cancellation reasons, since each of them reads only its own item. If it
// succeeds, the items as the scratch left them are written to the table; all
// item operations hold the front's lock, so nothing runs in between.

// txTarget is one item a transaction writes or checks.
type txTarget struct {
	table string
	key   obj
	write bool // Put, Update or Delete; false for ConditionCheck
}

// transact answers TransactWriteItems (validated by transactWrite).
func (h *embeddedHandler) transact(in obj) (obj, *apiError) {
	targets, ok := h.txTargets(in)
	if !ok {
		return h.call("TransactWriteItems", in) // minidyn's own answer to what is left
	}
	scratch := &embeddedHandler{next: server.NewServer(), tables: map[string]tableMeta{}}
	created := map[string]bool{}
	for _, t := range targets {
		if created[t.table] {
			continue
		}
		created[t.table] = true
		if _, err := scratch.callRaw("CreateTable", createRequest(t.table, h.tables[t.table])); err != nil {
			return h.call("TransactWriteItems", in)
		}
	}
	for _, t := range targets {
		if it := h.current(t.table, h.tables[t.table], t.key); it != nil {
			if _, err := scratch.callRaw("PutItem", obj{"TableName": t.table, "Item": it}); err != nil {
				return nil, err
			}
		}
	}
	out, err := scratch.call("TransactWriteItems", in)
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		if !t.write {
			continue
		}
		m := h.tables[t.table]
		if it := scratch.current(t.table, m, t.key); it != nil {
			_, err = h.callRaw("PutItem", obj{"TableName": t.table, "Item": it})
		} else {
			_, err = h.callRaw("DeleteItem", obj{"TableName": t.table, "Key": t.key})
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// txTargets lists the items of a transaction, false if one of them does not
// name a table the front knows and a full key of it.
func (h *embeddedHandler) txTargets(in obj) ([]txTarget, bool) {
	var targets []txTarget
	for _, x := range listOf(in["TransactItems"]) {
		if len(x) != 1 {
			return nil, false
		}
		for kind, v := range x {
			op, _ := v.(obj)
			table, _ := op["TableName"].(string)
			m, known := h.tables[table]
			src := op["Key"]
			if kind == "Put" {
				src = op["Item"]
			}
			k, _ := src.(obj)
			if !known || k == nil || kind != "Put" && kind != "Update" && kind != "Delete" && kind != "ConditionCheck" {
				return nil, false
			}
			key := obj{}
			for _, e := range m.KeySchema {
				v, ok := k[e.AttributeName].(obj)
				if !ok {
					return nil, false
				}
				key[e.AttributeName] = v
			}
			targets = append(targets, txTarget{table: table, key: key, write: kind != "ConditionCheck"})
		}
	}
	return targets, len(targets) > 0
}

// createRequest is a CreateTable request for a table with m's keys and
// indexes (whose key types minidyn checks on writes).
func createRequest(table string, m tableMeta) obj {
	var defs []any
	_ = json.Unmarshal(m.AttributeDefinitions, &defs)
	schema := func(ks []keyElement) []any {
		var out []any
		for _, k := range ks {
			out = append(out, obj{"AttributeName": k.AttributeName, "KeyType": k.KeyType})
		}
		return out
	}
	req := obj{"TableName": table, "AttributeDefinitions": defs, "KeySchema": schema(m.KeySchema), "BillingMode": "PAY_PER_REQUEST"}
	var gsi, lsi []any
	for name, ix := range m.Indexes {
		d := obj{"IndexName": name, "KeySchema": schema(ix.KeySchema), "Projection": obj{"ProjectionType": "ALL"}}
		if ix.Global {
			gsi = append(gsi, d)
		} else {
			lsi = append(lsi, d)
		}
	}
	if gsi != nil {
		req["GlobalSecondaryIndexes"] = gsi
	}
	if lsi != nil {
		req["LocalSecondaryIndexes"] = lsi
	}
	return req
}
