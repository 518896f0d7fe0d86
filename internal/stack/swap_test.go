package stack

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/gobuild"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// versioned answers GET /hello?sleep=DURATION with its version, after sleeping.
const versioned = `package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

const version = "v1"

func main() {
	lambda.Start(func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		d, _ := time.ParseDuration(req.QueryStringParameters["sleep"])
		time.Sleep(d)
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: version}, nil
	})
}
`

// TestSwap deploys a function from a scratch copy, edits its code and swaps:
// the next request runs the new code while a request in flight finishes on
// the old one. Code that does not compile leaves the last good build serving;
// TemplateChanges reports an edit of the template, not a comment.
func TestSwap(t *testing.T) {
	dir, template, write := versionedApp(t, "01-hello-api")

	s, logs := deployed(t, Options{Dir: dir})
	hello := func(sleep string) string {
		rec := get(s, "/hello?sleep="+sleep)
		if rec.Code != http.StatusOK {
			return fmt.Sprintf("status %d %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	if got := hello("0s"); got != "v1" {
		t.Fatalf("before the swap: %s, want v1\nlogs:\n%s", got, logs.String())
	}
	first, _ := s.Function("HelloFunction")

	inFlight := make(chan string, 1)
	go func() { inFlight <- hello("2s") }()
	for deadline := time.Now().Add(10 * time.Second); first.InFlight() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the slow request never reached the function")
		}
	}
	write("main.go", strings.Replace(versioned, `"v1"`, `"v2"`, 1))
	if _, err := s.Swap(t.Context(), "HelloFunction"); err != nil {
		t.Fatal(err)
	}
	if got := hello("0s"); got != "v2" {
		t.Errorf("after the swap: %s, want v2\nlogs:\n%s", got, logs.String())
	}
	if got := <-inFlight; got != "v1" {
		t.Errorf("the request in flight during the swap: %s, want v1 (the code it began on)", got)
	}
	if f, _ := s.Function("HelloFunction"); f == first {
		t.Error("Swap kept the old function in place")
	}

	write("main.go", strings.Replace(versioned, "func main() {", "func main() { undefinedCall()", 1))
	_, err := s.Swap(t.Context(), "HelloFunction")
	var ce *gobuild.CompileError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "main.go:") {
		t.Fatalf("Swap of code that does not compile = %v, want a CompileError naming main.go:LINE", err)
	}
	if got := hello("0s"); got != "v2" {
		t.Errorf("after a failed swap: %s, want v2, the last good build", got)
	}

	edit := func(old, new string) {
		t.Helper()
		text := strings.Replace(template, old, new, 1)
		if !strings.Contains(template, old) {
			t.Fatalf("the template has no %q", old)
		}
		write(TemplateFile, text)
	}
	for _, tt := range []struct {
		old, new string
		want     string
	}{
		{"Resources:", "Resources:", ""},
		{"Resources:", "# a comment\nResources:", ""},
		{"Timeout: 5", "Timeout: 6", "resource HelloFunction"},
		{"Outputs:\n", "Outputs:\n  Extra:\n    Value: x\n", "Outputs"},
	} {
		edit(tt.old, tt.new)
		changed, err := s.TemplateChanges()
		if err != nil || strings.Join(changed, ",") != tt.want {
			t.Errorf("TemplateChanges after %q -> %q = %q, %v; want %q", tt.old, tt.new, changed, err, tt.want)
		}
	}
}

// versionedApp is a scratch copy of a solution's template with the versioned
// code as main.go: its directory, the template, and a writer of its files.
func versionedApp(t *testing.T, solution string) (dir, template string, write func(name, text string)) {
	t.Helper()
	dir = repotest.ScratchDir(t, "app-") // inside the module: the code imports aws-lambda-go
	data, err := os.ReadFile(filepath.Join(repotest.Root(t), "solutions", solution, TemplateFile))
	if err != nil {
		t.Fatal(err)
	}
	write = func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(TemplateFile, string(data))
	write("main.go", versioned)
	return dir, string(data), write
}
