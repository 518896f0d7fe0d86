// Package sam is the SAM transform in Go, without Python: it reads the parts
// of a SAM template the local runtime needs:
// functions (with Globals applied), their Api and HttpApi events and the APIs
// those create, and DynamoDB tables,
// with AWS::Serverless::SimpleTable expanded as the SAM transform expands it.
//
// It lets a learner who has only Go run a step. Where the SAM translator is
// installed, checks compare this reading with the translator's own output.
// Running AWS's own tools (cfn-lint, the SAM translator) is package samtools.
package sam

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/cfn"
	"github.com/serverless-dva/sam-dynamodb-go/internal/lambdart"
)

// Resource types the workshop uses.
const (
	TypeFunction      = "AWS::Serverless::Function"
	TypeSimpleTable   = "AWS::Serverless::SimpleTable"
	TypeTable         = "AWS::DynamoDB::Table"
	TypeRole          = "AWS::IAM::Role"
	TypeApi           = "AWS::Serverless::Api"
	TypeHttpApi       = "AWS::Serverless::HttpApi"
	TypeManagedPolicy = "AWS::IAM::ManagedPolicy"
)

// The APIs SAM creates for events that name none.
const (
	ImplicitRestApi = "ServerlessRestApi" // stage Prod
	ImplicitHttpApi = "ServerlessHttpApi" // stage $default
)

// App is what a template deploys, as far as running it locally goes.
type App struct {
	Template  *cfn.Template
	Dir       string // the template's directory: CodeUri is relative to it
	Functions []Function
	Routes    []Route
	APIs      []API // the APIs the routes belong to, explicit ones first
	Tables    []Table
	// Warnings are what the local stack runs with a difference from AWS
	// that cannot change an answer (see SupportTable); say each once.
	Warnings []Finding
}

// API is a REST API (AWS::Serverless::Api, or SAM's implicit
// ServerlessRestApi) or an HTTP API (AWS::Serverless::HttpApi, or the
// implicit ServerlessHttpApi).
type API struct {
	ID   string
	HTTP bool // an HTTP API; else a REST API
	// StageName and BinaryMediaTypes as written (intrinsics unresolved);
	// nil means SAM's default: Prod for the implicit REST API, $default for
	// HTTP APIs.
	StageName        any
	BinaryMediaTypes any
	Cors             any // a REST API's Cors (Globals merged), as written; see ReadCors
}

// Function is an AWS::Serverless::Function with Globals applied.
type Function struct {
	ID          string
	Properties  map[string]any // as written, Globals merged in; intrinsics unresolved
	CodeDir     string         // absolute CodeUri directory
	CodeURI     string         // CodeUri as written, for messages
	Runtime     string
	Handler     string
	BuildMethod string // Metadata.BuildMethod
	Arch        string // "arm64" or "x86_64" (the default)
	MemoryMB    int
	TimeoutSec  float64
}

// Route is an Api or HttpApi event: API Gateway sends METHOD PATH to Function.
type Route struct {
	Function string
	Event    string
	Method   string // upper case; "ANY" for any
	Path     string // "$default" for an HttpApi event without Path and Method
	API      string // logical id of the API: RestApiId / ApiId, or the implicit one
	HttpApi  bool   // an HttpApi event
	// PayloadFormat of an HttpApi event: "2.0" (SAM's default) or "1.0".
	PayloadFormat string
}

// Table is a DynamoDB table with CloudFormation's AWS::DynamoDB::Table properties.
type Table struct {
	ID         string
	Type       string         // as written: SimpleTable or AWS::DynamoDB::Table
	Properties map[string]any // AWS::DynamoDB::Table properties, intrinsics unresolved
}

// Read reads the app that t deploys with d's parameters: its Conditions
// are evaluated first, and t's document keeps only what CloudFormation would
// create (resources with a false Condition removed, every Fn::If replaced by
// its chosen branch).
func Read(t *cfn.Template, d Deployment) (*App, error) {
	env, err := d.baseEnv(t)
	if err != nil {
		return nil, err
	}
	if err := t.ApplyConditions(env.Conditions); err != nil {
		return nil, err
	}
	// Nothing is ignored silently: what the local stack cannot run as AWS
	// does stops it here, by name.
	findings := Review(t)
	if err := Refusals(findings); err != nil {
		return nil, err
	}
	app := &App{Template: t, Dir: filepath.Dir(t.Path), Warnings: findings}
	if abs, err := filepath.Abs(app.Dir); err == nil {
		app.Dir = abs
	}
	globals, _ := cfn.Lookup(t.Doc, "Globals/Function")
	gm, _ := globals.(map[string]any)
	apiGlobals, _ := cfn.Lookup(t.Doc, "Globals/Api")
	agm, _ := apiGlobals.(map[string]any)
	httpGlobals, _ := cfn.Lookup(t.Doc, "Globals/HttpApi")
	hgm, _ := httpGlobals.(map[string]any)
	for _, r := range t.Resources() {
		switch r.Type {
		case TypeApi:
			p := merge(agm, r.Properties)
			app.APIs = append(app.APIs, API{ID: r.ID, StageName: p["StageName"], BinaryMediaTypes: p["BinaryMediaTypes"], Cors: p["Cors"]})
		case TypeHttpApi:
			p := merge(hgm, r.Properties)
			app.APIs = append(app.APIs, API{ID: r.ID, HTTP: true, StageName: p["StageName"]})
		}
	}
	for _, r := range t.Resources() {
		switch r.Type {
		case TypeFunction:
			fn, routes, err := readFunction(app.Dir, t, r, gm, env)
			if err != nil {
				return nil, err
			}
			app.Functions = append(app.Functions, fn)
			app.Routes = append(app.Routes, routes...)
		case TypeSimpleTable:
			app.Tables = append(app.Tables, Table{ID: r.ID, Type: r.Type, Properties: simpleTable(r.Properties)})
		case TypeTable:
			app.Tables = append(app.Tables, Table{ID: r.ID, Type: r.Type, Properties: r.Properties})
		}
	}
	if err := app.linkAPIs(agm); err != nil {
		return nil, err
	}
	return app, nil
}

// linkAPIs checks that each event's RestApiId / ApiId names an API of the
// right type, and adds the implicit APIs SAM creates for events naming none.
func (a *App) linkAPIs(apiGlobals map[string]any) error {
	implicit := map[string]bool{}
	for _, rt := range a.Routes {
		if rt.API == ImplicitRestApi || rt.API == ImplicitHttpApi {
			implicit[rt.API] = true
			continue
		}
		api, ok := a.api(rt.API)
		prop, want := "RestApiId", TypeApi
		if rt.HttpApi {
			prop, want = "ApiId", TypeHttpApi
		}
		if !ok || api.HTTP != rt.HttpApi {
			return fmt.Errorf("%s: resource %s: the event %s has %s %s, but the template has no %s %s; use !Ref with the logical id of an %s resource",
				a.Template.Where(rt.Function+"/Properties/Events/"+rt.Event), rt.Function, rt.Event, prop, rt.API, want, rt.API, want)
		}
	}
	if implicit[ImplicitRestApi] {
		a.APIs = append(a.APIs, API{ID: ImplicitRestApi, BinaryMediaTypes: apiGlobals["BinaryMediaTypes"], Cors: apiGlobals["Cors"]})
	}
	if implicit[ImplicitHttpApi] {
		a.APIs = append(a.APIs, API{ID: ImplicitHttpApi, HTTP: true})
	}
	return nil
}

func (a *App) api(id string) (API, bool) {
	for _, api := range a.APIs {
		if api.ID == id {
			return api, true
		}
	}
	return API{}, false
}

// Function returns the function with the logical id, if any.
func (a *App) Function(id string) (Function, bool) {
	for _, f := range a.Functions {
		if f.ID == id {
			return f, true
		}
	}
	return Function{}, false
}

func readFunction(dir string, t *cfn.Template, r cfn.Resource, globals map[string]any, env *cfn.Env) (Function, []Route, error) {
	props := merge(globals, r.Properties)
	fn := Function{ID: r.ID, Properties: props, Arch: "x86_64", MemoryMB: 128, TimeoutSec: 3}
	// What the build and the runtime read before anything is deployed may
	// use parameters (!Ref Size), never be skipped for being one.
	for _, key := range []string{"CodeUri", "Runtime", "Handler", "Architectures", "MemorySize", "Timeout"} {
		v, ok := props[key]
		if !ok {
			continue
		}
		res, err := env.Resolve(v)
		if err != nil {
			return fn, nil, fmt.Errorf("%s: resource %s: property %s: %w", t.Where(r.ID+"/Properties/"+key), r.ID, key, err)
		}
		props[key] = res
	}
	fn.Runtime, _ = props["Runtime"].(string)
	fn.Handler, _ = props["Handler"].(string)
	fn.BuildMethod, _ = r.Metadata["BuildMethod"].(string)
	code, ok := props["CodeUri"].(string)
	if !ok {
		return fn, nil, fmt.Errorf("%s: resource %s: CodeUri must be the folder of the function's Go code (for example ./)", t.Where(r.ID), r.ID)
	}
	fn.CodeDir, fn.CodeURI = filepath.Join(dir, code), code
	if archs, ok := props["Architectures"].([]any); ok && len(archs) > 0 {
		fn.Arch = fmt.Sprint(archs[0])
	}
	memory, timeout := float64(fn.MemoryMB), fn.TimeoutSec
	for key, dst := range map[string]*float64{"MemorySize": &memory, "Timeout": &timeout} {
		v, present := props[key]
		if !present {
			continue
		}
		n, ok := number(v)
		if !ok {
			return fn, nil, fmt.Errorf("%s: resource %s: property %s must be a number, got %v", t.Where(r.ID+"/Properties/"+key), r.ID, key, v)
		}
		*dst = n
	}
	fn.MemoryMB, fn.TimeoutSec = int(memory), timeout
	if err := checkReserved(t, r, props); err != nil {
		return fn, nil, err
	}
	events, _ := props["Events"].(map[string]any)
	var routes []Route
	for _, name := range slices.Sorted(maps.Keys(events)) {
		ev, _ := events[name].(map[string]any)
		typ, _ := ev["Type"].(string)
		if typ != "Api" && typ != "HttpApi" {
			continue
		}
		p, _ := ev["Properties"].(map[string]any)
		path, _ := p["Path"].(string)
		method, _ := p["Method"].(string)
		rt := Route{Function: r.ID, Event: name, Method: strings.ToUpper(method), Path: path, API: ImplicitRestApi}
		where := t.Where(r.ID + "/Properties/Events/" + name)
		if typ == "HttpApi" {
			rt.HttpApi, rt.API, rt.PayloadFormat = true, ImplicitHttpApi, "2.0"
			if path == "" && method == "" {
				// No Path and Method: the catch-all $default route.
				rt.Method, rt.Path = "ANY", "$default"
			}
			if v, ok := p["PayloadFormatVersion"]; ok {
				rt.PayloadFormat = fmt.Sprint(v)
				if rt.PayloadFormat != "1.0" && rt.PayloadFormat != "2.0" {
					return fn, nil, fmt.Errorf("%s: resource %s: the HttpApi event %s has PayloadFormatVersion %q; use \"2.0\" (the default) or \"1.0\"", where, r.ID, name, rt.PayloadFormat)
				}
			}
		}
		if rt.Path == "" || rt.Method == "" {
			return fn, nil, fmt.Errorf("%s: resource %s: the %s event %s needs Properties Path and Method (for example Path: /hello, Method: get)", where, r.ID, typ, name)
		}
		prop := map[string]string{"Api": "RestApiId", "HttpApi": "ApiId"}[typ]
		if ref, ok := p[prop]; ok {
			m, _ := ref.(map[string]any)
			id, _ := m["Ref"].(string)
			if id == "" {
				return fn, nil, fmt.Errorf("%s: resource %s: the %s event %s: %s must be !Ref of an API resource in this template (for example %s: !Ref MyApi)", where, r.ID, typ, name, prop, prop)
			}
			rt.API = id
		}
		routes = append(routes, rt)
	}
	return fn, routes, nil
}

// checkReserved refuses, as Lambda does at deploy, an environment variable
// whose key Lambda reserves (it sets AWS_REGION and the others itself).
func checkReserved(t *cfn.Template, r cfn.Resource, props map[string]any) error {
	vars, _ := cfn.Lookup(props, "Environment/Variables")
	m, _ := vars.(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !lambdart.Reserved(k) {
			continue
		}
		where, who := t.Where(r.ID+"/Properties/Environment"), "resource "+r.ID
		if _, own := cfn.Lookup(r.Properties, "Environment/Variables/"+k); !own {
			where, who = t.WhereKey("Globals/Function/Environment"), "Globals Function (applied to resource "+r.ID+")"
		}
		return fmt.Errorf("%s: %s: environment variable %s is reserved: Lambda sets it itself and refuses the deploy (\"Reserved keys used in this request: %s\"); remove it from Environment Variables, or rename it", where, who, k, k)
	}
	return nil
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case float64:
		return n, true
	case string: // a Number parameter's value
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}

// merge applies SAM's Globals rules: the resource's value wins, maps merge
// key by key (so Environment.Variables combine).
func merge(global, local map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range global {
		out[k] = v
	}
	for k, v := range local {
		gm, gok := out[k].(map[string]any)
		lm, lok := v.(map[string]any)
		if gok && lok {
			out[k] = merge(gm, lm)
			continue
		}
		out[k] = v
	}
	return out
}

// simpleTable expands SimpleTable properties as the SAM transform does:
// one HASH key (default id, String), on-demand unless ProvisionedThroughput is given.
func simpleTable(p map[string]any) map[string]any {
	name, typ := "id", "String"
	if pk, ok := p["PrimaryKey"].(map[string]any); ok {
		if n, ok := pk["Name"].(string); ok {
			name = n
		}
		if t, ok := pk["Type"].(string); ok {
			typ = t
		}
	}
	attrType := map[string]string{"String": "S", "Number": "N", "Binary": "B"}[typ]
	if attrType == "" {
		attrType = typ
	}
	out := map[string]any{
		"AttributeDefinitions": []any{map[string]any{"AttributeName": name, "AttributeType": attrType}},
		"KeySchema":            []any{map[string]any{"AttributeName": name, "KeyType": "HASH"}},
	}
	if pt, ok := p["ProvisionedThroughput"]; ok {
		out["ProvisionedThroughput"] = pt
	} else {
		out["BillingMode"] = "PAY_PER_REQUEST"
	}
	for _, k := range []string{"TableName", "SSESpecification", "PointInTimeRecoverySpecification"} {
		if v, ok := p[k]; ok {
			out[k] = v
		}
	}
	if tags, ok := p["Tags"].(map[string]any); ok {
		var list []any
		for _, k := range slices.Sorted(maps.Keys(tags)) {
			list = append(list, map[string]any{"Key": k, "Value": tags[k]})
		}
		out["Tags"] = list
	}
	return out
}

// Runtimes a Go function can use today: an OS-only runtime that runs the
// executable named bootstrap.
var goRuntimes = map[string]bool{"provided.al2023": true, "provided.al2": true}

// BuildProblem says why `sam build` could not build this function as Go, or
// why Lambda would not accept it; nil when it can.
func (f Function) BuildProblem() error {
	switch {
	case f.Runtime == "go1.x":
		return fmt.Errorf("resource %s: Runtime go1.x reached end of support on 2023-12-31 and Lambda no longer accepts it; use Runtime: provided.al2023 with Handler: bootstrap", f.ID)
	case !goRuntimes[f.Runtime]:
		return fmt.Errorf("resource %s: Runtime %q cannot run a Go executable; use Runtime: provided.al2023", f.ID, f.Runtime)
	case f.BuildMethod != "go1.x":
		return fmt.Errorf("resource %s: Metadata BuildMethod is %q; sam build compiles Go into bootstrap only with `Metadata: BuildMethod: go1.x` on the function", f.ID, f.BuildMethod)
	case f.Arch != "arm64" && f.Arch != "x86_64":
		return fmt.Errorf("resource %s: Architectures %q is not one Lambda knows; use arm64 or x86_64", f.ID, f.Arch)
	}
	return nil
}

// CodeProblem says why CodeUri is no folder of Go code, or nil: what sam
// build would find before building.
func (f Function) CodeProblem() error {
	fix := "CodeUri is the folder of main.go, relative to template.yaml (./ when main.go is beside it)"
	info, err := os.Stat(f.CodeDir)
	if err != nil || !info.IsDir() {
		return fmt.Errorf("resource %s: CodeUri %s is no such folder: %s", f.ID, f.CodeURI, fix)
	}
	if gos, _ := filepath.Glob(filepath.Join(f.CodeDir, "*.go")); len(gos) == 0 {
		return fmt.Errorf("resource %s: CodeUri %s is a folder without Go files: %s", f.ID, f.CodeURI, fix)
	}
	return nil
}
