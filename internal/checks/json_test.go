package checks

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// runOffline runs scripts (name -> txtar text) with the step commands and a
// test-only `body TEXT` that stands for the last response: the commands that
// only read an answer run without deploying anything.
func runOffline(t *testing.T, scripts map[string]string) map[string]Result {
	t.Helper()
	return runOfflineWith(t, scripts, nil)
}

// runOfflineWith is runOffline with more test-only commands.
func runOfflineWith(t *testing.T, scripts map[string]string, extra map[string]func(*testscript.TestScript, bool, []string)) map[string]Result {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for name, text := range scripts {
		f := filepath.Join(dir, name+".txtar")
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	cmds := scriptCommands()
	cmds["body"] = func(ts *testscript.TestScript, neg bool, args []string) {
		rec := httptest.NewRecorder()
		rec.WriteString(strings.Join(args, " "))
		st := get(ts)
		st.lastResp, st.lastCall = rec, "GET /test"
	}
	for name, f := range extra {
		cmds[name] = f
	}
	rec := newRecorder()
	testscript.RunT(rec, testscript.Params{
		Files: files, Cmds: cmds, Deadline: time.Now().Add(time.Minute),
		Setup: func(e *testscript.Env) error {
			sub := e.T().(*script)
			st := newState(t.Context(), Target{Root: dir, Dir: dir}, sub)
			sub.state = st
			e.Values[stateKey{}] = st
			return nil
		},
	})
	out := map[string]Result{}
	for _, r := range rec.wait() {
		out[r.Name] = r
	}
	return out
}

// TestJSONTypes: a typed json match says what its words say. A string match
// fails on null, false, 0, {} and "", which a regexp on their JSON text
// (`.+`) would accept; a number is compared as a number; -absent means no
// field at all; and `!` of each is its exact opposite.
func TestJSONTypes(t *testing.T) {
	tests := []struct {
		name, body, assert string
		want               string // empty: passes; else the failure contains it
	}{
		{"string", `{"message":"hi"}`, `json -string message '\S'`, ""},
		{"string-null", `{"message":null}`, `json -string message .+`, `"message": null (null); expected a string matching .+`},
		{"string-false", `{"message":false}`, `json -string message .+`, "(a boolean); expected a string"},
		{"string-zero", `{"message":0}`, `json -string message .+`, "(a number); expected a string"},
		{"string-object", `{"message":{}}`, `json -string message .+`, "(an object); expected a string"},
		{"string-empty", `{"message":""}`, `json -string message '\S'`, `(an empty string); expected a string matching \S`},
		{"string-missing", `{"other":"x"}`, `json -string message .+`, `JSON that has no field "message"`},
		{"not-object", `[1]`, `json -string message .+`, "not a JSON object"},
		{"null-body", `null`, `json`, "not a JSON object"},
		{"object", `{}`, `json`, ""},
		{"not-object-neg", `{}`, `! json`, "with a JSON object: {}; expected a body that is not one"},
		{"not-object-neg-ok", `hello`, `! json`, ""},
		{"string-neg", `{"message":"hi"}`, `! json -string message hi`, "expected anything but a string matching hi"},
		{"string-neg-type", `{"message":1}`, `! json -string message 1`, ""},
		{"number", `{"Count":3}`, `json -number Count 3`, ""},
		{"number-float", `{"Count":3.0}`, `json -number Count 3`, ""},
		{"number-other", `{"Count":4}`, `json -number Count 3`, `"Count": 4 (a number); expected the number 3`},
		{"number-string", `{"Count":"3"}`, `json -number Count 3`, `"Count": "3" (a string); expected the number 3`},
		{"number-neg", `{"Count":3}`, `! json -number Count 3`, "expected anything but the number 3"},
		{"number-neg-missing", `{}`, `! json -number Count 3`, ""},
		{"array", `{"A":[{"dt":"b"},{"dt":"a"}]}`, `json -array A '\{"dt":"a"\}'`, ""},
		{"array-spaces", `{"A": [ {"dt": "a"} ]}`, `json -array A '^\[\{"dt":"a"\}\]$'`, ""},
		{"array-not", `{"A":"[{\"dt\":\"a\"}]"}`, `json -array A 'dt'`, "(a string); expected an array whose JSON matches dt"},
		{"array-missing-item", `{"A":[{"dt":"b"}]}`, `json -array A '\{"dt":"a"\}'`, `expected an array whose JSON matches \{"dt":"a"\}`},
		{"absent", `{"B":1}`, `json -absent A`, ""},
		{"absent-null", `{"A":null}`, `json -absent A`, `"A": null; expected no field "A" at all`},
		{"absent-neg", `{"B":1}`, `! json -absent A`, `JSON that has no field "A"`},
		{"absent-neg-ok", `{"A":1}`, `! json -absent A`, ""},
		{"hint", `{"A":1}`, "hint look here\njson -absent A", "\nhint: look here"},
		{"no-request", ``, `json`, "usage error: no request yet"},
	}
	scripts := map[string]string{}
	for _, tt := range tests {
		s := tt.assert + "\n"
		if tt.name != "no-request" {
			s = "body '" + strings.ReplaceAll(tt.body, "'", "''") + "'\n" + s
		}
		scripts[tt.name] = s
	}
	results := runOffline(t, scripts)
	for _, tt := range tests {
		r := results[tt.name]
		switch {
		case tt.want == "" && r.Failed:
			t.Errorf("%s: %s on %s should pass: %s\n%s", tt.name, tt.assert, tt.body, r.Message, r.Log)
		case tt.want != "" && !r.Failed:
			t.Errorf("%s: %s on %s passed; it should fail with %q", tt.name, tt.assert, tt.body, tt.want)
		case tt.want != "" && !strings.Contains(r.Message, tt.want):
			t.Errorf("%s: the failure should say %q:\n%s", tt.name, tt.want, r.Message)
		}
	}
}
