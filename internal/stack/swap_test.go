package stack

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/gobuild"
	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
)

// TestSwap deploys step 01's solution from a copy, edits the copy's main.go
// and swaps: the next request runs the new code. A change that does not
// compile leaves the last good build serving; an edit of the template is
// reported by TemplateChanges, a comment alone is not.
func TestSwap(t *testing.T) {
	root, err := RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	// Inside the module (the code imports aws-lambda-go), in the git-ignored testdata/tmp.
	base := filepath.Join(root, "testdata", "tmp")
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(base, "swap-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	src := filepath.Join(root, "solutions", "01-hello-api")
	for _, name := range []string{"main.go", "template.yaml"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var logs logbuf.Buffer
	s, err := Deploy(t.Context(), Options{Dir: dir, Logs: &logs})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hello := func(want string) {
		t.Helper()
		rec := httptest.NewRecorder()
		s.API.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hello", nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
			t.Fatalf("GET /hello = %d %s, want 200 with %q\nlogs:\n%s", rec.Code, rec.Body, want, logs.String())
		}
	}
	edit := func(name, old, new string) {
		t.Helper()
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), old) {
			t.Fatalf("%s has no %q", name, old)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hello("Hello from Lambda!")
	first, _ := s.Function("HelloFunction")

	edit("main.go", "Hello from Lambda!", "Hello from the new code!")
	if _, err := s.Swap(t.Context(), "HelloFunction"); err != nil {
		t.Fatal(err)
	}
	hello("Hello from the new code!")
	if f, _ := s.Function("HelloFunction"); f == first {
		t.Error("Swap kept the old function in place")
	}
	if n, _ := s.InFlight(); n != 0 {
		t.Errorf("InFlight = %d after the requests ended", n)
	}

	edit("main.go", "func main() {", "func main() { undefinedCall()")
	_, err = s.Swap(t.Context(), "HelloFunction")
	var ce *gobuild.CompileError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "main.go:") {
		t.Fatalf("Swap of code that does not compile = %v, want a CompileError naming main.go:LINE", err)
	}
	hello("Hello from the new code!") // the last good build still serves

	if changed, err := s.TemplateChanges(); err != nil || len(changed) != 0 {
		t.Fatalf("TemplateChanges before any edit = %v, %v; want none", changed, err)
	}
	edit("template.yaml", "Resources:", "# a comment\nResources:")
	if changed, err := s.TemplateChanges(); err != nil || len(changed) != 0 {
		t.Errorf("TemplateChanges after a comment = %v, %v; want none", changed, err)
	}
	edit("template.yaml", "Timeout: 5", "Timeout: 6")
	if changed, err := s.TemplateChanges(); err != nil || strings.Join(changed, ",") != "resource HelloFunction" {
		t.Errorf("TemplateChanges after a Timeout edit = %v, %v; want [resource HelloFunction]", changed, err)
	}
}
