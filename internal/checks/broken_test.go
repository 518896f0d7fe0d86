package checks

import "testing"

// TestBrokenStepsAreCaught feeds step 01's checks the mistakes people make and
// asserts that the right check fails with a message that names the place and
// says what to do — never a Go stack trace. Every check of the step runs:
// only those in mayFail may fail besides the one named.
func TestBrokenStepsAreCaught(t *testing.T) {
	tests := []mistake{
		{
			name: "go1.x runtime", step: "01", allChecks: true,
			changes: []change{{"template.yaml", "Runtime: provided.al2023", "Runtime: go1.x"}},
			check:   "function", mayFail: []string{"lint", "build", "hello", "not-found"},
			want: []string{"template.yaml:", "HelloFunction", `Properties.Runtime: "go1.x"`, "expected provided.al2023", "hint: Go runs on the OS-only runtime"},
		},
		{
			name: "handler main", step: "01", allChecks: true,
			changes: []change{{"template.yaml", "Handler: bootstrap", "Handler: main"}},
			check:   "function",
			want:    []string{"HelloFunction", `Properties.Handler: "main"`, "expected bootstrap"},
		},
		{
			name: "x86_64 architecture", step: "01", allChecks: true,
			changes: []change{{"template.yaml", "- arm64", "- x86_64"}},
			check:   "function", mayFail: []string{"build"},
			want: []string{"HelloFunction", `Properties.Architectures: ["x86_64"]`, `expected ["arm64"]`, "Graviton"},
		},
		{
			name: "missing BuildMethod", step: "01", allChecks: true,
			changes: []change{{"template.yaml", "    Metadata:\n      BuildMethod: go1.x\n", ""}},
			check:   "function", mayFail: []string{"build", "hello", "not-found"},
			want: []string{"HelloFunction has no Metadata.BuildMethod", "expected Metadata.BuildMethod: go1.x"},
		},
		{
			name: "missing Api event", step: "01", allChecks: true,
			changes: []change{{"template.yaml", "      Events:\n        Hello:\n          Type: Api\n          Properties:\n            Path: /hello\n            Method: get\n", ""}},
			check:   "api-event", mayFail: []string{"hello", "outputs", "lint"},
			want: []string{"template.yaml:", "HelloFunction has no Api event", "GET /hello", "hint: under the Properties of HelloFunction add Events"},
		},
		{
			name: "non-JSON body", step: "01", allChecks: true,
			changes: []change{{"main.go", `json.Marshal(helloBody{Message: "Hello from Lambda!"})`, `[]byte("Hello from Lambda!"), json.Unmarshal([]byte("{}"), new(any))`}},
			check:   "hello",
			want:    []string{"GET /hello answered", "not a JSON object", `"Hello from Lambda!"`, "hint: build the body with json.Marshal"},
		},
		{
			name: "handler panics", step: "01", allChecks: true,
			changes: []change{{"main.go", "body, err := json.Marshal(", "panic(\"boom\")\n\tbody, err := json.Marshal("}},
			check:   "hello", mayFail: []string{"build"},
			want: []string{"GET /hello answered 502", `Internal server error`, "the local logs", "boom"},
		},
		{
			name: "compile error", step: "01", allChecks: true,
			changes: []change{{"main.go", "body, err := json.Marshal(", "body, err := jsonMarshal("}},
			check:   "build", mayFail: []string{"hello", "not-found"},
			want: []string{"main.go:", "undefined: jsonMarshal"},
		},
		{
			name: "broken YAML", step: "01", allChecks: true,
			changes: []change{{"template.yaml", "      Handler: bootstrap", "     Handler: bootstrap"}},
			check:   "function", mayFail: []string{"lint", "api-event", "build", "hello", "not-found", "outputs"},
			want: []string{"template.yaml", "not valid YAML", "line"},
		},
	}
	runMistakes(t, tests)
}
