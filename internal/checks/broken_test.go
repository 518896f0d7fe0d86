package checks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBrokenStepsAreCaught feeds step 01's checks the mistakes people make and
// asserts that the right check fails with a message that names the place and
// says what to do — never a Go stack trace.
func TestBrokenStepsAreCaught(t *testing.T) {
	root, m := repoManifest(t)
	step, err := m.Find("01")
	if err != nil {
		t.Fatal(err)
	}
	solution := filepath.Join(root, "solutions", step.Slug)

	tests := []struct {
		name   string
		file   string // file to change
		old    string // text to replace
		new    string
		check  string   // the check that must fail
		others []string // other checks that may fail too
		want   []string // the message must contain each
	}{
		{
			name: "go1.x runtime", file: "template.yaml",
			old: "Runtime: provided.al2023", new: "Runtime: go1.x",
			check: "function", others: []string{"lint", "build", "hello", "not-found"},
			want: []string{"template.yaml:", "HelloFunction", `Properties.Runtime: "go1.x"`, "expected provided.al2023", "hint: Go runs on the OS-only runtime"},
		},
		{
			name: "handler main", file: "template.yaml",
			old: "Handler: bootstrap", new: "Handler: main",
			check: "function",
			want:  []string{"HelloFunction", `Properties.Handler: "main"`, "expected bootstrap"},
		},
		{
			name: "x86_64 architecture", file: "template.yaml",
			old: "- arm64", new: "- x86_64",
			check: "function", others: []string{"build"},
			want: []string{"HelloFunction", `Properties.Architectures: ["x86_64"]`, `expected ["arm64"]`, "Graviton"},
		},
		{
			name: "missing BuildMethod", file: "template.yaml",
			old: "    Metadata:\n      BuildMethod: go1.x\n", new: "",
			check: "function", others: []string{"build", "hello", "not-found"},
			want: []string{"HelloFunction has no Metadata.BuildMethod", "expected Metadata.BuildMethod: go1.x"},
		},
		{
			name: "missing Api event", file: "template.yaml",
			old: "      Events:\n        Hello:\n          Type: Api\n          Properties:\n            Path: /hello\n            Method: get\n", new: "",
			check: "api-event", others: []string{"hello", "outputs", "lint"},
			want: []string{"template.yaml:", "HelloFunction has no Api event", "GET /hello", "hint: under the Properties of HelloFunction add Events"},
		},
		{
			name: "non-JSON body", file: "main.go",
			old: `json.Marshal(helloBody{Message: "Hello from Lambda!"})`, new: `[]byte("Hello from Lambda!"), json.Unmarshal([]byte("{}"), new(any))`,
			check: "hello",
			want:  []string{"GET /hello answered", "not a JSON object", `"Hello from Lambda!"`, "hint: build the body with json.Marshal"},
		},
		{
			name: "handler panics", file: "main.go",
			old: "body, err := json.Marshal(", new: "panic(\"boom\")\n\tbody, err := json.Marshal(",
			check: "hello", others: []string{"build"},
			want: []string{"GET /hello answered 502", `Internal server error`, "the local logs", "boom"},
		},
		{
			name: "compile error", file: "main.go",
			old: "body, err := json.Marshal(", new: "body, err := jsonMarshal(",
			check: "build", others: []string{"hello", "not-found"},
			want: []string{"main.go:", "undefined: jsonMarshal"},
		},
		{
			name: "broken YAML", file: "template.yaml",
			old: "      Handler: bootstrap", new: "     Handler: bootstrap",
			check: "function", others: []string{"lint", "api-event", "build", "hello", "not-found", "outputs"},
			want: []string{"template.yaml", "not valid YAML", "line"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := copyStep(t, root, solution)
			edit(t, filepath.Join(dir, tt.file), tt.old, tt.new)
			target := Target{Root: root, Step: step, Dir: dir, Mode: Learner}
			results, err := target.Check(nil, time.Now().Add(5*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			var got *Result
			for i, r := range results {
				switch {
				case r.Name == tt.check:
					got = &results[i]
				case r.Failed && !contains(tt.others, r.Name):
					t.Errorf("check %s fails too, unexpectedly: %s", r.Name, r.Message)
				}
			}
			if got == nil || !got.Failed {
				t.Fatalf("check %s passed; it should catch %s", tt.check, tt.name)
			}
			for _, w := range tt.want {
				if !strings.Contains(got.Message, w) {
					t.Errorf("message of check %s lacks %q:\n%s", tt.check, w, got.Message)
				}
			}
			if strings.Contains(got.Message, "goroutine ") || strings.Contains(got.Message, "panic(") {
				t.Errorf("message of check %s shows a Go stack trace:\n%s", tt.check, got.Message)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// edit replaces old by new in the file, once.
func edit(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s no longer contains %q: update this test", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyStep copies a step's app files into a fresh directory under the
// repository's testdata/, inside the module so that its Go code builds.
func copyStep(t *testing.T, root, from string) string {
	t.Helper()
	base := filepath.Join(root, "testdata", "tmp")
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(base, "step-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
