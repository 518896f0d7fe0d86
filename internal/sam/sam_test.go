package sam

import (
	"context"
	"fmt"
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
	app, err := Read(tpl)
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
	if len(app.Tables) != 4 {
		t.Errorf("tables = %d, want 4", len(app.Tables))
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
	res, err := samtools.Analyze(ctx, "testdata/app.yaml", samtools.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Translated == nil {
		t.Fatalf("translation failed: %v", res.TranslateErrors)
	}
	app := readApp(t)
	for _, tbl := range app.Tables {
		t.Run(tbl.ID, func(t *testing.T) {
			got, ok := cfn.Lookup(res.Translated, "Resources/"+tbl.ID+"/Properties")
			if !ok {
				t.Fatalf("the translation has no %s", tbl.ID)
			}
			if want := normalize(tbl.Properties); !reflect.DeepEqual(normalize(got), want) {
				t.Errorf("Go expansion of %s differs from the translator's:\n go:         %v\n translator: %v", tbl.ID, want, normalize(got))
			}
		})
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
