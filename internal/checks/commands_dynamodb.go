package checks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// dynamodbCommands check and fill the local tables of the deployed step.
var dynamodbCommands = []*command{
	{name: "table", form: "ID KEY TYPE", min: 3, max: 3, valid: validKeyType, run: runTable},
	{name: "seed", form: "ID FILE", min: 2, max: 2, run: runSeed,
		noNot: "it puts items into a table and asserts nothing; check them with count"},
	{name: "seed-many", form: "ID N BYTES", min: 3, max: 3, valid: validSeedMany, run: runSeedMany,
		noNot: "it puts items into a table and asserts nothing; check them with count"},
	{name: "count", form: "ID N", min: 2, max: 2, valid: validCount, run: runCount},
	{name: "stored-time", form: "ID ATTR LAYOUT", min: 3, max: 3, run: runStoredTime},
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
	return st.tableIn(ts, st.deploy(ts), id)
}

// tableIn is the physical name of the table of resource id in s.
func (st *state) tableIn(ts *testscript.TestScript, s *stack.Stack, id string) string {
	name, err := s.TableName(id)
	if err != nil {
		st.fail(ts, "%v", err)
	}
	return name
}

// scanTable reads every item of the table of resource id (deploying the step
// on first use), and its name.
func (st *state) scanTable(ts *testscript.TestScript, id string) (string, []map[string]any) {
	name := st.tableName(ts, id)
	items, err := dynamo.ScanAll(st.ctx, st.stack.DB, name)
	if err != nil {
		st.fail(ts, "reading table %s: %v", name, err)
	}
	return name, items
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
	s := st.tables(ts) // the items go in while the functions build
	name := st.tableIn(ts, s, id)
	if err := dynamo.PutItems(st.ctx, s.DB, name, items); err != nil {
		st.seedFailed(ts, id, name, err)
	}
}

// seed-many ID N BYTES: put N generated items into the table of resource ID,
// each with a string partition key "seed-000001"... and BYTES of padding, to
// fill several 1 MB Scan pages.
func runSeedMany(ts *testscript.TestScript, st *state, in input) {
	id := in.args[0]
	n, _ := strconv.Atoi(in.args[1])
	size, _ := strconv.Atoi(in.args[2])
	s := st.tables(ts) // the items go in while the functions build
	name := st.tableIn(ts, s, id)
	info, err := dynamo.Describe(st.ctx, s.DB, name)
	if err != nil {
		st.deployFailed(ts)
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
	if err := dynamo.PutItems(st.ctx, s.DB, name, items); err != nil {
		st.seedFailed(ts, id, name, err)
	}
}

// seedFailed fails a check whose test items the table refused: most often its
// key schema is not yet the one the step asks for, which is the learner's to fix.
func (st *state) seedFailed(ts *testscript.TestScript, id, name string, err error) {
	st.deployFailed(ts)
	st.fail(ts, "table %s (resource %s) refused the check's test items, so its key schema is likely not yet the one this step asks for (template.yaml): %v", name, id, err)
}

// count ID N: the table of resource ID holds N items. With !, another number.
func runCount(ts *testscript.TestScript, st *state, in input) {
	id, want := in.args[0], in.args[1]
	name, items := st.scanTable(ts, id)
	b, _ := json.Marshal(items)
	fmt.Fprintf(ts.Stdout(), "%s\n", shown(string(b)))
	switch same := strconv.Itoa(len(items)) == want; {
	case in.neg && same:
		st.fail(ts, "table %s (resource %s) holds %s items; expected any other number.%s", name, id, want, st.recentLogs())
	case !in.neg && !same:
		var fewer string
		if n, _ := strconv.Atoi(want); len(items) < n {
			fewer = " Fewer items: a PutItem whose key is already stored replaces that item, and one that fails stores nothing (check the error PutItem returns: log it and answer 500, and look for [local DynamoDB] lines in the logs)."
		}
		st.fail(ts, "table %s (resource %s) holds %d items; expected %s.%s%s", name, id, len(items), want, fewer, st.recentLogs())
	}
}

// storedTimeSlack is how far a stored time may be from the stack's clock
// while the script ran: the layout keeps whole seconds, and a slow machine
// takes a moment between the call and the check.
const storedTimeSlack = 5 * time.Second

// stored-time ID ATTR LAYOUT: an item of the table of resource ID has ATTR, a
// time in Go's LAYOUT (read as UTC when the layout has no zone) between the
// deployment and now, within storedTimeSlack, on the stack's clock: an access
// time stored in UTC, as Lambda's clock (TZ=:UTC) gives it. With !, no item has.
func runStoredTime(ts *testscript.TestScript, st *state, in input) {
	id, attr, layout := in.args[0], in.args[1], in.args[2]
	name, items := st.scanTable(ts, id)
	now := time.Now().UTC()
	from, to := st.deployedAt.UTC().Truncate(time.Second).Add(-storedTimeSlack), now.Add(storedTimeSlack)
	var nearest string
	var off, fromNow time.Duration // how far nearest is outside [from, to], and from now
	parsed := 0
	for _, item := range items {
		v, ok := item[attr].(string)
		if !ok {
			continue
		}
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		parsed++
		var d time.Duration
		switch {
		case t.Before(from):
			d = t.Sub(from)
		case t.After(to):
			d = t.Sub(to)
		default:
			if in.neg {
				st.fail(ts, "table %s (resource %s) holds %s %q, the time of this check on the stack's clock (UTC); expected none", name, id, attr, v)
			}
			return
		}
		if nearest == "" || d.Abs() < off.Abs() {
			nearest, off, fromNow = v, d, t.Sub(now)
		}
	}
	switch {
	case in.neg:
		return
	case parsed == 0:
		b, _ := json.Marshal(items)
		st.fail(ts, "%s: table %s (resource %s) has no item whose %s is a time in the layout %s (it holds %s); expected the access time, in UTC, in that layout.",
			st.code(), name, id, attr, layout, cut(string(b), 120))
	}
	dir := "ahead of"
	if fromNow < 0 {
		dir = "behind"
	}
	fromNow = fromNow.Abs().Round(time.Second)
	if fromNow >= time.Minute { // a zone's offset: whole minutes read better
		fromNow = fromNow.Round(time.Minute)
	}
	st.fail(ts, "%s: table %s (resource %s) holds %s %q, %s %s the stack's clock in UTC (%s); expected the access time in UTC: Lambda's clock is UTC, store time.Now().UTC(), not a time in another zone.",
		st.code(), name, id, attr, nearest, fromNow, dir, now.Format(layout))
}

// code names the Go code of the deployed functions, for messages about what it does.
func (st *state) code() string {
	var files []string
	for _, fn := range st.stack.App.Functions {
		where := fn.CodeDir
		if _, err := os.Stat(filepath.Join(where, "main.go")); err == nil {
			where = filepath.Join(where, "main.go")
		}
		files = append(files, st.rel(where))
	}
	return strings.Join(files, ", ")
}

// cut shortens s to about n characters for a message.
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// deployFailed fails with the deployment's own error when it failed after
// the tables existed (a policy the execution role cannot have, a build that
// failed): it stopped DynamoDB, so the test items had nowhere to go, and the
// template's mistake is the cause to show, not the table's key schema.
func (st *state) deployFailed(ts *testscript.TestScript) {
	if d := st.deploying; d != nil && st.stack == nil {
		<-d.done
		if d.err != nil {
			st.deploy(ts)
		}
	}
}
