package checks

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
)

// dynamodbCommands check and fill the local tables of the deployed step.
var dynamodbCommands = []*command{
	{name: "table", form: "ID KEY TYPE", min: 3, max: 3, valid: validKeyType, run: runTable},
	{name: "seed", form: "ID FILE", min: 2, max: 2, run: runSeed,
		noNot: "it puts items into a table and asserts nothing; check them with count"},
	{name: "seed-many", form: "ID N BYTES", min: 3, max: 3, valid: validSeedMany, run: runSeedMany,
		noNot: "it puts items into a table and asserts nothing; check them with count"},
	{name: "count", form: "ID N", min: 2, max: 2, valid: validCount, run: runCount},
}

func validKeyType(args []string) error {
	switch args[2] {
	case "S", "N", "B":
		return nil
	}
	return fmt.Errorf("TYPE is S, N or B (DynamoDB's scalar key types), not %q", args[2])
}

func validCount(args []string) error {
	if n, err := strconv.Atoi(args[1]); err != nil || n < 0 {
		return fmt.Errorf("N is a whole number, not %q", args[1])
	}
	return nil
}

func validSeedMany(args []string) error {
	n, err1 := strconv.Atoi(args[1])
	size, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil || n < 1 || size < 0 {
		return fmt.Errorf("N (at least 1) and BYTES are whole numbers, not %q and %q", args[1], args[2])
	}
	return nil
}

func (st *state) tableName(ts *testscript.TestScript, id string) string {
	name, err := st.deploy(ts).TableName(id)
	if err != nil {
		st.fail(ts, "%v", err)
	}
	return name
}

// table ID KEY TYPE: the local table of resource ID exists with HASH key KEY
// of type TYPE (S, N, B). With !, it exists with another partition key or type.
func runTable(ts *testscript.TestScript, st *state, in input) {
	id, key, typ := in.args[0], in.args[1], in.args[2]
	name := st.tableName(ts, id)
	info, err := dynamo.Describe(st.ctx, st.stack.DB, name)
	if err != nil {
		st.fail(ts, "table %s (resource %s) does not exist locally: %v", name, id, err)
	}
	gotType := info.AttributeTypes[info.HashKey]
	fmt.Fprintf(ts.Stdout(), "table %s: key %s (%s), billing %s\n", name, info.HashKey, gotType, info.BillingMode)
	switch same := info.HashKey == key && gotType == typ; {
	case in.neg && same:
		st.fail(ts, "table %s (resource %s) has the partition key %s of type %s; expected another key or type", name, id, key, typ)
	case !in.neg && !same:
		st.fail(ts, "table %s (resource %s) has the partition key %s of type %s; expected %s of type %s", name, id, info.HashKey, gotType, key, typ)
	}
}

// seed ID FILE: put the items of FILE (a JSON array of objects) into the table of resource ID.
func runSeed(ts *testscript.TestScript, st *state, in input) {
	id, file := in.args[0], in.args[1]
	var items []map[string]any
	if err := json.Unmarshal(scriptFile(ts, "seed", file), &items); err != nil {
		usageError(ts, "seed: %s is not a JSON array of items: %v", file, err)
	}
	name := st.tableName(ts, id)
	if err := dynamo.PutItems(st.ctx, st.stack.DB, name, items); err != nil {
		st.fail(ts, "seeding table %s: %v", name, err)
	}
}

// seed-many ID N BYTES: put N generated items into the table of resource ID,
// each with a string partition key "seed-000001"... and BYTES of padding, to
// fill several 1 MB Scan pages.
func runSeedMany(ts *testscript.TestScript, st *state, in input) {
	id := in.args[0]
	n, _ := strconv.Atoi(in.args[1])
	size, _ := strconv.Atoi(in.args[2])
	name := st.tableName(ts, id)
	info, err := dynamo.Describe(st.ctx, st.stack.DB, name)
	if err != nil {
		st.fail(ts, "table %s (resource %s) does not exist locally: %v", name, id, err)
	}
	if info.AttributeTypes[info.HashKey] != "S" || info.RangeKey != "" {
		usageError(ts, "seed-many needs a table whose only key is a string; resource %s has %s (%s)", id, info.HashKey, info.AttributeTypes[info.HashKey])
	}
	pad := strings.Repeat("x", size)
	items := make([]map[string]any, n)
	for i := range items {
		items[i] = map[string]any{info.HashKey: fmt.Sprintf("seed-%06d", i+1), "pad": pad}
	}
	if err := dynamo.PutItems(st.ctx, st.stack.DB, name, items); err != nil {
		st.fail(ts, "seeding table %s: %v", name, err)
	}
}

// count ID N: the table of resource ID holds N items. With !, another number.
func runCount(ts *testscript.TestScript, st *state, in input) {
	id, want := in.args[0], in.args[1]
	name := st.tableName(ts, id)
	items, err := dynamo.ScanAll(st.ctx, st.stack.DB, name)
	if err != nil {
		st.fail(ts, "reading table %s: %v", name, err)
	}
	b, _ := json.Marshal(items)
	fmt.Fprintf(ts.Stdout(), "%s\n", b)
	switch same := strconv.Itoa(len(items)) == want; {
	case in.neg && same:
		st.fail(ts, "table %s (resource %s) holds %s items; expected any other number.%s", name, id, want, st.recentLogs())
	case !in.neg && !same:
		var fewer string
		if n, _ := strconv.Atoi(want); len(items) < n {
			fewer = " A PutItem that fails stores nothing: check the error PutItem returns (log it and answer 500), and look for [local DynamoDB] lines in the logs."
		}
		st.fail(ts, "table %s (resource %s) holds %d items; expected %s.%s%s", name, id, len(items), want, fewer, st.recentLogs())
	}
}
