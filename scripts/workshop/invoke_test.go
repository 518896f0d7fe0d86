package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// TestInvokeSolution01 is `workshop invoke 01 -solution` with step 01's
// event: the raw response on stdout has statusCode 200 and the JSON body,
// and the logs (START ... REPORT) are on stderr.
func TestInvokeSolution01(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs step 01's function")
	}
	var stdout strings.Builder
	var stderr logbuf.Buffer
	if err := invokeStep(t.Context(), []string{"01", "-solution"}, &stdout, &stderr); err != nil {
		t.Fatalf("invoke 01 -solution: %v\n%s", err, stderr.String())
	}
	var resp struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &resp); err != nil {
		t.Fatalf("stdout is not the function's JSON response: %v\n%s", err, stdout.String())
	}
	if resp.StatusCode != 200 || resp.Body != `{"message":"Hello from Lambda!"}` {
		t.Errorf("response = %d %s, want 200 {\"message\":\"Hello from Lambda!\"}", resp.StatusCode, resp.Body)
	}
	for _, want := range []string{"START RequestId:", "GET /hello from 127.0.0.1", "REPORT RequestId:"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

// TestInvokeEventErrors: a missing or invalid event says which file and where
// the step's events are.
func TestInvokeEventErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"01", "-solution", "events/none.json"}, "the step's events: solutions/01-hello-api/events/event.json"},
		{[]string{"01", "-solution", "main.go"}, "is not valid JSON"},
		{[]string{}, "usage:"},
	} {
		var stdout, stderr strings.Builder
		err := invokeStep(t.Context(), tt.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("invoke %v = %v, want an error with %q", tt.args, err, tt.want)
		}
	}
}

// TestEvents checks every step's and solution's events/event.json: a REST
// API proxy event with the top-level fields of the reference event in
// testdata/, for a route the step's solution declares.
func TestEvents(t *testing.T) {
	root, m, err := manifest()
	if err != nil {
		t.Fatal(err)
	}
	ref := map[string]any{}
	readJSON(t, filepath.Join(root, "testdata", "apigateway", "rest-event.json"), &ref)
	for _, st := range m.Steps {
		app, _, err := stack.Load(filepath.Join(root, "solutions", st.Slug), sam.Deployment{})
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{"steps", "solutions"} {
			path := filepath.Join(root, kind, st.Slug, filepath.FromSlash(EventFile))
			ev := map[string]any{}
			readJSON(t, path, &ev)
			for k := range ref {
				if _, ok := ev[k]; !ok {
					t.Errorf("%s has no %q, which API Gateway sends", path, k)
				}
			}
			for k := range ev {
				if _, ok := ref[k]; !ok {
					t.Errorf("%s has %q, which API Gateway does not send", path, k)
				}
			}
			routed := slices.ContainsFunc(app.Routes, func(r sam.Route) bool {
				return r.Method == ev["httpMethod"] && r.Path == ev["resource"]
			})
			if !routed {
				t.Errorf("%s is for %v %v, a route solutions/%s does not declare", path, ev["httpMethod"], ev["resource"], st.Slug)
			}
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
