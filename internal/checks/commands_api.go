package checks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/serverless-dva/sam-dynamodb-go/internal/apigw"
)

// apiCommands send requests through the local API Gateway and check its answers.
var apiCommands = []*command{
	{name: "request", form: "METHOD PATH [BODY]", min: 2, max: 3, run: runRequest,
		noNot: "it sends a request and asserts nothing; check the answer with status, header or json"},
	{name: "status", form: "CODE", min: 1, max: 1, valid: validStatus, run: runStatus},
	{name: "header", form: "NAME REGEXP", min: 2, max: 2, regexps: []int{1}, run: runHeader},
	{name: "json", form: jsonForm, min: 0, max: 2, regexps: []int{1},
		flags: []string{"-string", "-number", "-array", "-absent"}, run: runJSON},
}

func validStatus(args []string) error {
	if n, err := strconv.Atoi(args[0]); err != nil || n < 100 || n > 599 {
		return fmt.Errorf("CODE is an HTTP status such as 200, not %q", args[0])
	}
	return nil
}

const jsonForm = "[-string KEY REGEXP | -number KEY N | -array KEY REGEXP | -absent KEY]"

// validJSON checks a json use: no argument, or one type flag and its
// arguments. A field without a type would match null, false, 0 or {} too.
func validJSON(flags, args []string) error {
	switch {
	case len(flags) == 0 && len(args) == 0:
		return nil
	case len(flags) == 0:
		return errors.New("say what the field holds: json -string KEY REGEXP, -number KEY N, -array KEY REGEXP or -absent KEY")
	case len(flags) > 1:
		return fmt.Errorf("give one type flag, not %s", strings.Join(flags, " "))
	case flags[0] == "-absent" && len(args) != 1:
		return errors.New("-absent takes KEY only")
	case flags[0] != "-absent" && len(args) != 2:
		return fmt.Errorf("%s takes KEY and a value", flags[0])
	case flags[0] == "-number":
		if _, err := strconv.ParseFloat(args[1], 64); err != nil {
			return fmt.Errorf("N is a number such as 3, not %q", args[1])
		}
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
	why := &apigw.Failure{}
	req := httptest.NewRequestWithContext(apigw.WithFailure(st.ctx, why), method, in.args[1], strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:50000"
	rec := httptest.NewRecorder()
	s.API.ServeHTTP(rec, req)
	st.lastResp, st.lastCall, st.lastFail, st.load = rec, method+" "+in.args[1], why, nil
	fmt.Fprintf(ts.Stdout(), "%d %s\n", rec.Code, shown(rec.Body.String()))
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
	same := strconv.Itoa(r.Code) == in.args[0]
	if st.fault.delivered(st) && r.Code < 300 && same == in.neg {
		// The cause first: the code carried on as if DynamoDB had answered.
		st.fail(ts, "%s: %s answered %s with %d although DynamoDB answered its call with %s: check the error each DynamoDB call returns; log it and answer 500 with a JSON message.%s",
			st.codeFile(ts, st.fault.function), st.fault.function, st.lastCall, r.Code, st.fault.err, st.recentLogs())
	}
	// When API Gateway answered an error of its own, its reason comes
	// first: the body only says "Internal server error".
	got, why := fmt.Sprintf("%d %s with body %s", r.Code, http.StatusText(r.Code), strconv.Quote(shown(r.Body.String()))), ""
	if reason := failureReason(st.lastFail, st.code()); reason != "" {
		got = fmt.Sprintf("%d %s", r.Code, http.StatusText(r.Code))
		why = fmt.Sprintf(" Why: %s.\nThe body was %s.", reason, strconv.Quote(shown(r.Body.String())))
	}
	switch {
	case in.neg && same:
		st.fail(ts, "%s answered %s; expected any other status.%s%s", st.lastCall, got, why, st.recentLogs())
	case !in.neg && !same:
		st.fail(ts, "%s answered %s; expected %s.%s%s", st.lastCall, got, in.args[0], why, st.recentLogs())
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

// json: the last response body (or invoke payload) is a JSON object. With a
// type flag, its top-level field KEY is of that type and matches:
//
//	json -string KEY REGEXP  a string that matches REGEXP
//	json -number KEY N       a number equal to N
//	json -array KEY REGEXP   an array whose compact JSON matches REGEXP
//	json -absent KEY         no field KEY at all
//
// With !, the body is not a JSON object; with a flag, it is one and KEY is
// not what the flag says (absent, of another type, or another value).
func runJSON(ts *testscript.TestScript, st *state, in input) {
	if err := validJSON(in.flags, in.args); err != nil {
		usageError(ts, "json: %v (usage: json %s)", err, jsonForm)
	}
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
	var obj map[string]json.RawMessage
	err := json.Unmarshal(body, &obj)
	if err == nil && obj == nil {
		err = errors.New("it is null")
	}
	if len(in.flags) == 0 {
		switch {
		case in.neg && err == nil:
			st.fail(ts, "%s with a JSON object: %s; expected a body that is not one", what, shown(string(body)))
		case !in.neg && err != nil:
			st.fail(ts, "%s with a body that is not a JSON object: %s (%v)", what, strconv.Quote(shown(string(body))), err)
		}
		return
	}
	if err != nil {
		st.fail(ts, "%s with a body that is not a JSON object: %s (%v)", what, strconv.Quote(shown(string(body))), err)
	}
	key := in.args[0]
	raw, present := obj[key]
	var v any
	if present {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		_ = d.Decode(&v) // raw is one valid JSON value: json.Unmarshal checked it
	}
	if in.flag("-absent") {
		switch {
		case in.neg && !present:
			st.fail(ts, "%s with JSON that has no field %q: %s; expected one", what, key, shown(string(body)))
		case !in.neg && present:
			st.fail(ts, "%s with %q: %s; expected no field %q at all", what, key, shown(string(raw)), key)
		}
		return
	}
	want, ok := jsonWant(in)
	if !present {
		if !in.neg {
			st.fail(ts, "%s with JSON that has no field %q: %s; expected %s", what, key, shown(string(body)), want)
		}
		return
	}
	if !ok(v, raw) {
		if !in.neg {
			st.fail(ts, "%s with %q: %s (%s); expected %s", what, key, shown(string(raw)), jsonKind(v), want)
		}
		return
	}
	if in.neg {
		st.fail(ts, "%s with %q: %s; expected anything but %s", what, key, shown(string(raw)), want)
	}
}

// jsonWant describes what a typed json match expects, and tests a value.
func jsonWant(in input) (string, func(v any, raw json.RawMessage) bool) {
	switch {
	case in.flag("-string"):
		re := in.re[1]
		return "a string matching " + re.String(), func(v any, _ json.RawMessage) bool {
			s, ok := v.(string)
			return ok && re.MatchString(s)
		}
	case in.flag("-number"):
		want, _ := strconv.ParseFloat(in.args[1], 64) // validJSON checked it
		return "the number " + in.args[1], func(v any, _ json.RawMessage) bool {
			n, ok := v.(json.Number)
			if !ok {
				return false
			}
			got, err := n.Float64()
			return err == nil && got == want
		}
	}
	re := in.re[1]
	return "an array whose JSON matches " + re.String(), func(v any, raw json.RawMessage) bool {
		if _, ok := v.([]any); !ok {
			return false
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return false
		}
		return re.MatchString(compact.String())
	}
}

// jsonKind names a JSON value's type for messages: null and {} are not strings.
func jsonKind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		if x == "" {
			return "an empty string"
		}
		return "a string"
	case []any:
		return "an array"
	}
	return "an object"
}
