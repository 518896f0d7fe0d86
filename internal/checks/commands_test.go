package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// noDeniedScan is the fixture's template edit that makes its role deny dynamodb:Scan.
var noDeniedScan = [2]string{"                - dynamodb:Scan\n", ""}

// negationCases gives, for every command, either an assertion that holds on
// the access-log fixture (after setup, with the template edited when edit is
// set) and a piece of the message its negation must fail with; or, for a
// command that refuses `!`, a use of it. The setup asserts what the case
// relies on (the call was made), so that a slow run cannot make a negation
// pass for another reason.
var negationCases = []struct {
	name   string
	setup  string // script lines before the assertion
	assert string // the assertion, or for refused commands a use of the command
	files  string // txtar files the script needs
	edit   [2]string
	want   string // in the negation's failure; empty: the command refuses `!`
}{
	{name: "hint", assert: "hint 'a hint'"},
	{name: "lint", assert: "lint", want: "cfn-lint finds no error in internal/checks/fixtures/access-log/template.yaml; expected at least one"},
	{name: "translate", assert: "translate", want: "the SAM translator accepts internal/checks/fixtures/access-log/template.yaml; expected it to reject"},
	{name: "resource", assert: "resource Table AWS::Serverless::SimpleTable", want: "still has resource Table (AWS::Serverless::SimpleTable); expected it gone"},
	{name: "prop", assert: "prop AccessFunction Properties.Runtime provided.al2023", want: `resource AccessFunction has Properties.Runtime: "provided.al2023", which must change`},
	{name: "route", assert: "route GET /access AccessFunction", want: "resource AccessFunction has an Api event for GET /access; expected none"},
	{name: "output", assert: "output AccessApiUrl '/Prod/access$'", want: "output AccessApiUrl is \"https://"},
	{name: "fnenv", assert: "fnenv AccessFunction TABLE_NAME $PREFIX-Table", want: `-Table" once deployed; expected any other value`},
	{name: "golden", assert: "golden table Table"},
	{name: "same-translation", assert: "same-translation Table 03-simple-table", want: "resource Table is the same as the one in solutions/03-simple-table/template.yaml; expected them to differ"},
	{name: "build", assert: "build"},
	{name: "invoke", assert: "invoke AccessFunction", want: "AccessFunction returned {"},
	{name: "logs", setup: "request GET /access\nstatus 200", assert: "logs 'REPORT RequestId'", want: "the function logs show REPORT RequestId, which they should not"},
	{name: "unset", assert: "unset AccessFunction TABLE_NAME"},
	{name: "request", assert: "request GET /access"},
	{name: "status", setup: "request GET /access", assert: "status 200", want: "GET /access answered 200 OK with body"},
	{name: "header", setup: "request GET /access", assert: "header Content-Type '^application/json$'", want: "GET /access answered with Content-Type: application/json; expected it not to match ^application/json$"},
	{name: "json", setup: "request GET /access", assert: "json -number Count 1", want: `GET /access answered with "Count": 1; expected anything but the number 1`},
	{name: "table", assert: "table Table dt S", want: "has the partition key dt of type S; expected another key or type"},
	{name: "seed", assert: "seed Table items.json", files: "-- items.json --\n[{\"dt\":\"a\"}]\n"},
	{name: "seed-many", assert: "seed-many Table 2 10"},
	{name: "count", assert: "count Table 0", want: "holds 0 items; expected any other number"},
	{name: "denied", setup: "request GET /access\nlogs 'is not authorized to perform: dynamodb:Scan'", assert: "denied AccessFunction dynamodb:Scan", edit: noDeniedScan, want: "denied dynamodb:Scan on arn:aws:dynamodb:"},
	{name: "stored-time", setup: "request GET /access\nstatus 200", assert: "stored-time Table dt 2006-01-02T15:04:05.999999999Z07:00", want: "the time of this check on the stack's clock (UTC); expected none"},
	{name: "fault", assert: "fault AccessFunction ResourceNotFoundException"},
	{name: "reuses-connections", setup: "request GET /access\nstatus 200\nrequest GET /access\nstatus 200\nrequest GET /access\nstatus 200\nrequest GET /access\nstatus 200\nrequest GET /access\nstatus 200\nrequest GET /access\nstatus 200", assert: "reuses-connections AccessFunction", want: "warm invocations; expected a new connection in each"},
	{name: "cloudwatch", assert: "cloudwatch AccessFunction", want: "of AccessFunction can write its logs to CloudWatch Logs; expected it to lack"},
	{name: "allowed", setup: "request GET /access\nstatus 200", assert: "allowed AccessFunction dynamodb:Scan", want: "allowed every dynamodb:Scan of AccessFunction (on arn:aws:dynamodb:"},
	{name: "load", assert: "load 3 GET /access -c 2"},
	{name: "cost", setup: "request GET /access\nstatus 200", assert: "cost AccessFunction -max-items 1000 -max-read-units 1000", want: "stayed within -max-items 1000 -max-read-units 1000"},
	{name: "seed-bulk", assert: "seed-bulk Table 3 item.json", files: "-- item.json --\n{\"dt\":\"bulk-{i}\"}\n"},
	{name: "items", setup: "request GET /access\nstatus 200", assert: "items Table '\"dt\"'", want: `has an item matching "dt"`},
	{name: "walk", assert: "walk /access Items next 1", want: "returned 1 elements of Items, each exactly once"},
	{name: "calls", setup: "request GET /access\nstatus 200", assert: "calls AccessFunction dynamodb:Scan", want: "called dynamodb:Scan 1 time(s)"},
	{name: "collide", assert: "collide AccessFunction"},
	{name: "gotest", assert: "gotest TestHandler 1"},
	{name: "least-privilege", setup: "request GET /access\nstatus 200", assert: "least-privilege AccessFunction", want: "grants exactly what AccessFunction used; expected a broader grant"},
}

// TestEveryCommandNegatesOrRefuses proves, for every registered command,
// that `!` is not ignored: either an assertion that holds passes and its
// negation fails with a learner's message, or `!` is refused with a usage
// error naming the command.
func TestEveryCommandNegatesOrRefuses(t *testing.T) {
	registered := map[string]*command{}
	for _, c := range registry() {
		if registered[c.name] != nil {
			t.Errorf("command %s is registered twice", c.name)
		}
		registered[c.name] = c
	}
	covered := map[string]bool{}
	for _, tc := range negationCases {
		c := registered[tc.name]
		switch {
		case c == nil:
			t.Errorf("case %s names no registered command", tc.name)
		case c.noNot != "" && tc.want != "":
			t.Errorf("command %s refuses '!', yet its case expects a negation failure", tc.name)
		case c.noNot == "" && tc.want == "":
			t.Errorf("command %s takes '!', yet its case gives no negation failure to expect", tc.name)
		}
		covered[tc.name] = true
	}
	for name := range registered {
		if !covered[name] {
			t.Errorf("command %s has no case in negationCases: prove that '!' is negated or refused", name)
		}
	}

	root := repotest.Root(t)
	fixture := filepath.Join(root, "internal", "checks", "fixtures", "access-log")
	// One run per template: the scripts of a run share nothing but the app.
	byEdit := map[[2]string]map[string]string{} // edit -> script name -> text
	for _, tc := range negationCases {
		scripts := byEdit[tc.edit]
		if scripts == nil {
			scripts = map[string]string{}
			byEdit[tc.edit] = scripts
		}
		setup := ""
		if tc.setup != "" {
			setup = tc.setup + "\n"
		}
		if tc.want == "" {
			scripts[tc.name+"-refused"] = setup + "! " + tc.assert + "\n" + tc.files
			continue
		}
		scripts[tc.name+"-holds"] = setup + tc.assert + "\n" + tc.files
		scripts[tc.name+"-negated"] = setup + "! " + tc.assert + "\n" + tc.files
	}
	results := map[string]Result{}
	for change, scripts := range byEdit {
		dir := fixture
		if change[0] != "" {
			dir = copyStep(t, root, fixture)
			edit(t, filepath.Join(dir, stack.TemplateFile), change[0], change[1])
		}
		for _, r := range runScripts(t, Target{Root: root, Step: Step{Slug: "access-log"}, Mode: Solution, Dir: dir}, scripts) {
			results[r.Name] = r
		}
	}

	for _, tc := range negationCases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == "" {
				r := results[tc.name+"-refused"]
				want := fmt.Sprintf("usage error: %s does not take '!'", tc.name)
				if !r.Failed || !r.Broken || !strings.Contains(r.Message, want) {
					t.Errorf("! %s: want a failure with %q, got failed=%v: %s\n%s", tc.assert, want, r.Failed, r.Message, r.Log)
				}
				t.Logf("! %s: %s", tc.assert, r.Message)
				return
			}
			holds, negated := results[tc.name+"-holds"], results[tc.name+"-negated"]
			if holds.Skipped || negated.Skipped {
				t.Skipf("a tool is missing: %s%s", holds.Message, negated.Message)
			}
			if holds.Failed {
				t.Fatalf("%s: the assertion should hold on the fixture: %s\n%s", tc.assert, holds.Message, holds.Log)
			}
			if !negated.Failed {
				t.Fatalf("! %s passed: the negation is ignored\n%s", tc.assert, negated.Log)
			}
			if !strings.Contains(negated.Message, tc.want) || negated.Broken {
				t.Errorf("! %s: the failure should say %q:\n%s", tc.assert, tc.want, negated.Message)
			}
			t.Logf("! %s: %s", tc.assert, negated.Message)
		})
	}
}

// TestUsageErrors: a script that misuses a command (a bad regular
// expression, a wrong argument) stops with a usage error naming the
// command, never a panic or a learner's failure.
func TestUsageErrors(t *testing.T) {
	root := repotest.Root(t)
	tests := map[string]struct{ script, want string }{
		"logs-regexp":    {"logs '('", `usage error: logs: "(" is not a regular expression`},
		"output-regexp":  {"output AccessApiUrl 'a[b'", `usage error: output: "a[b" is not a regular expression`},
		"header-regexp":  {"request GET /access\nheader Content-Type '*json'", `usage error: header: "*json" is not a regular expression`},
		"json-regexp":    {"request GET /access\njson -string Count '(?<'", `usage error: json: "(?<" is not a regular expression`},
		"too-many":       {"status 200 201", "usage error: status takes 1 argument(s), got 2 (usage: status CODE)"},
		"status-code":    {"status OK", `usage error: status: CODE is an HTTP status such as 200, not "OK"`},
		"json-half":      {"request GET /access\njson -number Count", "usage error: json: -number takes KEY and a value"},
		"json-untyped":   {"request GET /access\njson Count 1", "usage error: json: say what the field holds: json -string KEY REGEXP"},
		"json-two-types": {"request GET /access\njson -string -number Count 1", "usage error: json: give one type flag, not -string -number"},
		"json-number":    {"request GET /access\njson -number Count one", `usage error: json: N is a number such as 3, not "one"`},
		"json-absent":    {"request GET /access\njson -absent Count 1", "usage error: json: -absent takes KEY only"},
		"unknown-flag":   {"prop -translate AccessFunction Properties.Runtime x", "usage error: prop has no flag -translate"},
		"count-number":   {"count Table many", `usage error: count: N is a whole number, not "many"`},
		"seed-not-json":  {"seed Table items.json\n-- items.json --\n{\"dt\":\"a\"}\n", "usage error: seed: items.json is not a JSON array of items"},
		"seed-no-file":   {"seed Table items.json", "usage error: seed: the script has no file items.json"},
		"invoke-no-file": {"invoke AccessFunction event.json", "usage error: invoke: the script has no file event.json"},
		"unique-names":   {"translate\n-- a.json --\n1\n-- a.json --\n2\n", "RequireUniqueNames"},
		"table-key-type": {"table Table dt String", `usage error: table: TYPE is S, N or B`},
		"fault-name":     {"fault AccessFunction Throttled", `usage error: fault: ERROR is one of InternalServerError, ProvisionedThroughputExceededException`},
		"fault-count":    {"fault AccessFunction InternalServerError 0", `usage error: fault: N is how many calls get the error (at least 1), not "0"`},
		"gotest-name":    {"gotest '^TestHandler$' 3", `usage error: gotest: TEST is the name of a test function (TestHandler), not "^TestHandler$"`},
		"gotest-cases":   {"gotest TestHandler many", `usage error: gotest: MIN-CASES`},
		"gotest-func":    {"gotest TestHandler 5 handler", `usage error: gotest: FUNC goes with MIN-PERCENT`},
		"gotest-percent": {"gotest TestHandler 5 handler 101", `usage error: gotest: MIN-PERCENT is a whole number from 1 to 100, not "101"`},
	}
	scripts := map[string]string{}
	for name, tt := range tests {
		scripts[name] = tt.script + "\n"
	}
	target := Target{Root: root, Step: Step{Slug: "access-log"}, Mode: Solution, Dir: filepath.Join(root, "internal", "checks", "fixtures", "access-log")}
	results := map[string]Result{}
	for _, r := range runScripts(t, target, scripts) {
		results[r.Name] = r
	}
	for name, tt := range tests {
		r := results[name]
		if !r.Failed || !strings.Contains(r.Message, tt.want) {
			t.Errorf("%s: want a failure with %q, got failed=%v: %s\n%s", name, tt.want, r.Failed, r.Message, r.Log)
		}
		if name != "unique-names" && !r.Broken {
			t.Errorf("%s: a usage error must mark the check broken, not failed for the learner's reason", name)
		}
		if strings.Contains(r.Log, "panic") || strings.Contains(r.Log, "goroutine ") {
			t.Errorf("%s: the log shows a panic:\n%s", name, r.Log)
		}
	}
}

// TestFirstDiffIsStable: the first difference between two maps is the same
// on every call, whatever the map order.
func TestFirstDiffIsStable(t *testing.T) {
	want := map[string]any{}
	got := map[string]any{}
	for i := range 20 {
		k := fmt.Sprintf("Key%02d", i)
		want[k] = map[string]any{"Value": float64(i), "Other": "x"}
		got[k] = map[string]any{"Value": float64(i + 100), "Other": "y"}
	}
	missing := map[string]any{"A": 1.0, "B": 2.0, "C": 3.0}
	for _, tt := range []struct {
		want, got any
		msg       string
	}{
		{want, got, `at Key00.Other: expected "x", got "y"`},
		{missing, map[string]any{}, "at the top of the resource: A is missing"},
		{map[string]any{}, missing, "at the top of the resource: A is not expected"},
	} {
		for range 200 {
			if m := firstDiff(tt.want, tt.got, ""); m != tt.msg {
				t.Fatalf("firstDiff gave %q; want %q on every call", m, tt.msg)
			}
		}
	}
}

// runScripts runs scripts (name -> txtar text) on target and returns their results.
func runScripts(t *testing.T, target Target, scripts map[string]string) []Result {
	t.Helper()
	dir := t.TempDir()
	var names []string
	for name, text := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name+".txtar"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	target.ScriptsDir = dir
	results, err := target.Check(names, time.Now().Add(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(scripts) {
		t.Fatalf("%d results for %d scripts", len(results), len(scripts))
	}
	return results
}

// TestBrokenCheckIsNoExpectedFailure: on the untouched starter, a check that
// fails because it misuses a command proves nothing, even when the manifest
// expects it to fail.
func TestBrokenCheckIsNoExpectedFailure(t *testing.T) {
	target := Target{Mode: Verify, Step: Step{Slug: "01-hello-api", FailOnStarter: map[string]string{"hello": "expected 200"}}}
	results := []Result{{Name: "hello", Failed: true, Broken: true, Message: "usage error: status takes 1 argument(s), got 2 (usage: status CODE)"}}
	lines := Judge(target, results)
	if len(lines) != 1 || !lines[0].Fail || !strings.Contains(lines[0].Text, "check hello is itself wrong") {
		t.Errorf("Judge counted a broken check as failing as expected: %+v", lines)
	}
	target.Mode = Learner
	if lines := Judge(target, results); len(lines) != 2 || !strings.Contains(lines[0].Text, "this check is itself wrong, not the files it checks: usage error") {
		t.Errorf("a learner should read that the check, not their work, is wrong: %+v", lines)
	}
	target.Mode = Verify
	results[0].Broken = false
	results[0].Message = "GET /hello answered 403; expected 200"
	if lines := Judge(target, results); len(lines) != 1 || lines[0].Fail {
		t.Errorf("Judge should accept the expected failure: %+v", lines)
	}
}
