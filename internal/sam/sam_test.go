package sam

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/cfn"
	"github.com/serverless-dva/sam-dynamodb-go/internal/samtools"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

func readApp(t *testing.T) *App {
	t.Helper()
	tpl, err := cfn.Load("testdata/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	app, err := Read(tpl, Deployment{})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func TestRead(t *testing.T) {
	app := readApp(t)
	fn, ok := app.Function("Fn")
	if !ok {
		t.Fatal("no function Fn")
	}
	if fn.Arch != "arm64" || fn.MemoryMB != 256 || fn.TimeoutSec != 10 || fn.BuildMethod != "go1.x" || !strings.HasSuffix(fn.CodeDir, "testdata/fn") {
		t.Errorf("function = %+v", fn)
	}
	vars, _ := cfn.Lookup(fn.Properties, "Environment/Variables")
	if want := map[string]any{"LOG_LEVEL": "info", "TABLE_NAME": map[string]any{"Ref": "Table"}}; !reflect.DeepEqual(vars, want) {
		t.Errorf("Globals and the function's variables should merge: got %v", vars)
	}
	wantRoutes := []Route{
		{Function: "Fn", Event: "Any", Method: "ANY", Path: "/items/{id}", API: ImplicitRestApi},
		{Function: "Fn", Event: "Hello", Method: "GET", Path: "/hello", API: ImplicitRestApi},
	}
	if !reflect.DeepEqual(app.Routes, wantRoutes) {
		t.Errorf("routes = %+v, want %+v", app.Routes, wantRoutes)
	}
	if len(app.Tables) != 3 {
		t.Errorf("tables = %d, want 3", len(app.Tables))
	}
}

func TestBuildProblem(t *testing.T) {
	ok := Function{ID: "Fn", Runtime: "provided.al2023", BuildMethod: "go1.x", Arch: "arm64"}
	tests := []struct {
		name   string
		change func(*Function)
		want   string
	}{
		{"fine", func(*Function) {}, ""},
		{"go1.x", func(f *Function) { f.Runtime = "go1.x" }, "go1.x reached end of support"},
		{"node", func(f *Function) { f.Runtime = "nodejs20.x" }, `"nodejs20.x" cannot run a Go executable`},
		{"no build method", func(f *Function) { f.BuildMethod = "" }, "BuildMethod: go1.x"},
		{"bad arch", func(f *Function) { f.Arch = "amd64" }, `"amd64" is not one Lambda knows`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ok
			tt.change(&f)
			err := f.BuildProblem()
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("BuildProblem() = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestEnv(t *testing.T) {
	app := readApp(t)
	env, err := app.Env(Deployment{})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{
		"Table":           "dva-Table",
		"DefaultKeyTable": "sam-app-DefaultKeyTable",
		"Fn":              "sam-app-Fn",
		"FnRole":          "sam-app-FnRole",
	}
	for id, want := range checks {
		if env.Refs[id] != want {
			t.Errorf("Ref %s = %q, want %q", id, env.Refs[id], want)
		}
	}
	if got := env.Attrs["Table"]["Arn"]; got != "arn:aws:dynamodb:us-east-1:123456789012:table/dva-Table" {
		t.Errorf("Table.Arn = %q", got)
	}
	other, err := app.Env(Deployment{Region: "eu-west-1", Params: map[string]string{"Prefix": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := other.Attrs["Table"]["Arn"]; got != "arn:aws:dynamodb:eu-west-1:123456789012:table/x-Table" {
		t.Errorf("Table.Arn with overrides = %q", got)
	}
	if _, err := app.Env(Deployment{Params: map[string]string{"Prefx": "x"}}); err == nil || !strings.Contains(err.Error(), "no parameter Prefx") {
		t.Errorf("unknown parameter: err = %v", err)
	}
}

// TestSimpleTableMatchesTranslator proves that the Go expansion of each table
// is what the SAM translator itself produces, so local tables are the ones
// CloudFormation would create.
func TestSimpleTableMatchesTranslator(t *testing.T) {
	ctx := context.Background()
	tool.SkipMissing(t, samtools.Available(ctx))
	// provisioned.yaml is refused by Read (throttling is not emulated), so
	// the tables are expanded from the templates directly.
	for _, file := range []string{"testdata/app.yaml", "testdata/provisioned.yaml"} {
		res, err := samtools.Analyze(ctx, file, samtools.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Translated == nil {
			t.Fatalf("%s: translation failed: %v", file, res.TranslateErrors)
		}
		tpl, err := cfn.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range tpl.Resources() {
			var props map[string]any
			switch r.Type {
			case TypeSimpleTable:
				props = simpleTable(r.Properties)
			case TypeTable:
				props = r.Properties
			default:
				continue
			}
			t.Run(r.ID, func(t *testing.T) {
				got, ok := cfn.Lookup(res.Translated, "Resources/"+r.ID+"/Properties")
				if !ok {
					t.Fatalf("the translation has no %s", r.ID)
				}
				if want := normalize(props); !reflect.DeepEqual(normalize(got), want) {
					t.Errorf("Go expansion of %s differs from the translator's:\n go:         %v\n translator: %v", r.ID, want, normalize(got))
				}
			})
		}
	}
}

// normalize makes numbers comparable between YAML (int) and JSON (float64),
// and Tags a set: the translator keeps the order written, Go maps have none,
// and the order means nothing to DynamoDB.
func normalize(v any) any {
	switch c := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range c {
			out[k] = normalize(x)
		}
		if tags, ok := out["Tags"].([]any); ok {
			sort.Slice(tags, func(i, j int) bool {
				return fmt.Sprint(tags[i].(map[string]any)["Key"]) < fmt.Sprint(tags[j].(map[string]any)["Key"])
			})
		}
		return out
	case []any:
		out := make([]any, len(c))
		for i, x := range c {
			out[i] = normalize(x)
		}
		return out
	case int:
		return float64(c)
	}
	return v
}

// TestConditions reads a template whose resources and properties depend on
// a parameter, with its default and with an override: what CloudFormation
// would not create is not read, and each !If takes its chosen branch.
func TestConditions(t *testing.T) {
	tests := []struct {
		name      string
		params    map[string]string
		functions []string
		routes    []string
		tables    int
		memory    int
		timeout   float64
		vars      map[string]any
	}{
		{name: "defaults", functions: []string{"HelloFunction"}, routes: []string{"GET /hello"}, memory: 256, timeout: 3,
			vars: map[string]any{"STAGE": "development", "DEBUG": "1", "TABLE_NAME": "none"}},
		{name: "Stage=prod", params: map[string]string{"Stage": "prod"}, functions: []string{"HelloFunction", "ProdOnlyFunction"},
			routes: []string{"GET /hello", "GET /prod-only"}, tables: 1, memory: 1024, timeout: 10,
			vars: map[string]any{"STAGE": "production", "TABLE_NAME": "sam-app-ProdTable"}},
		{name: "Memory=512", params: map[string]string{"Memory": "512"}, functions: []string{"HelloFunction"}, routes: []string{"GET /hello"}, memory: 512, timeout: 3,
			vars: map[string]any{"STAGE": "development", "DEBUG": "1", "TABLE_NAME": "none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := cfn.Load("testdata/conditions.yaml")
			if err != nil {
				t.Fatal(err)
			}
			d := Deployment{Params: tt.params}
			app, err := Read(tpl, d)
			if err != nil {
				t.Fatal(err)
			}
			var fns, routes []string
			for _, f := range app.Functions {
				fns = append(fns, f.ID)
			}
			for _, r := range app.Routes {
				routes = append(routes, r.Method+" "+r.Path)
			}
			if !reflect.DeepEqual(fns, tt.functions) || !reflect.DeepEqual(routes, tt.routes) || len(app.Tables) != tt.tables {
				t.Errorf("functions %v routes %v tables %d, want %v %v %d", fns, routes, len(app.Tables), tt.functions, tt.routes, tt.tables)
			}
			hello, _ := app.Function("HelloFunction")
			if hello.MemoryMB != tt.memory || hello.TimeoutSec != tt.timeout {
				t.Errorf("MemoryMB %d Timeout %v, want %d %v", hello.MemoryMB, hello.TimeoutSec, tt.memory, tt.timeout)
			}
			env, err := app.Env(d)
			if err != nil {
				t.Fatal(err)
			}
			vars, err := env.Resolve(hello.Properties["Environment"])
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := cfn.Lookup(vars, "Variables"); !reflect.DeepEqual(got, tt.vars) {
				t.Errorf("variables = %v, want %v", got, tt.vars)
			}
		})
	}
}

// A condition that cannot be evaluated stops the reading with the file, the
// line, the resource and the property.
func TestConditionRefused(t *testing.T) {
	tests := []struct{ name, from, to, want string }{
		{"unknown condition in an environment variable", "STAGE: !If [IsProd,", "STAGE: !If [IsPrd,",
			`conditions.yaml:26: resource HelloFunction: property Environment: !If IsPrd: there is no condition "IsPrd" in the Conditions section (it has IsProd)`},
		{"MemorySize that is not a number", "MemorySize: !If [IsProd, 1024, !Ref Memory]", "MemorySize: !If [IsProd, 1024, lots]",
			"conditions.yaml:25: resource HelloFunction: property MemorySize must be a number, got lots"},
		{"MemorySize from a resource", "MemorySize: !If [IsProd, 1024, !Ref Memory]", "MemorySize: !Ref ProdTable",
			`conditions.yaml:25: resource HelloFunction: property MemorySize: !Ref ProdTable: there is no parameter or resource named "ProdTable"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := readEdited(t, "conditions.yaml", tt.from, tt.to)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// A key Lambda reserves in Environment Variables stops the start, as it
// stops a deploy, naming the template line, the function and the key.
func TestReservedVariableRefused(t *testing.T) {
	tests := []struct{ name, from, to, want string }{
		{"in the function", "TABLE_NAME: !Ref Table", "AWS_REGION: eu-west-1",
			`app.yaml:24: resource Fn: environment variable AWS_REGION is reserved: Lambda sets it itself and refuses the deploy ("Reserved keys used in this request: AWS_REGION")`},
		{"in Globals", "LOG_LEVEL: info", "AWS_LAMBDA_FUNCTION_NAME: x",
			`app.yaml:10: Globals Function (applied to resource Fn): environment variable AWS_LAMBDA_FUNCTION_NAME is reserved`},
		{"a credential", "TABLE_NAME: !Ref Table", "AWS_ACCESS_KEY_ID: AKIA",
			`resource Fn: environment variable AWS_ACCESS_KEY_ID is reserved`},
		{"unreserved TZ is fine", "LOG_LEVEL: info", "TZ: Europe/Paris", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := readEdited(t, "app.yaml", tt.from, tt.to)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("error = %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, tt.want)
			}
			if first, _, _ := strings.Cut(err.Error(), "\n"); len(first) > 300 {
				t.Errorf("first line is %d chars, over 300: %s", len(first), first)
			}
		})
	}
}

// readEdited reads testdata/NAME with its first from replaced by to, and
// returns Read's error.
func readEdited(t *testing.T, name, from, to string) error {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(src), from, to, 1)
	if text == string(src) {
		t.Fatalf("%q is not in testdata/%s", from, name)
	}
	tpl, err := cfn.Parse(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Read(tpl, Deployment{})
	return err
}
