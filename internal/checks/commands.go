package checks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/serverless-dva/sam-dynamodb-go/internal/cfn"
	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/gobuild"
	"github.com/serverless-dva/sam-dynamodb-go/internal/iam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/samtools"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// commands are the testscript commands a step's checks use. Each failure
// names the file and the resource, says what was expected, and adds the
// script's current hint.
var commands = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"hint":             cmdHint,
	"lint":             cmdLint,
	"translate":        cmdTranslate,
	"resource":         cmdResource,
	"prop":             cmdProp,
	"route":            cmdRoute,
	"output":           cmdOutput,
	"fnenv":            cmdFnEnv,
	"build":            cmdBuild,
	"request":          cmdRequest,
	"status":           cmdStatus,
	"header":           cmdHeader,
	"json":             cmdJSON,
	"invoke":           cmdInvoke,
	"logs":             cmdLogs,
	"table":            cmdTable,
	"seed":             cmdSeed,
	"count":            cmdCount,
	"golden":           cmdGolden,
	"denied":           cmdDenied,
	"least-privilege":  cmdLeastPrivilege,
	"unset":            cmdUnset,
	"seed-many":        cmdSeedMany,
	"same-translation": cmdSameTranslation,
}

func init() {
	// A hint explains the command right after it, and only that one.
	for name, cmd := range commands {
		if name == "hint" {
			continue
		}
		commands[name] = func(ts *testscript.TestScript, neg bool, args []string) {
			cmd(ts, neg, args)
			get(ts).hint = ""
		}
	}
}

type stateKey struct{}

// state is one script's view of the step under test.
type state struct {
	target  Target
	t       *script
	hint    string
	failure string // the learner's message, once a command failed

	analysis *samtools.Result

	unset     map[string][]string // env vars to remove at deploy, by function
	stack     *stack.Stack
	logs      logbuf.Buffer // function and API logs since deploy
	lastResp  *httptest.ResponseRecorder
	lastCall  string // "GET /hello", for messages
	lastInvok []byte
}

func newState(t Target, s *script) *state {
	return &state{target: t, t: s}
}

func get(ts *testscript.TestScript) *state {
	return ts.Value(stateKey{}).(*state)
}

// fail ends the check with a learner's message and the current hint.
func (st *state) fail(ts *testscript.TestScript, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if st.hint != "" {
		msg += "\nhint: " + st.hint
	}
	if st.stack != nil {
		if why := st.stack.Backend.Exited(); why != "" {
			// Not the learner's doing: say so first.
			msg = fmt.Sprintf("DynamoDB Local exited during this check (%s) and restarted empty, so this failure may not come from your work: run the check again.\n", why) + msg
		}
	}
	st.failure = msg
	ts.Fatalf("%s", msg)
}

// strict is set in CI: a missing tool fails instead of skipping.
func strict() bool {
	return os.Getenv("CI") == "true" || os.Getenv("WORKSHOP_STRICT") == "1"
}

// missingTool skips the check (or fails it in strict mode) when err says a
// tool is not installed; otherwise it returns and the caller reports err.
func (st *state) missingTool(ts *testscript.TestScript, err error) {
	if errors.Is(err, samtools.ErrMissing) || errors.Is(err, dynamo.ErrNotInstalled) {
		if strict() {
			st.fail(ts, "%v (CI=true or WORKSHOP_STRICT=1 requires every tool)", err)
		}
		st.t.Skip(err.Error())
	}
}

func (st *state) templatePath() string {
	return filepath.Join(st.target.Dir, stack.TemplateFile)
}

func (st *state) rel(path string) string {
	return stack.DisplayPath(path)
}

// relPaths shortens absolute paths in a tool's message to repository-relative ones.
func (st *state) relPaths(msg string) string {
	return strings.ReplaceAll(msg, st.target.Root+string(filepath.Separator), "")
}

func (st *state) analyze(ts *testscript.TestScript) *samtools.Result {
	if st.analysis != nil {
		return st.analysis
	}
	ctx := context.Background()
	if err := samtools.Available(ctx); err != nil {
		st.missingTool(ts, err)
		st.fail(ts, "%v", err)
	}
	res, err := samtools.Analyze(ctx, st.templatePath(), samtools.Options{})
	if err != nil {
		st.fail(ts, "%s: %v", st.rel(st.templatePath()), err)
	}
	st.analysis = res
	return res
}

// template returns the template as written, or (with -translated) after the SAM transform.
func (st *state) template(ts *testscript.TestScript, translated bool) (*cfn.Template, string) {
	if translated {
		res := st.analyze(ts)
		if res.Translated == nil {
			st.fail(ts, "the SAM translator could not translate %s:\n%s", st.rel(st.templatePath()), strings.Join(res.TranslateErrors, "\n"))
		}
		return &cfn.Template{Path: st.templatePath(), Doc: res.Translated}, "the SAM translation of " + st.rel(st.templatePath())
	}
	t, err := cfn.Load(st.templatePath())
	if err != nil {
		st.fail(ts, "%v", err)
	}
	return t, st.rel(st.templatePath())
}

func translatedFlag(args []string) (bool, []string) {
	if len(args) > 0 && args[0] == "-translated" {
		return true, args[1:]
	}
	return false, args
}

func usage(ts *testscript.TestScript, args []string, n int, form string) {
	if len(args) != n {
		ts.Fatalf("usage: %s", form)
	}
}

func cmdHint(ts *testscript.TestScript, neg bool, args []string) {
	get(ts).hint = strings.Join(args, " ")
}

// lint: cfn-lint finds no error in template.yaml.
func cmdLint(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	res := st.analyze(ts)
	var errs []string
	for _, f := range res.Findings {
		if f.Level == "error" {
			errs = append(errs, st.relPaths(f.String()))
		} else {
			ts.Logf("%s", st.relPaths(f.String()))
		}
	}
	if len(errs) > 0 {
		st.fail(ts, "cfn-lint finds %d error(s) in %s:\n%s", len(errs), st.rel(st.templatePath()), strings.Join(errs, "\n"))
	}
}

// translate: the SAM translator accepts template.yaml.
func cmdTranslate(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	st.template(ts, true)
}

// resource [-translated] ID TYPE
func cmdResource(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	tr, args := translatedFlag(args)
	usage(ts, args, 2, "resource [-translated] ID TYPE")
	t, where := st.template(ts, tr)
	r, ok := t.Resource(args[0])
	if neg {
		if ok && (r.Type == args[1] || args[1] == "*") {
			st.fail(ts, "%s still has resource %s (%s); expected it gone", where, args[0], r.Type)
		}
		return
	}
	if !ok {
		st.fail(ts, "%s has no resource %s; expected a %s named %s%s", where, args[0], args[1], args[0], others(t))
	}
	if r.Type != args[1] {
		st.fail(ts, "%s: resource %s is a %s; expected a %s", at(t, where, args[0]), args[0], r.Type, args[1])
	}
}

func others(t *cfn.Template) string {
	var ids []string
	for _, r := range t.Resources() {
		ids = append(ids, r.ID+" ("+r.Type+")")
	}
	return " (resources: " + strings.Join(ids, ", ") + ")"
}

func at(t *cfn.Template, where, path string) string {
	if l := t.Line(path); l > 0 {
		return fmt.Sprintf("%s:%d", where, l)
	}
	return where
}

// prop [-translated] ID PATH WANT: the resource's PATH (dot-separated, from
// the resource: Properties.Runtime, Metadata.BuildMethod) equals WANT (JSON
// when it starts with [ or {). With !, PATH must not equal WANT; WANT "-"
// means "absent".
func cmdProp(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	tr, args := translatedFlag(args)
	// -aslist: a string counts as a one-item list, as in IAM policy elements
	// (Action: sts:AssumeRole means [sts:AssumeRole]).
	asList := len(args) > 0 && args[0] == "-aslist"
	if asList {
		args = args[1:]
	}
	usage(ts, args, 3, "prop [-translated] [-aslist] ID PATH WANT")
	id, path, want := args[0], args[1], args[2]
	t, where := st.template(ts, tr)
	raw, ok := t.Doc["Resources"].(map[string]any)[id]
	if !ok {
		st.fail(ts, "%s has no resource %s%s", where, id, others(t))
	}
	got, found := lookupDots(raw, path)
	line := at(t, where, id)
	if parts := strings.SplitN(path, ".", 3); len(parts) >= 2 && parts[0] == "Properties" {
		line = at(t, where, id+"/Properties/"+parts[1])
	}
	if want == "-" { // absent; with !, present
		if found == neg {
			return
		}
		if neg {
			st.fail(ts, "%s: resource %s has no %s; expected one", line, id, path)
		}
		st.fail(ts, "%s: resource %s has %s: %s; expected it absent", line, id, path, show(got))
	}
	compared := got
	if _, isList := got.([]any); found && asList && !isList {
		compared = []any{got}
	}
	equal := found && sameValue(compared, want)
	switch {
	case neg && equal:
		st.fail(ts, "%s: resource %s has %s: %s, which must change", line, id, path, show(got))
	case !neg && !found:
		st.fail(ts, "%s: resource %s has no %s; expected %s: %s", line, id, path, path, want)
	case !neg && !equal:
		st.fail(ts, "%s: resource %s has %s: %s; expected %s", line, id, path, show(got), want)
	}
}

// lookupDots follows a dot-separated path (Properties.Runtime); dots, not
// slashes, because API paths such as /hello are keys in the translation.
func lookupDots(v any, path string) (any, bool) {
	return cfn.LookupKeys(v, strings.Split(path, "."))
}

func sameValue(got any, want string) bool {
	if strings.HasPrefix(want, "[") || strings.HasPrefix(want, "{") {
		var w any
		if err := json.Unmarshal([]byte(want), &w); err != nil {
			return false
		}
		g, _ := json.Marshal(got)
		var gn any
		_ = json.Unmarshal(g, &gn)
		return reflect.DeepEqual(gn, w)
	}
	switch g := got.(type) {
	case string:
		return g == want
	case []any, map[string]any:
		return false
	}
	return fmt.Sprint(got) == want
}

func show(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// route METHOD PATH FUNCTION: an Api event sends METHOD PATH to FUNCTION.
func cmdRoute(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	usage(ts, args, 3, "route METHOD PATH FUNCTION")
	app := st.app(ts)
	method, path, fn := strings.ToUpper(args[0]), args[1], args[2]
	if _, ok := app.Function(fn); !ok {
		st.fail(ts, "%s has no function %s (AWS::Serverless::Function)", st.rel(st.templatePath()), fn)
	}
	var have []string
	for _, r := range app.Routes {
		if r.Function == fn && r.Path == path && (r.Method == method || r.Method == "ANY") {
			return
		}
		if r.Function == fn {
			have = append(have, r.Method+" "+r.Path)
		}
	}
	got := "no Api event"
	if len(have) > 0 {
		got = "only " + strings.Join(have, ", ")
	}
	st.fail(ts, "%s: resource %s has %s; expected an Api event for %s %s under Properties.Events", app.Template.Where(fn), fn, got, method, path)
}

func (st *state) app(ts *testscript.TestScript) *sam.App {
	app, _, err := stack.Load(st.target.Dir, sam.Deployment{})
	if err != nil {
		st.fail(ts, "%v", err)
	}
	return app
}

// output NAME REGEXP: the stack output NAME, resolved for a local deployment, matches REGEXP.
func cmdOutput(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	usage(ts, args, 2, "output NAME REGEXP")
	app, env, err := stack.Load(st.target.Dir, sam.Deployment{})
	if err != nil {
		st.fail(ts, "%v", err)
	}
	outs, _ := app.Template.Doc["Outputs"].(map[string]any)
	o, ok := outs[args[0]].(map[string]any)
	if !ok {
		st.fail(ts, "%s has no output %s; expected one under Outputs", st.rel(st.templatePath()), args[0])
	}
	v, err := env.ResolveString(o["Value"])
	if err != nil {
		st.fail(ts, "%s: output %s: %v", st.rel(st.templatePath()), args[0], err)
	}
	fmt.Fprintln(ts.Stdout(), v)
	if !regexp.MustCompile(args[1]).MatchString(v) {
		st.fail(ts, "%s: output %s is %q once deployed; expected it to match %s", st.rel(st.templatePath()), args[0], v, args[1])
	}
}

// fnenv FUNCTION VAR WANT: the function sees VAR=WANT once deployed (intrinsics resolved).
func cmdFnEnv(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	usage(ts, args, 3, "fnenv FUNCTION VAR WANT")
	app, env, err := stack.Load(st.target.Dir, sam.Deployment{})
	if err != nil {
		st.fail(ts, "%v", err)
	}
	fn, ok := app.Function(args[0])
	if !ok {
		st.fail(ts, "%s has no function %s", st.rel(st.templatePath()), args[0])
	}
	raw, ok := cfn.Lookup(fn.Properties, "Environment/Variables/"+args[1])
	if !ok {
		st.fail(ts, "%s: resource %s has no environment variable %s; expected one under Properties.Environment.Variables", app.Template.Where(fn.ID), fn.ID, args[1])
	}
	got, err := env.ResolveString(raw)
	if err != nil {
		st.fail(ts, "%s: resource %s: environment variable %s: %v", app.Template.Where(fn.ID), fn.ID, args[1], err)
	}
	if got != args[2] {
		st.fail(ts, "%s: resource %s: environment variable %s is %q once deployed; expected %q", app.Template.Where(fn.ID), fn.ID, args[1], got, args[2])
	}
}

// build: every function builds as `sam build` builds it, for its architecture.
func cmdBuild(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	app := st.app(ts)
	if len(app.Functions) == 0 {
		st.fail(ts, "%s has no AWS::Serverless::Function to build", st.rel(st.templatePath()))
	}
	for _, fn := range app.Functions {
		if err := fn.BuildProblem(); err != nil {
			st.fail(ts, "%s: %v", app.Template.Where(fn.ID), err)
		}
		out := filepath.Join(ts.Getenv("WORK"), ".aws-sam", "build", fn.ID)
		bin, err := gobuild.Build(context.Background(), gobuild.Target{Dir: fn.CodeDir, Arch: fn.Arch}, out)
		if err != nil {
			st.fail(ts, "building %s (CodeUri %s) as sam build does:\n%v", fn.ID, st.rel(fn.CodeDir), err)
		}
		if err := gobuild.CheckELF(bin, fn.Arch); err != nil {
			st.fail(ts, "%s: resource %s: %v", app.Template.Where(fn.ID), fn.ID, err)
		}
		fmt.Fprintf(ts.Stdout(), "built %s for linux/%s: %s\n", fn.ID, fn.Arch, bin)
	}
}

// deploy starts the step locally once per script.
func (st *state) deploy(ts *testscript.TestScript) *stack.Stack {
	if st.stack != nil {
		return st.stack
	}
	s, err := stack.Deploy(context.Background(), stack.Options{
		Dir:      st.target.Dir,
		Unset:    st.unset,
		BuildDir: filepath.Join(ts.Getenv("WORK"), ".local-build"),
		Logs:     &st.logs,
	})
	if err != nil {
		st.missingTool(ts, err)
		var ce *gobuild.CompileError
		if errors.As(err, &ce) {
			st.fail(ts, "the function's Go code does not compile:\n%v", err)
		}
		st.fail(ts, "could not start the app locally: %v", err)
	}
	st.stack = s
	ts.Defer(func() { s.Close() })
	return s
}

// request METHOD PATH [BODY]: send a request to the local API Gateway.
func cmdRequest(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: request METHOD PATH [BODY]")
	}
	s := st.deploy(ts)
	var body string
	if len(args) == 3 {
		body = args[2]
	}
	req := httptest.NewRequest(strings.ToUpper(args[0]), args[1], strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:50000"
	rec := httptest.NewRecorder()
	s.API.ServeHTTP(rec, req)
	st.lastResp, st.lastCall = rec, strings.ToUpper(args[0])+" "+args[1]
	fmt.Fprintf(ts.Stdout(), "%d %s\n", rec.Code, rec.Body.String())
}

func (st *state) response(ts *testscript.TestScript) *httptest.ResponseRecorder {
	if st.lastResp == nil {
		ts.Fatalf("no request yet: use request METHOD PATH first")
	}
	return st.lastResp
}

// recentLogs is the tail of the function logs, to show with a failure.
func (st *state) recentLogs() string {
	l := strings.TrimSpace(st.logs.String())
	if l == "" {
		return ""
	}
	lines := strings.Split(l, "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return "\nthe local logs (as CloudWatch shows them) end with:\n  " + strings.Join(lines, "\n  ")
}

// status CODE: the last response's HTTP status.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	usage(ts, args, 1, "status CODE")
	r := st.response(ts)
	if strconv.Itoa(r.Code) == args[0] {
		return
	}
	st.fail(ts, "%s answered %d %s with body %s; expected %s.%s", st.lastCall, r.Code, http.StatusText(r.Code), strconv.Quote(r.Body.String()), args[0], st.recentLogs())
}

// header NAME REGEXP: a header of the last response.
func cmdHeader(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	usage(ts, args, 2, "header NAME REGEXP")
	got := st.response(ts).Header().Get(args[0])
	if regexp.MustCompile(args[1]).MatchString(got) {
		return
	}
	if got == "" {
		st.fail(ts, "%s answered without a %s header; expected one matching %s", st.lastCall, args[0], args[1])
	}
	st.fail(ts, "%s answered with %s: %s; expected %s", st.lastCall, args[0], got, args[1])
}

// json [KEY REGEXP]: the last response body (or invoke payload) is a JSON
// object; with KEY, its top-level field KEY matches REGEXP.
func cmdJSON(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	var body []byte
	what := st.lastCall + " answered"
	if st.lastResp != nil {
		body = st.lastResp.Body.Bytes()
	} else if st.lastInvok != nil {
		body, what = st.lastInvok, "the function returned"
	} else {
		ts.Fatalf("no request yet: use request or invoke first")
	}
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		st.fail(ts, "%s with a body that is not a JSON object: %s (%v)", what, strconv.Quote(string(body)), err)
	}
	if len(args) == 0 {
		return
	}
	usage(ts, args, 2, "json [KEY REGEXP]")
	v, ok := obj[args[0]]
	if !ok {
		st.fail(ts, "%s with JSON that has no field %q: %s", what, args[0], body)
	}
	s := fmt.Sprint(v)
	if _, isStr := v.(string); !isStr {
		b, _ := json.Marshal(v)
		s = string(b)
	}
	if !regexp.MustCompile(args[1]).MatchString(s) {
		st.fail(ts, "%s with %q: %s; expected it to match %s", what, args[0], s, args[1])
	}
}

// invoke FUNCTION [EVENTFILE]: invoke the function directly, as `aws lambda invoke` does.
func cmdInvoke(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: invoke FUNCTION [EVENTFILE]")
	}
	s := st.deploy(ts)
	f, ok := s.Functions[args[0]]
	if !ok {
		st.fail(ts, "%s has no function %s", st.rel(st.templatePath()), args[0])
	}
	payload := []byte("{}")
	if len(args) == 2 {
		payload = []byte(ts.ReadFile(args[1]))
	}
	r, err := f.Invoke(context.Background(), payload)
	if err != nil {
		st.fail(ts, "invoking %s: %v", args[0], err)
	}
	st.lastInvok, st.lastResp = r.Payload, nil
	fmt.Fprintf(ts.Stdout(), "%s\n", r.Payload)
	if (r.FunctionError != "") != neg {
		if neg {
			st.fail(ts, "%s returned %s; expected it to fail", args[0], r.Payload)
		}
		st.fail(ts, "%s failed: %s%s", args[0], r.Payload, st.recentLogs())
	}
}

// logs REGEXP: the function logs so far match REGEXP (with !, do not).
func cmdLogs(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	usage(ts, args, 1, "logs REGEXP")
	found := regexp.MustCompile(args[0]).MatchString(st.logs.String())
	if found == neg {
		if neg {
			st.fail(ts, "the function logs show %s, which they should not.%s", args[0], st.recentLogs())
		}
		st.fail(ts, "the function logs do not show %s.%s", args[0], st.recentLogs())
	}
}

func (st *state) tableName(ts *testscript.TestScript, id string) string {
	name, err := st.deploy(ts).TableName(id)
	if err != nil {
		st.fail(ts, "%v", err)
	}
	return name
}

// table ID KEY TYPE: the local table of resource ID exists with HASH key KEY of type TYPE (S, N, B).
func cmdTable(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	usage(ts, args, 3, "table ID KEY TYPE")
	name := st.tableName(ts, args[0])
	info, err := dynamo.Describe(context.Background(), st.stack.DB, name)
	if err != nil {
		st.fail(ts, "table %s (resource %s) does not exist locally: %v", name, args[0], err)
	}
	if info.HashKey != args[1] || info.AttributeTypes[info.HashKey] != args[2] {
		st.fail(ts, "table %s (resource %s) has the partition key %s of type %s; expected %s of type %s", name, args[0], info.HashKey, info.AttributeTypes[info.HashKey], args[1], args[2])
	}
	fmt.Fprintf(ts.Stdout(), "table %s: key %s (%s), billing %s\n", name, info.HashKey, info.AttributeTypes[info.HashKey], info.BillingMode)
}

// seed ID FILE: put the items of FILE (a JSON array of objects) into the table of resource ID.
func cmdSeed(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	usage(ts, args, 2, "seed ID FILE")
	var items []map[string]any
	if err := json.Unmarshal([]byte(ts.ReadFile(args[1])), &items); err != nil {
		ts.Fatalf("%s: not a JSON array of items: %v", args[1], err)
	}
	name := st.tableName(ts, args[0])
	if err := dynamo.PutItems(context.Background(), st.stack.DB, name, items); err != nil {
		st.fail(ts, "seeding table %s: %v", name, err)
	}
}

// count ID N: the table of resource ID holds N items.
func cmdCount(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	usage(ts, args, 2, "count ID N")
	name := st.tableName(ts, args[0])
	items, err := dynamo.ScanAll(context.Background(), st.stack.DB, name)
	if err != nil {
		st.fail(ts, "reading table %s: %v", name, err)
	}
	if strconv.Itoa(len(items)) != args[1] {
		st.fail(ts, "table %s (resource %s) holds %d items; expected %s.%s", name, args[0], len(items), args[1], st.recentLogs())
	}
	b, _ := json.Marshal(items)
	fmt.Fprintf(ts.Stdout(), "%s\n", b)
}

// UpdateGolden is the environment variable that makes `golden` rewrite its
// files from the solutions: WORKSHOP_UPDATE_GOLDEN=1 go test ./solutions/...
const UpdateGolden = "WORKSHOP_UPDATE_GOLDEN"

// golden NAME ID [PATH]: the SAM translation of resource ID (or its PATH)
// equals steps/NN/testdata/golden/NAME.json, recorded from the solution.
func cmdGolden(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: golden NAME ID [PATH]")
	}
	t, where := st.template(ts, true)
	raw, ok := t.Doc["Resources"].(map[string]any)[args[1]]
	if !ok {
		st.fail(ts, "%s has no resource %s%s", where, args[1], others(t))
	}
	what := "resource " + args[1]
	if len(args) == 3 {
		if raw, ok = lookupDots(raw, args[2]); !ok {
			st.fail(ts, "%s: resource %s has no %s", where, args[1], args[2])
		}
		what += " " + args[2]
	}
	got, err := json.MarshalIndent(raw, "", "  ")
	if err != nil {
		ts.Fatalf("encoding %s: %v", what, err)
	}
	got = append(got, '\n')
	file := filepath.Join(st.target.Root, "steps", st.target.Step.Slug, "testdata", "golden", args[0]+".json")
	if os.Getenv(UpdateGolden) == "1" && st.target.Mode == Solution {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			ts.Fatalf("%v", err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			ts.Fatalf("%v", err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		ts.Fatalf("no golden file %s: record it with %s=1 go test ./solutions/%s", st.rel(file), UpdateGolden, st.target.Step.Slug)
	}
	var w, g any
	_ = json.Unmarshal(want, &w)
	_ = json.Unmarshal(got, &g)
	if !reflect.DeepEqual(w, g) {
		st.fail(ts, "%s: the SAM translator makes %s differ from the solution's (%s):\n%s", where, what, st.rel(file), firstDiff(w, g, ""))
	}
}

// firstDiff describes the first place where two JSON values differ.
func firstDiff(want, got any, path string) string {
	at := path
	if at == "" {
		at = "the top of the resource"
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("at %s: expected %s, got %s", at, show(want), show(got))
		}
		for k := range w {
			if _, ok := g[k]; !ok {
				return fmt.Sprintf("at %s: %s is missing", at, k)
			}
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return fmt.Sprintf("at %s: %s is not expected", at, k)
			}
			if !reflect.DeepEqual(w[k], g[k]) {
				return firstDiff(w[k], g[k], strings.TrimPrefix(path+"."+k, "."))
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("at %s: expected %s, got %s", at, show(want), show(got))
		}
		for i := range w {
			if !reflect.DeepEqual(w[i], g[i]) {
				return firstDiff(w[i], g[i], fmt.Sprintf("%s.%d", path, i))
			}
		}
	}
	return fmt.Sprintf("at %s: expected %s, got %s", at, show(want), show(got))
}

// iamFor returns the deployment's IAM proxy and the function's role and name.
func (st *state) iamFor(ts *testscript.TestScript, fn string) (*iam.Role, string) {
	s := st.deploy(ts)
	if s.IAM == nil {
		ts.Fatalf("IAM is not enforced in this deployment")
	}
	role, ok := s.Roles[fn]
	if !ok {
		st.fail(ts, "%s has no function %s with an execution role defined in the template", st.rel(st.templatePath()), fn)
	}
	return role, s.Env.Refs[fn]
}

// denied FUNCTION ACTION: the function called ACTION (dynamodb:Scan) and IAM
// denied it, as AWS would with this role. With !, no call of ACTION was denied.
func cmdDenied(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	usage(ts, args, 2, "denied FUNCTION ACTION")
	role, name := st.iamFor(ts, args[0])
	var denied, allowed []string
	for _, u := range st.stack.IAM.Usage(name) {
		if !strings.EqualFold(u.Action, args[1]) {
			continue
		}
		if u.Allowed {
			allowed = append(allowed, u.Resource)
		} else {
			denied = append(denied, u.Resource)
		}
	}
	switch {
	case neg && len(denied) > 0:
		st.fail(ts, "role %s denied %s on %s to %s: the role needs an Allow statement for that action on that resource.%s", role.Name, args[1], strings.Join(denied, ", "), args[0], st.recentLogs())
	case !neg && len(denied) == 0 && len(allowed) > 0:
		st.fail(ts, "role %s allowed %s on %s; expected AccessDenied (the step's role should not grant it yet)", role.Name, args[1], strings.Join(allowed, ", "))
	case !neg && len(denied) == 0:
		st.fail(ts, "%s never called %s, so nothing was denied.%s", args[0], args[1], st.recentLogs())
	}
}

// least-privilege FUNCTION: the function's role grants DynamoDB item actions
// only on named tables, and only the ones the script's requests used.
func cmdLeastPrivilege(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	usage(ts, args, 1, "least-privilege FUNCTION")
	role, name := st.iamFor(ts, args[0])
	rv := iam.ReviewRole(role, st.stack.IAM.Usage(name))
	if rv.OK() == !neg {
		return
	}
	if neg {
		st.fail(ts, "role %s grants exactly what %s used; expected a broader grant here", role.Name, args[0])
	}
	var lines []string
	for _, b := range rv.Broad {
		lines = append(lines, "too broad: "+b)
	}
	for _, u := range rv.Unused {
		lines = append(lines, "granted but never used: "+u)
	}
	st.fail(ts, "%s: role %s of %s is not least privilege:\n  %s", st.rel(st.templatePath()), role.Name, args[0], strings.Join(lines, "\n  "))
}

// unset FUNCTION VAR: deploy with VAR removed from the function's
// environment, to see what the code does without it. Use before requests.
func cmdUnset(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	usage(ts, args, 2, "unset FUNCTION VAR")
	if st.stack != nil {
		ts.Fatalf("unset must come before the first request or invoke")
	}
	if st.unset == nil {
		st.unset = map[string][]string{}
	}
	st.unset[args[0]] = append(st.unset[args[0]], args[1])
}

// same-translation ID SLUG: the SAM translation of resource ID (its Type and
// Properties) equals the translation of the same resource in solutions/SLUG: two ways of writing a
// resource that CloudFormation receives identically.
func cmdSameTranslation(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	usage(ts, args, 2, "same-translation ID SLUG")
	t, where := st.template(ts, true)
	got, ok := t.Doc["Resources"].(map[string]any)[args[0]]
	if !ok {
		st.fail(ts, "%s has no resource %s%s", where, args[0], others(t))
	}
	other := filepath.Join(st.target.Root, "solutions", args[1], stack.TemplateFile)
	res, err := samtools.Analyze(context.Background(), other, samtools.Options{})
	if err != nil || res.Translated == nil {
		ts.Fatalf("translating %s: %v %v", st.rel(other), err, res)
	}
	want, ok := res.Translated["Resources"].(map[string]any)[args[0]]
	if !ok {
		ts.Fatalf("%s has no resource %s", st.rel(other), args[0])
	}
	// The definition only: DeletionPolicy and UpdateReplacePolicy say what
	// CloudFormation does with the resource, not what it is.
	want, got = definition(want), definition(got)
	if !reflect.DeepEqual(normalizeJSON(want), normalizeJSON(got)) {
		st.fail(ts, "%s: once translated, resource %s differs from the one in %s:\n%s", where, args[0], st.rel(other), firstDiff(normalizeJSON(want), normalizeJSON(got), ""))
	}
}

// definition keeps a resource's Type and Properties.
func definition(r any) any {
	m, _ := r.(map[string]any)
	return map[string]any{"Type": m["Type"], "Properties": m["Properties"]}
}

// normalizeJSON makes YAML and JSON numbers comparable.
func normalizeJSON(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// seed-many ID N BYTES: put N generated items into the table of resource ID,
// each with a string partition key "seed-000001"... and BYTES of padding, to
// fill several 1 MB Scan pages.
func cmdSeedMany(ts *testscript.TestScript, neg bool, args []string) {
	st := get(ts)
	usage(ts, args, 3, "seed-many ID N BYTES")
	n, err1 := strconv.Atoi(args[1])
	size, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil || n < 1 || size < 0 {
		ts.Fatalf("seed-many: N and BYTES are whole numbers")
	}
	name := st.tableName(ts, args[0])
	info, err := dynamo.Describe(context.Background(), st.stack.DB, name)
	if err != nil {
		st.fail(ts, "table %s (resource %s) does not exist locally: %v", name, args[0], err)
	}
	if info.AttributeTypes[info.HashKey] != "S" || info.RangeKey != "" {
		ts.Fatalf("seed-many needs a table whose only key is a string")
	}
	pad := strings.Repeat("x", size)
	items := make([]map[string]any, n)
	for i := range items {
		items[i] = map[string]any{info.HashKey: fmt.Sprintf("seed-%06d", i+1), "pad": pad}
	}
	if err := dynamo.PutItems(context.Background(), st.stack.DB, name, items); err != nil {
		st.fail(ts, "seeding table %s: %v", name, err)
	}
}
