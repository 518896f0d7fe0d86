package samtools

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

// requireTools skips when the tools are missing, unless strict mode asks for
// a failure.
func requireTools(t *testing.T) {
	t.Helper()
	tool.SkipMissing(t, Available(context.Background()))
}

func resourceTypes(tmpl map[string]any) map[string]string {
	types := map[string]string{}
	resources, _ := tmpl["Resources"].(map[string]any)
	for name, r := range resources {
		m, _ := r.(map[string]any)
		typ, _ := m["Type"].(string)
		types[name] = typ
	}
	return types
}

func property(tmpl map[string]any, resource, prop string) any {
	resources, _ := tmpl["Resources"].(map[string]any)
	r, _ := resources[resource].(map[string]any)
	props, _ := r["Properties"].(map[string]any)
	return props[prop]
}

func TestAnalyze(t *testing.T) {
	requireTools(t)
	tests := []struct {
		name     string
		template string
		opts     Options
		check    func(t *testing.T, res *Result)
	}{
		{
			name:     "valid SAM template",
			template: "testdata/valid.yaml",
			check: func(t *testing.T, res *Result) {
				if errs := res.Errors(); len(errs) > 0 {
					t.Errorf("error findings on a valid template: %v", errs)
				}
				if len(res.TranslateErrors) > 0 {
					t.Fatalf("translate errors: %q", res.TranslateErrors)
				}
				types := resourceTypes(res.Translated)
				for name, want := range map[string]string{
					"HelloFunction":     "AWS::Lambda::Function",
					"HelloFunctionRole": "AWS::IAM::Role",
					"ServerlessRestApi": "AWS::ApiGateway::RestApi",
					"Table":             "AWS::DynamoDB::Table",
				} {
					if types[name] != want {
						t.Errorf("translated %s is %q, want %q (resources: %v)", name, types[name], want, types)
					}
				}
				if got := property(res.Translated, "Table", "BillingMode"); got != "PAY_PER_REQUEST" {
					t.Errorf("Table BillingMode = %v, want PAY_PER_REQUEST", got)
				}
				code, _ := property(res.Translated, "HelloFunction", "Code").(map[string]any)
				if code["S3Bucket"] != PlaceholderBucket || code["S3Key"] != "." {
					t.Errorf("HelloFunction Code = %v, want the placeholder for CodeUri ./", code)
				}
				if got := res.LocalCode["HelloFunction"]; got != "./" {
					t.Errorf("LocalCode[HelloFunction] = %q, want ./", got)
				}
			},
		},
		{
			name:     "deprecated go1.x runtime",
			template: "testdata/go1x.yaml",
			check: func(t *testing.T, res *Result) {
				var found *Finding
				for i, f := range res.Findings {
					if strings.Contains(f.Message, "go1.x") {
						found = &res.Findings[i]
					}
				}
				if found == nil {
					t.Fatalf("no finding names go1.x: %v", res.Findings)
				}
				if found.Level != "error" || !strings.HasPrefix(found.Rule, "E") {
					t.Errorf("go1.x finding is %s %s, want an error", found.Level, found.Rule)
				}
				if want := []string{"Resources", "HelloFunction", "Properties", "Runtime"}; strings.Join(found.Path, "/") != strings.Join(want, "/") {
					t.Errorf("path = %v, want %v", found.Path, want)
				}
				s := found.String()
				if !strings.HasPrefix(s, "testdata/go1x.yaml:") || !strings.Contains(s, " HelloFunction: ") || !strings.Contains(s, "provided.al2023") {
					t.Errorf("String() = %q, want file:line:col, the resource and the replacement runtime", s)
				}
			},
		},
		{
			name:     "event without Path",
			template: "testdata/badevent.yaml",
			check: func(t *testing.T, res *Result) {
				if res.Translated != nil {
					t.Errorf("Translated is set although translation failed")
				}
				if len(res.TranslateErrors) != 1 || !strings.Contains(res.TranslateErrors[0], "[HelloFunction]") || !strings.Contains(res.TranslateErrors[0], "'Path'") {
					t.Errorf("TranslateErrors = %q, want one naming HelloFunction and Path", res.TranslateErrors)
				}
				for _, e := range res.TranslateErrors {
					if strings.Contains(e, "Traceback") {
						t.Errorf("translate error holds a traceback: %s", e)
					}
				}
			},
		},
		{
			name:     "YAML syntax error",
			template: "testdata/syntax.yaml",
			check: func(t *testing.T, res *Result) {
				if len(res.Findings) != 1 {
					t.Fatalf("findings = %v, want one", res.Findings)
				}
				f := res.Findings[0]
				if f.Rule != "E0000" || f.Line != 7 || f.Level != "error" {
					t.Errorf("finding = %+v, want E0000 error at line 7", f)
				}
				if res.Translated != nil || len(res.TranslateErrors) == 0 {
					t.Errorf("want no translation and a reason, got %v, %q", res.Translated != nil, res.TranslateErrors)
				}
			},
		},
		{
			name:     "parameter override and Globals CodeUri",
			template: "testdata/alias.yaml",
			opts:     Options{Params: map[string]string{"Alias": "live"}, Region: "eu-west-1"},
			check: func(t *testing.T, res *Result) {
				types := resourceTypes(res.Translated)
				if types["HelloFunctionAliaslive"] != "AWS::Lambda::Alias" {
					t.Errorf("no alias named after the Alias override: %v (errors %q)", types, res.TranslateErrors)
				}
				if got := res.LocalCode["Globals"]; got != "hello/" {
					t.Errorf("LocalCode = %v, want Globals: hello/", res.LocalCode)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Analyze(context.Background(), tt.template, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Findings {
				if f.File != tt.template {
					t.Errorf("finding file = %q, want %q", f.File, tt.template)
				}
			}
			tt.check(t, res)
		})
	}
}

func TestAnalyzeMissingTemplate(t *testing.T) {
	_, err := Analyze(context.Background(), "testdata/nope.yaml", Options{})
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want a not-exist error", err)
	}
}

// Concurrent callers for one template share one run. The disk cache starts
// empty, so that one run is the script's: a cache left by earlier test runs
// cannot answer in its place.
func TestAnalyzeConcurrentOneRun(t *testing.T) {
	requireTools(t)
	dir := t.TempDir()
	cacheDir := t.TempDir()
	tmpl := filepath.Join(dir, "template.yaml")
	data, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmpl, data, 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{Params: map[string]string{"Prefix": "concurrent"}}
	before := pythonRuns.Load()
	var wg sync.WaitGroup
	translated := make([]map[string]any, 8)
	for i := range translated {
		wg.Go(func() {
			res, err := analyze(context.Background(), tmpl, opts, cacheDir)
			if err != nil {
				t.Error(err)
				return
			}
			translated[i] = res.Translated
		})
	}
	wg.Wait()
	if runs := pythonRuns.Load() - before; runs != 1 {
		t.Errorf("%d script runs for one template and an empty cache, want exactly 1", runs)
	}
	if files, _ := filepath.Glob(filepath.Join(cacheDir, "*.json")); len(files) != 1 {
		t.Errorf("disk cache holds %v, want the one answer", files)
	}
	for i := range translated {
		if translated[i] == nil {
			t.Errorf("caller %d got no translation", i)
		}
	}
}

// fakePython writes a stand-in for python3 that prints answer whatever it is asked.
func fakePython(t *testing.T, answer string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script")
	}
	p := filepath.Join(t.TempDir(), "python")
	if err := os.WriteFile(p, []byte("#!/bin/sh\ncat <<'EOF'\n"+answer+"\nEOF\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// The disk cache answers a second run, and only for the same tool versions.
// A fake Python stands in for the tools: this tests the cache, not them.
func TestDiskCache(t *testing.T) {
	python := fakePython(t, `{"findings": [{"rule": "W3011", "level": "warning", "message": "from the fake", "line": 3, "column": 1, "path": []}], "translated": {"Resources": {}}, "translateErrors": [], "localCode": {}}`)
	dir := t.TempDir()
	content := []byte("Resources: {}\n")
	opts := Options{}.withDefaults()
	tests := []struct {
		name     string
		versions map[string]string
		wantRuns int64
	}{
		{"first run", map[string]string{"cfn-lint": "1.0.0"}, 1},
		{"same versions", map[string]string{"cfn-lint": "1.0.0"}, 0},
		{"cfn-lint upgraded", map[string]string{"cfn-lint": "1.0.1"}, 1},
	}
	for _, tt := range tests {
		before := pythonRuns.Load()
		res, err := analyzeCached(context.Background(), &tools{python: python, versions: tt.versions}, dir, "/t/template.yaml", content, opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if runs := pythonRuns.Load() - before; runs != tt.wantRuns {
			t.Errorf("%s: %d script runs, want %d", tt.name, runs, tt.wantRuns)
		}
		if len(res.Findings) != 1 || res.Findings[0].Message != "from the fake" || res.Translated == nil {
			t.Errorf("%s: result %+v, want the fake's answer", tt.name, res)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 2 {
		t.Errorf("cache files = %v, want two (one per tool version)", files)
	}
}

// A failure inside the script is an error that says so, and is not cached.
func TestScriptFatal(t *testing.T) {
	python := fakePython(t, `{"fatal": "InvalidRegionException: Regions ['mars-1'] are unsupported"}`)
	dir := t.TempDir()
	_, err := analyzeCached(context.Background(), &tools{python: python}, dir, "/t/template.yaml", []byte("x"), Options{Region: "mars-1"})
	if err == nil || !strings.Contains(err.Error(), "mars-1") {
		t.Fatalf("err = %v, want the script's message", err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.json")); len(files) != 0 {
		t.Errorf("a failure was cached: %v", files)
	}
}

func TestAvailableMissing(t *testing.T) {
	tests := []struct {
		name   string
		python func(t *testing.T) string
		want   string
	}{
		{
			name:   "no such python",
			python: func(*testing.T) string { return "/nonexistent" },
			want:   "WORKSHOP_PYTHON=/nonexistent",
		},
		{
			// python3 without site-packages: a Python without cfn-lint.
			name: "python without cfn-lint",
			python: func(t *testing.T) string {
				if runtime.GOOS == "windows" {
					t.Skip("uses a shell script")
				}
				if _, err := exec.LookPath("python3"); err != nil {
					tool.SkipMissing(t, &tool.MissingError{Tool: "python3", Hint: err.Error()})
				}
				p := filepath.Join(t.TempDir(), "python")
				if err := os.WriteFile(p, []byte("#!/bin/sh\nexec python3 -S \"$@\"\n"), 0o755); err != nil {
					t.Fatal(err)
				}
				return p
			},
			want: "cfn-lint is not installed: pip install cfn-lint (it brings aws-sam-translator)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("WORKSHOP_PYTHON", tt.python(t))
			err := Available(context.Background())
			if !errors.Is(err, tool.ErrMissing) {
				t.Fatalf("Available() = %v, want tool.ErrMissing", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Available() = %q, want it to say %q", err, tt.want)
			}
			if _, err := Analyze(context.Background(), "testdata/valid.yaml", Options{}); !errors.Is(err, tool.ErrMissing) {
				t.Errorf("Analyze() = %v, want tool.ErrMissing", err)
			}
		})
	}
}

func TestFindingString(t *testing.T) {
	tests := []struct {
		f    Finding
		want string
	}{
		{
			Finding{Rule: "E3030", File: "template.yaml", Line: 12, Column: 7, Message: "'go1.x' is not one of [...]", Path: []string{"Resources", "HelloFunction", "Properties", "Runtime"}},
			"template.yaml:12:7: E3030 HelloFunction: 'go1.x' is not one of [...]",
		},
		{
			Finding{Rule: "E0000", File: "template.yaml", Line: 7, Column: 9, Message: "did not find expected ',' or ']'"},
			"template.yaml:7:9: E0000 did not find expected ',' or ']'",
		},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// A Python that never answers is stopped after pythonTimeout with a message
// saying so, instead of holding the check until the test's deadline.
func TestRunPythonTimeout(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script")
	}
	stuck := filepath.Join(t.TempDir(), "python")
	if err := os.WriteFile(stuck, []byte("#!/bin/sh\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	defer func(d time.Duration) { pythonTimeout = d }(pythonTimeout)
	pythonTimeout = 100 * time.Millisecond
	start := time.Now()
	_, err := runPython(context.Background(), stuck, "analyze", nil, "")
	if err == nil || !strings.Contains(err.Error(), "did not finish within 100ms and were stopped") {
		t.Errorf("runPython = %v, want it to say it did not finish within 100ms", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("runPython took %v: the bound did not stop it", d)
	}
	// The caller's own cancellation stays context.Canceled.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := runPython(ctx, stuck, "analyze", nil, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("runPython with a cancelled context = %v, want context.Canceled", err)
	}
}
