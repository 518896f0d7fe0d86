package checks

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
)

// loadCommands check the app at scale: many requests at once, a big table,
// what one invocation costs, and writes that meet an existing item.
var loadCommands = []*command{
	{name: "load", form: "N METHOD PATH [-c CONCURRENCY]", min: 3, max: 5, valid: validLoad, run: runLoad,
		noNot: "it sends requests and asserts nothing; check their answers with status"},
	{name: "cost", form: "FUNCTION -max-items N | -max-read-units X | -max-write-units X ...", min: 3, max: -1, valid: validCost, run: runCost},
	{name: "seed-bulk", form: "ID N FILE", min: 3, max: 3, valid: validBulk, run: runSeedBulk,
		noNot: "it puts items into a table and asserts nothing; check them with count"},
	{name: "items", form: "ID REGEXP", min: 2, max: 2, regexps: []int{1}, run: runItems},
	{name: "walk", form: "PATH LISTKEY CURSORKEY N", min: 4, max: 4, valid: validWalk, run: runWalk},
	{name: "calls", form: "FUNCTION ACTION", min: 2, max: 2, run: runCalls},
	{name: "collide", form: "FUNCTION", min: 1, max: 1, run: runCollide,
		noNot: "it makes the next PutItem meet an item with its key and asserts nothing; check the answer and the table"},
}

func positive(what, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s is a whole number of at least 1, not %q", what, s)
	}
	return n, nil
}

func validLoad(args []string) error {
	if _, err := positive("N", args[0]); err != nil {
		return err
	}
	switch len(args) {
	case 3:
		return nil
	case 5:
		if args[3] == "-c" {
			_, err := positive("CONCURRENCY", args[4])
			return err
		}
	}
	return errors.New("after PATH, only -c CONCURRENCY")
}

// costLimits are the flags of cost, with what they bound.
var costLimits = []string{"-max-items", "-max-read-units", "-max-write-units"}

func validCost(args []string) error {
	rest := args[1:]
	if len(rest)%2 != 0 {
		return errors.New("give each limit with its value, as -max-items 25")
	}
	for i := 0; i < len(rest); i += 2 {
		if !slices.Contains(costLimits, rest[i]) {
			return fmt.Errorf("%q is not one of %s", rest[i], strings.Join(costLimits, ", "))
		}
		if v, err := strconv.ParseFloat(rest[i+1], 64); err != nil || v < 0 {
			return fmt.Errorf("%s takes a number, not %q", rest[i], rest[i+1])
		}
	}
	return nil
}

func validBulk(args []string) error {
	_, err := positive("N", args[1])
	return err
}

func validWalk(args []string) error {
	if !strings.HasPrefix(args[0], "/") {
		return fmt.Errorf("PATH starts with /, not %q", args[0])
	}
	if n, err := strconv.Atoi(args[3]); err != nil || n < 0 {
		return fmt.Errorf("N is a whole number, not %q", args[3])
	}
	return nil
}

// send makes one request through the local API Gateway.
func (st *state) send(ts *testscript.TestScript, method, path, body string) *httptest.ResponseRecorder {
	s := st.deploy(ts)
	req := httptest.NewRequestWithContext(st.ctx, method, path, strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:50000"
	rec := httptest.NewRecorder()
	s.API.ServeHTTP(rec, req)
	return rec
}

// load N METHOD PATH [-c CONCURRENCY]: send N requests, CONCURRENCY (10) at
// a time, and record every answer; status then asserts over all of them.
func runLoad(ts *testscript.TestScript, st *state, in input) {
	n, _ := strconv.Atoi(in.args[0])
	method, path := strings.ToUpper(in.args[1]), in.args[2]
	c := 10
	if len(in.args) == 5 {
		c, _ = strconv.Atoi(in.args[4])
	}
	st.deploy(ts)
	answers := make([]*httptest.ResponseRecorder, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, c)
	start := time.Now()
	for i := range answers {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			answers[i] = st.send(ts, method, path, "")
		})
	}
	wg.Wait()
	st.lastResp, st.lastInvok, st.load = nil, nil, answers
	st.lastCall = fmt.Sprintf("load %d %s %s (%d at a time)", n, method, path, c)
	fmt.Fprintf(ts.Stdout(), "%s in %s: %s\n", st.lastCall, time.Since(start).Round(time.Millisecond), statusSummary(answers))
}

// statusSummary counts answers by status: "98 answered 200 OK, 2 answered 500 ...".
func statusSummary(answers []*httptest.ResponseRecorder) string {
	by := map[int]int{}
	for _, a := range answers {
		by[a.Code]++
	}
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(by)) {
		parts = append(parts, fmt.Sprintf("%d answered %d %s", by[code], code, http.StatusText(code)))
	}
	return strings.Join(parts, ", ")
}

// loadStatus is status CODE after load: every answer has CODE. With !, at
// least one has another.
func loadStatus(ts *testscript.TestScript, st *state, in input) {
	var other *httptest.ResponseRecorder
	for _, a := range st.load {
		if strconv.Itoa(a.Code) != in.args[0] {
			other = a
			break
		}
	}
	switch {
	case in.neg && other == nil:
		st.fail(ts, "%s: all %d answered %s; expected at least one other status", st.lastCall, len(st.load), in.args[0])
	case !in.neg && other != nil:
		st.fail(ts, "%s: %s; expected every one to answer %s. One answered %d with body %s%s",
			st.lastCall, statusSummary(st.load), in.args[0], other.Code, strconv.Quote(other.Body.String()), st.recentLogs())
	}
}

// cost FUNCTION -max-items N ...: the DynamoDB calls of the function's last
// invocation (its COST line) stay within every limit given. With !, they
// exceed at least one.
func runCost(ts *testscript.TestScript, st *state, in input) {
	fn := in.args[0]
	s := st.deploy(ts)
	if _, ok := s.Functions[fn]; !ok {
		st.fail(ts, "%s has no function %s", st.rel(st.templatePath()), fn)
	}
	if s.IAM == nil {
		brokenCheck(ts, "IAM is not enforced in this deployment, and it is the IAM proxy that meters DynamoDB calls")
	}
	inv, ok := s.LastCost(fn)
	if !ok {
		usageError(ts, "cost: %s has not been invoked yet: send a request first", fn)
	}
	fmt.Fprintf(ts.Stdout(), "COST RequestId: %s\t%s\n", inv.RequestID, inv.Cost)
	var over []string
	for i := 1; i < len(in.args); i += 2 {
		limit, _ := strconv.ParseFloat(in.args[i+1], 64)
		var got float64
		var what string
		switch in.args[i] {
		case "-max-items":
			got, what = float64(inv.Cost.ItemsRead), "items read"
		case "-max-read-units":
			got, what = inv.Cost.ReadUnits, "read units"
		case "-max-write-units":
			got, what = inv.Cost.WriteUnits, "write units"
		}
		if got > limit {
			over = append(over, fmt.Sprintf("%g %s (at most %g expected)", got, what, limit))
		}
	}
	switch {
	case in.neg && len(over) == 0:
		st.fail(ts, "the last invocation of %s stayed within %s: %s; expected it to exceed them", fn, strings.Join(in.args[1:], " "), inv.Cost)
	case !in.neg && len(over) > 0:
		st.fail(ts, "the last invocation of %s (request %s) cost %s: %s. Its COST line: %s", fn, inv.RequestID, strings.Join(over, ", "), costWhy(over), inv.Cost)
	}
}

func costWhy(over []string) string {
	return "a request's cost must not grow with the table: read one page (Query with Limit), not every item"
}

// seed-bulk ID N FILE: put N items made from the JSON object in FILE into
// the table, with BatchWriteItem, several batches at a time. In each string
// of the object, {i} becomes 000000001... (9 digits) and {today} today's
// date in UTC (2026-11-29).
func runSeedBulk(ts *testscript.TestScript, st *state, in input) {
	id, file := in.args[0], in.args[2]
	n, _ := strconv.Atoi(in.args[1])
	tmpl := string(scriptFile(ts, "seed-bulk", file))
	var probe map[string]any
	if err := json.Unmarshal([]byte(tmpl), &probe); err != nil {
		usageError(ts, "seed-bulk: %s is not a JSON object: %v", file, err)
	}
	tmpl = strings.ReplaceAll(tmpl, "{today}", time.Now().UTC().Format(time.DateOnly))
	items := make([]map[string]any, n)
	for i := range items {
		if err := json.Unmarshal([]byte(strings.ReplaceAll(tmpl, "{i}", fmt.Sprintf("%09d", i+1))), &items[i]); err != nil {
			usageError(ts, "seed-bulk: %s: %v", file, err)
		}
	}
	name := st.tableName(ts, id)
	start := time.Now()
	if err := dynamo.PutItemsParallel(st.ctx, st.stack.DB, name, items, 8); err != nil {
		st.seedFailed(ts, id, name, err)
	}
	fmt.Fprintf(ts.Stdout(), "put %d items into %s in %s\n", n, name, time.Since(start).Round(time.Millisecond))
}

// items ID REGEXP: some item of the table (as JSON) matches REGEXP. With !,
// none does.
func runItems(ts *testscript.TestScript, st *state, in input) {
	id, re := in.args[0], in.re[1]
	name, items := st.scanTable(ts, id)
	var match string
	for _, it := range items {
		b, _ := json.Marshal(it)
		if re.Match(b) {
			match = string(b)
			break
		}
	}
	switch {
	case in.neg && match != "":
		st.fail(ts, "table %s (resource %s) has an item matching %s: %s; expected none.%s", name, id, re, match, st.recentLogs())
	case !in.neg && match == "":
		st.fail(ts, "table %s (resource %s) has no item matching %s (%d items).%s", name, id, re, len(items), st.recentLogs())
	}
}

// walk PATH LISTKEY CURSORKEY N: GET PATH, then GET PATH?CURSORKEY=<the
// answer's CURSORKEY> while there is one; the LISTKEY arrays of all the pages
// hold N elements, none twice. With !, another number, or one twice.
func runWalk(ts *testscript.TestScript, st *state, in input) {
	path, listKey, cursorKey := in.args[0], in.args[1], in.args[2]
	want, _ := strconv.Atoi(in.args[3])
	seen := map[string]int{}
	total, pages, dup := 0, 0, ""
	next := ""
	for {
		p := path
		if next != "" {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			p += sep + cursorKey + "=" + url.QueryEscape(next)
		}
		rec := st.send(ts, http.MethodGet, p, "")
		st.lastResp, st.lastCall, st.load = rec, "GET "+p, nil
		pages++
		if rec.Code != http.StatusOK {
			st.fail(ts, "walking the pages of %s: page %d, GET %s, answered %d with body %s; expected 200.%s", path, pages, p, rec.Code, strconv.Quote(rec.Body.String()), st.recentLogs())
		}
		var page map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			st.fail(ts, "walking the pages of %s: page %d is not a JSON object: %s", path, pages, rec.Body.String())
		}
		var list []json.RawMessage
		if err := json.Unmarshal(page[listKey], &list); err != nil {
			st.fail(ts, "walking the pages of %s: page %d has no array %q: %s", path, pages, listKey, rec.Body.String())
		}
		for _, e := range list {
			total++
			if seen[string(e)]++; seen[string(e)] == 2 && dup == "" {
				dup = fmt.Sprintf("%s (again on page %d)", e, pages)
			}
		}
		next = ""
		if raw, ok := page[cursorKey]; ok && string(raw) != "null" {
			if err := json.Unmarshal(raw, &next); err != nil {
				st.fail(ts, "walking the pages of %s: page %d has %q that is not a string: %s", path, pages, cursorKey, raw)
			}
		}
		if next == "" {
			break
		}
		if pages > want+1 {
			st.fail(ts, "walking the pages of %s: %d pages and %d elements, and still a %q: the cursor never ends (does it come from LastEvaluatedKey?)", path, pages, total, cursorKey)
		}
	}
	fmt.Fprintf(ts.Stdout(), "walked %d pages of %s: %d elements of %s, %d distinct\n", pages, path, total, listKey, len(seen))
	ok := total == want && dup == ""
	switch {
	case in.neg && ok:
		st.fail(ts, "walking %s with %s returned %d elements of %s, each exactly once; expected otherwise", path, cursorKey, total, listKey)
	case !in.neg && dup != "":
		st.fail(ts, "walking %s with %s returned an element twice: %s; each access must come once: start each page where the last ended (ExclusiveStartKey from the cursor)", path, cursorKey, dup)
	case !in.neg && total != want:
		st.fail(ts, "walking %s with %s (%d pages) returned %d elements of %s; expected %d, every one exactly once", path, cursorKey, pages, total, listKey, want)
	}
}

// calls FUNCTION ACTION: the function made a call that needs ACTION
// (dynamodb:Scan), allowed or not. With !, it made none.
func runCalls(ts *testscript.TestScript, st *state, in input) {
	fn, action := in.args[0], in.args[1]
	_, name := st.iamFor(ts, fn)
	n := 0
	for _, u := range st.stack.IAM.Usage(name) {
		if strings.EqualFold(u.Action, action) {
			n += u.Count
		}
	}
	switch {
	case in.neg && n > 0:
		st.fail(ts, "%s called %s %d time(s); expected it not to call it at all.%s", fn, action, n, st.recentLogs())
	case !in.neg && n == 0:
		st.fail(ts, "%s never called %s.%s", fn, action, st.recentLogs())
	}
}

// collide FUNCTION: the function's next PutItem meets an item already stored
// under its key, holding the attribute stored_first: "stored-first".
func runCollide(ts *testscript.TestScript, st *state, in input) {
	_, name := st.iamFor(ts, in.args[0])
	st.stack.IAM.Collide(name, "stored_first")
}
