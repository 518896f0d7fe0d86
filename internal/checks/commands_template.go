package checks

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/serverless-dva/sam-dynamodb-go/internal/cfn"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/samtools"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// templateCommands check template.yaml as written, as cfn-lint and the SAM
// translator see it, and as CloudFormation would resolve it.
var templateCommands = []*command{
	{name: "lint", form: "", run: runLint},
	{name: "translate", form: "", run: runTranslate},
	{name: "resource", form: "[-translated] ID TYPE", flags: []string{"-translated"}, min: 2, max: 2, run: runResource},
	{name: "prop", form: "[-translated] [-aslist] ID PATH WANT", flags: []string{"-translated", "-aslist"}, min: 3, max: 3, run: runProp},
	{name: "route", form: "METHOD PATH FUNCTION", min: 3, max: 3, run: runRoute},
	{name: "output", form: "NAME REGEXP", min: 2, max: 2, regexps: []int{1}, run: runOutput},
	{name: "fnenv", form: "FUNCTION VAR WANT", min: 3, max: 3, run: runFnEnv},
	{name: "golden", form: "NAME ID [PATH]", min: 2, max: 3, run: runGolden,
		noNot: "its golden file is recorded from the solution, so the opposite would fail there; compare a value with '! prop' instead"},
	{name: "same-translation", form: "ID SLUG", min: 2, max: 2, run: runSameTranslation},
}

func (st *state) templatePath() string {
	return filepath.Join(st.target.Dir, stack.TemplateFile)
}

func (st *state) rel(path string) string {
	return repo.DisplayPath(path)
}

// relPaths shortens absolute paths in a message to repository-relative ones.
func (st *state) relPaths(msg string) string {
	return strings.ReplaceAll(msg, st.target.Root+string(filepath.Separator), "")
}

func (st *state) analyze(ts *testscript.TestScript) *samtools.Result {
	if st.analysis != nil {
		return st.analysis
	}
	if err := samtools.Available(st.ctx); err != nil {
		st.missingTool(ts, err)
		st.fail(ts, "%v", err)
	}
	res, err := samtools.Analyze(st.ctx, st.templatePath(), samtools.Options{})
	if err != nil {
		st.fail(ts, "%s: %v", st.rel(st.templatePath()), err)
	}
	st.analysis = res
	return res
}

// template returns the template as written, or (translated) after the SAM transform.
func (st *state) template(ts *testscript.TestScript, translated bool) (*cfn.Template, string) {
	if translated {
		res := st.analyze(ts)
		if res.Translated == nil {
			// The check's hint is about the translated resource, which
			// does not exist yet: the translator's error is the cause.
			st.hint = "the SAM translator stops at the first error in the template: fix the resource and property it names; this check looks at the translation once there is one."
			st.fail(ts, "the SAM translator could not translate %s: %s", st.rel(st.templatePath()), strings.Join(res.TranslateErrors, "\n"))
		}
		return &cfn.Template{Path: st.templatePath(), Doc: res.Translated}, "the SAM translation of " + st.rel(st.templatePath())
	}
	t, err := cfn.Load(st.templatePath())
	if err != nil {
		st.fail(ts, "%v", err)
	}
	return t, st.rel(st.templatePath())
}

// resource is resource id of the template (translated or not), with the
// template and its name for messages; a missing one fails the check.
func (st *state) resource(ts *testscript.TestScript, id string, translated bool) (*cfn.Template, string, any) {
	t, where := st.template(ts, translated)
	raw, ok := t.Doc["Resources"].(map[string]any)[id]
	if !ok {
		st.fail(ts, "%s has no resource %s%s", where, id, others(t))
	}
	return t, where, raw
}

func (st *state) app(ts *testscript.TestScript) *sam.App {
	app, _, err := stack.Load(st.target.Dir, st.deployment)
	if err != nil {
		st.fail(ts, "%v", err)
	}
	return app
}

// lint: cfn-lint finds no error in template.yaml. With !, it finds one.
func runLint(ts *testscript.TestScript, st *state, in input) {
	res := st.analyze(ts)
	var errs []string
	for _, f := range res.Findings {
		if f.Level == "error" {
			errs = append(errs, st.relPaths(f.String()))
		} else {
			ts.Logf("%s", st.relPaths(f.String()))
		}
	}
	switch {
	case in.neg && len(errs) == 0:
		st.fail(ts, "cfn-lint finds no error in %s; expected at least one", st.rel(st.templatePath()))
	case !in.neg && len(errs) > 0:
		st.fail(ts, "cfn-lint finds %d error(s) in %s:\n%s", len(errs), st.rel(st.templatePath()), strings.Join(errs, "\n"))
	}
	for _, e := range errs {
		ts.Logf("%s", e)
	}
}

// translate: the SAM translator accepts template.yaml. With !, it rejects it.
func runTranslate(ts *testscript.TestScript, st *state, in input) {
	if !in.neg {
		st.template(ts, true)
		return
	}
	if st.analyze(ts).Translated != nil {
		st.fail(ts, "the SAM translator accepts %s; expected it to reject the template", st.rel(st.templatePath()))
	}
}

// resource [-translated] ID TYPE: the resource exists with that type ('*':
// any). With !, no resource ID of that type exists.
func runResource(ts *testscript.TestScript, st *state, in input) {
	id, typ := in.args[0], in.args[1]
	t, where := st.template(ts, in.flag("-translated"))
	r, ok := t.Resource(id)
	if in.neg {
		if ok && (r.Type == typ || typ == "*") {
			st.fail(ts, "%s still has resource %s (%s); expected it gone", where, id, r.Type)
		}
		return
	}
	if !ok {
		st.fail(ts, "%s has no resource %s; expected a %s named %s%s", where, id, typ, id, others(t))
	}
	if r.Type != typ && typ != "*" {
		st.fail(ts, "%s: resource %s is a %s; expected a %s", at(t, where, id), id, r.Type, typ)
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

// prop [-translated] [-aslist] ID PATH WANT: the resource's PATH
// (dot-separated, from the resource: Properties.Runtime, Metadata.BuildMethod)
// equals WANT (JSON when it starts with [ or {). With !, PATH is absent or
// differs from WANT; WANT "-" means "absent" (with !, present).
// -aslist: a string counts as a one-item list, as in IAM policy elements
// (Action: sts:AssumeRole means [sts:AssumeRole]).
func runProp(ts *testscript.TestScript, st *state, in input) {
	id, path, want := in.args[0], in.args[1], in.args[2]
	neg := in.neg
	t, where, raw := st.resource(ts, id, in.flag("-translated"))
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
	if _, isList := got.([]any); found && in.flag("-aslist") && !isList {
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
		return reflect.DeepEqual(normalizeJSON(got), w)
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
// With !, none does (the function must exist).
func runRoute(ts *testscript.TestScript, st *state, in input) {
	app := st.app(ts)
	method, path, fn := strings.ToUpper(in.args[0]), in.args[1], in.args[2]
	if _, ok := app.Function(fn); !ok {
		st.fail(ts, "%s has no function %s (AWS::Serverless::Function)", st.rel(st.templatePath()), fn)
	}
	var have []string
	for _, r := range app.Routes {
		if r.Function == fn && r.Path == path && (r.Method == method || r.Method == "ANY") {
			if in.neg {
				st.fail(ts, "%s: resource %s has an Api event for %s %s; expected none", app.Template.Where(fn), fn, r.Method, r.Path)
			}
			return
		}
		if r.Function == fn {
			have = append(have, r.Method+" "+r.Path)
		}
	}
	if in.neg {
		return
	}
	got := "no Api event"
	if len(have) > 0 {
		got = "only " + strings.Join(have, ", ")
	}
	st.fail(ts, "%s: resource %s has %s; expected an Api event for %s %s under Properties.Events", app.Template.Where(fn), fn, got, method, path)
}

// output NAME REGEXP: the stack output NAME, resolved for a local
// deployment, matches REGEXP. With !, the output is absent or does not match.
func runOutput(ts *testscript.TestScript, st *state, in input) {
	name, re := in.args[0], in.re[1]
	app, env, err := stack.Load(st.target.Dir, st.deployment)
	if err != nil {
		st.fail(ts, "%v", err)
	}
	outs, _ := app.Template.Doc["Outputs"].(map[string]any)
	o, ok := outs[name].(map[string]any)
	if !ok {
		if in.neg {
			return
		}
		st.fail(ts, "%s has no output %s; expected one under Outputs", st.rel(st.templatePath()), name)
	}
	v, err := env.ResolveString(o["Value"])
	if err != nil {
		st.fail(ts, "%s: output %s: %v", st.rel(st.templatePath()), name, err)
	}
	fmt.Fprintln(ts.Stdout(), v)
	switch matched := re.MatchString(v); {
	case in.neg && matched:
		st.fail(ts, "%s: output %s is %q once deployed; expected it not to match %s", st.rel(st.templatePath()), name, v, re)
	case !in.neg && !matched:
		st.fail(ts, "%s: output %s is %q once deployed; expected it to match %s.%s", st.rel(st.templatePath()), name, v, re, st.writtenOut(v, re.String()))
	}
}

// fnenv FUNCTION VAR WANT: the function sees VAR=WANT once deployed
// (intrinsics resolved). With !, VAR is unset or resolves to something else.
func runFnEnv(ts *testscript.TestScript, st *state, in input) {
	name, variable, want := in.args[0], in.args[1], in.args[2]
	app, env, err := stack.Load(st.target.Dir, st.deployment)
	if err != nil {
		st.fail(ts, "%v", err)
	}
	fn, ok := app.Function(name)
	if !ok {
		st.fail(ts, "%s has no function %s", st.rel(st.templatePath()), name)
	}
	where := app.Template.Where(fn.ID)
	raw, ok := cfn.Lookup(fn.Properties, "Environment/Variables/"+variable)
	if !ok {
		if in.neg {
			return
		}
		st.fail(ts, "%s: resource %s has no environment variable %s; expected one under Properties.Environment.Variables", where, fn.ID, variable)
	}
	got, err := env.ResolveString(raw)
	if err != nil {
		st.fail(ts, "%s: resource %s: environment variable %s: %v", where, fn.ID, variable, err)
	}
	switch {
	case in.neg && got == want:
		st.fail(ts, "%s: resource %s: environment variable %s is %q once deployed; expected any other value", where, fn.ID, variable, got)
	case !in.neg && got != want:
		st.fail(ts, "%s: resource %s: environment variable %s is %q once deployed; expected %q.%s", where, fn.ID, variable, got, want, st.writtenOut(got, want))
	}
}

// UpdateGolden is the environment variable that makes `golden` rewrite its
// files from the solutions: WORKSHOP_UPDATE_GOLDEN=1 go test ./solutions/...
const UpdateGolden = "WORKSHOP_UPDATE_GOLDEN"

// golden NAME ID [PATH]: the SAM translation of resource ID (or its PATH)
// equals steps/NN/testdata/golden/NAME.json, recorded from the solution.
func runGolden(ts *testscript.TestScript, st *state, in input) {
	name, id := in.args[0], in.args[1]
	_, where, raw := st.resource(ts, id, true)
	what := "resource " + id
	if len(in.args) == 3 {
		var ok bool
		if raw, ok = lookupDots(raw, in.args[2]); !ok {
			st.fail(ts, "%s: resource %s has no %s", where, id, in.args[2])
		}
		what += " " + in.args[2]
	}
	got, err := json.MarshalIndent(raw, "", "  ")
	if err != nil {
		brokenCheck(ts, "encoding %s: %v", what, err)
	}
	got = append(got, '\n')
	file := filepath.Join(st.target.Root, "steps", st.target.Step.Slug, "testdata", "golden", name+".json")
	if os.Getenv(UpdateGolden) == "1" && st.target.Mode == Solution {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			brokenCheck(ts, "%v", err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			brokenCheck(ts, "%v", err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		brokenCheck(ts, "no golden file %s: record it with %s=1 go test ./solutions/%s", st.rel(file), UpdateGolden, st.target.Step.Slug)
	}
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		brokenCheck(ts, "golden file %s is not JSON (%v): record it again with %s=1 go test ./solutions/%s", st.rel(file), err, UpdateGolden, st.target.Step.Slug)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		brokenCheck(ts, "decoding %s: %v", what, err)
	}
	if !reflect.DeepEqual(w, g) {
		st.fail(ts, "%s: the SAM translator makes %s differ from the solution's (%s):\n%s", where, what, st.rel(file), firstDiff(w, g, ""))
	}
}

// same-translation ID SLUG: the SAM translation of resource ID (its Type and
// Properties) equals the translation of the same resource in
// solutions/SLUG: two ways of writing a resource that CloudFormation
// receives identically. With !, the two differ.
func runSameTranslation(ts *testscript.TestScript, st *state, in input) {
	id, slug := in.args[0], in.args[1]
	_, where, got := st.resource(ts, id, true)
	other := filepath.Join(st.target.Root, "solutions", slug, stack.TemplateFile)
	res, err := samtools.Analyze(st.ctx, other, samtools.Options{})
	if err != nil {
		brokenCheck(ts, "translating %s: %v", st.rel(other), err)
	}
	if res.Translated == nil {
		brokenCheck(ts, "the SAM translator could not translate %s:\n%s", st.rel(other), strings.Join(res.TranslateErrors, "\n"))
	}
	want, ok := res.Translated["Resources"].(map[string]any)[id]
	if !ok {
		brokenCheck(ts, "%s has no resource %s", st.rel(other), id)
	}
	// The definition only: DeletionPolicy and UpdateReplacePolicy say what
	// CloudFormation does with the resource, not what it is.
	want, got = normalizeJSON(definition(want)), normalizeJSON(definition(got))
	switch same := reflect.DeepEqual(want, got); {
	case in.neg && same:
		st.fail(ts, "%s: once translated, resource %s is the same as the one in %s; expected them to differ", where, id, st.rel(other))
	case !in.neg && !same:
		st.fail(ts, "%s: once translated, resource %s differs from the one in %s: %s", where, id, st.rel(other), firstDiff(want, got, ""))
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

// firstDiff describes the first place where two JSON values differ. Keys are
// visited in sorted order, so that the same values always give the same message.
func firstDiff(want, got any, path string) string {
	at := path
	if at == "" {
		at = "the top of the resource"
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		for _, k := range sortedKeys(w) {
			if _, ok := g[k]; !ok {
				return fmt.Sprintf("at %s: %s is missing", at, k)
			}
		}
		for _, k := range sortedKeys(g) {
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
			break
		}
		for i := range w {
			if !reflect.DeepEqual(w[i], g[i]) {
				return firstDiff(w[i], g[i], strings.TrimPrefix(fmt.Sprintf("%s.%d", path, i), "."))
			}
		}
	}
	return fmt.Sprintf("at %s: expected %s, got %s", at, show(want), show(got))
}

func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
