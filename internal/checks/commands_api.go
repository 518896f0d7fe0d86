package checks

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/testscript"
)

// apiCommands send requests through the local API Gateway and check its answers.
var apiCommands = []*command{
	{name: "request", form: "METHOD PATH [BODY]", min: 2, max: 3, run: runRequest,
		noNot: "it sends a request and asserts nothing; check the answer with status, header or json"},
	{name: "status", form: "CODE", min: 1, max: 1, valid: validStatus, run: runStatus},
	{name: "header", form: "NAME REGEXP", min: 2, max: 2, regexps: []int{1}, run: runHeader},
	{name: "json", form: "[KEY REGEXP]", min: 0, max: 2, regexps: []int{1}, valid: validJSON, run: runJSON},
}

func validStatus(args []string) error {
	if n, err := strconv.Atoi(args[0]); err != nil || n < 100 || n > 599 {
		return fmt.Errorf("CODE is an HTTP status such as 200, not %q", args[0])
	}
	return nil
}

func validJSON(args []string) error {
	if len(args) == 1 {
		return errors.New("give a KEY and a REGEXP, or neither")
	}
	return nil
}

// request METHOD PATH [BODY]: send a request to the local API Gateway.
func runRequest(ts *testscript.TestScript, st *state, in input) {
	s := st.deploy(ts)
	var body string
	if len(in.args) == 3 {
		body = in.args[2]
	}
	method := strings.ToUpper(in.args[0])
	req := httptest.NewRequestWithContext(st.ctx, method, in.args[1], strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:50000"
	rec := httptest.NewRecorder()
	s.API.ServeHTTP(rec, req)
	st.lastResp, st.lastCall, st.load = rec, method+" "+in.args[1], nil
	fmt.Fprintf(ts.Stdout(), "%d %s\n", rec.Code, rec.Body.String())
}

func (st *state) response(ts *testscript.TestScript) *httptest.ResponseRecorder {
	if st.lastResp == nil && st.load != nil {
		usageError(ts, "after load, status asserts over all the answers; send one request to check a header or the body")
	}
	if st.lastResp == nil {
		usageError(ts, "no request yet: use request METHOD PATH first")
	}
	return st.lastResp
}

// status CODE: the last response's HTTP status is CODE. With !, it is another.
func runStatus(ts *testscript.TestScript, st *state, in input) {
	if st.load != nil {
		loadStatus(ts, st, in)
		return
	}
	r := st.response(ts)
	switch same := strconv.Itoa(r.Code) == in.args[0]; {
	case in.neg && same:
		st.fail(ts, "%s answered %d %s with body %s; expected any other status.%s", st.lastCall, r.Code, http.StatusText(r.Code), strconv.Quote(r.Body.String()), st.recentLogs())
	case !in.neg && !same:
		st.fail(ts, "%s answered %d %s with body %s; expected %s.%s", st.lastCall, r.Code, http.StatusText(r.Code), strconv.Quote(r.Body.String()), in.args[0], st.recentLogs())
	}
}

// header NAME REGEXP: a header of the last response (empty when absent)
// matches REGEXP. With !, it does not.
func runHeader(ts *testscript.TestScript, st *state, in input) {
	name, re := in.args[0], in.re[1]
	got := st.response(ts).Header().Get(name)
	switch matched := re.MatchString(got); {
	case in.neg && matched && got == "":
		st.fail(ts, "%s answered without a %s header, which matches %s; expected a header that does not", st.lastCall, name, re)
	case in.neg && matched:
		st.fail(ts, "%s answered with %s: %s; expected it not to match %s", st.lastCall, name, got, re)
	case !in.neg && !matched && got == "":
		st.fail(ts, "%s answered without a %s header; expected one matching %s", st.lastCall, name, re)
	case !in.neg && !matched:
		st.fail(ts, "%s answered with %s: %s; expected %s", st.lastCall, name, got, re)
	}
}

// json [KEY REGEXP]: the last response body (or invoke payload) is a JSON
// object; with KEY, its top-level field KEY matches REGEXP. With !, the body
// is not a JSON object; with KEY, it is one whose KEY is absent or does not match.
func runJSON(ts *testscript.TestScript, st *state, in input) {
	var body []byte
	what := st.lastCall + " answered"
	switch {
	case st.lastResp != nil:
		body = st.lastResp.Body.Bytes()
	case st.lastInvok != nil:
		body, what = st.lastInvok, "the function returned"
	default:
		usageError(ts, "no request yet: use request or invoke first")
	}
	var obj map[string]any
	err := json.Unmarshal(body, &obj)
	if len(in.args) == 0 {
		switch {
		case in.neg && err == nil:
			st.fail(ts, "%s with a JSON object: %s; expected a body that is not one", what, body)
		case !in.neg && err != nil:
			st.fail(ts, "%s with a body that is not a JSON object: %s (%v)", what, strconv.Quote(string(body)), err)
		}
		return
	}
	if err != nil {
		st.fail(ts, "%s with a body that is not a JSON object: %s (%v)", what, strconv.Quote(string(body)), err)
	}
	key, re := in.args[0], in.re[1]
	v, ok := obj[key]
	if !ok {
		if in.neg {
			return
		}
		st.fail(ts, "%s with JSON that has no field %q: %s", what, key, body)
	}
	s, isStr := v.(string)
	if !isStr {
		b, _ := json.Marshal(v)
		s = string(b)
	}
	switch matched := re.MatchString(s); {
	case in.neg && matched:
		st.fail(ts, "%s with %q: %s; expected it not to match %s", what, key, clip(s), re)
	case !in.neg && !matched:
		st.fail(ts, "%s with %q: %s; expected it to match %s", what, key, clip(s), re)
	}
}

// clip shortens a value for a message's first line: a long list would push
// what was expected, and the hint, out of sight. The script's log has it whole.
func clip(s string) string {
	n := 160
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + fmt.Sprintf("… (%d bytes)", len(s))
}
