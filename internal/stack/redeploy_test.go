package stack

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// TestRedeploy updates a running stack as `sam deploy` would: new code
// answers, an unchanged table keeps its items, a broken template touches
// nothing, a changed key schema replaces the table, and the backend the first
// stack started outlives it.
func TestRedeploy(t *testing.T) {
	root := repotest.Root(t)
	dir := repotest.ScratchDir(t, "redeploy-") // inside the module: the code imports aws-lambda-go
	template, err := os.ReadFile(filepath.Join(root, "solutions", "03-simple-table", TemplateFile))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(TemplateFile, string(template))
	write("main.go", versioned)

	var logs logbuf.Buffer
	s, err := Deploy(t.Context(), Options{Dir: dir, Logs: &logs})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	table := s.Env.Refs["Table"]
	hello := func(s *Stack) string {
		rec := httptest.NewRecorder()
		s.API.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hello", nil))
		return rec.Body.String()
	}
	items := func(s *Stack) int {
		t.Helper()
		out, err := s.DB.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		return len(out.Items)
	}
	if _, err := s.DB.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table),
		Item: map[string]types.AttributeValue{"dt": &types.AttributeValueMemberS{Value: "kept"}}}); err != nil {
		t.Fatal(err)
	}

	// New code, same table: the item stays.
	write("main.go", strings.Replace(versioned, `"v1"`, `"v2"`, 1))
	mark := len(logs.String())
	n, err := s.Redeploy(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("closing the old stack: %v", err)
	}
	s = n
	if got := hello(s); got != "v2" {
		t.Errorf("after the redeploy GET /hello = %q, want v2", got)
	}
	if got := items(s); got != 1 {
		t.Errorf("unchanged table has %d items after the redeploy, want 1 (and the backend must outlive the old stack)", got)
	}
	if want := "table " + table + " (Table) is unchanged: its items stay"; !strings.Contains(logs.String()[mark:], want) {
		t.Errorf("logs = %q, want %q", logs.String()[mark:], want)
	}

	// A template that does not read: an error, and nothing touched.
	write(TemplateFile, string(template)+"  Broken: [\n")
	if _, err := s.Redeploy(t.Context()); err == nil || !strings.Contains(err.Error(), TemplateFile) {
		t.Errorf("Redeploy of a broken template: err = %v, want one naming %s", err, TemplateFile)
	}
	// Nor code that does not compile.
	write(TemplateFile, string(template))
	write("main.go", "package main\n\nfunc main() { undefined() }\n")
	if _, err := s.Redeploy(t.Context()); err == nil {
		t.Error("Redeploy of code that does not compile: no error")
	}
	if got := items(s); got != 1 {
		t.Errorf("after failed redeploys the table has %d items, want 1", got)
	}
	if got := hello(s); got != "v2" {
		t.Errorf("after failed redeploys GET /hello = %q, want v2 (the stack keeps serving)", got)
	}

	// A changed key schema: CloudFormation replaces the table, the items go.
	write("main.go", versioned)
	write(TemplateFile, strings.Replace(string(template), "Name: dt", "Name: id", 1))
	mark = len(logs.String())
	if n, err = s.Redeploy(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = n
	if got := items(s); got != 0 {
		t.Errorf("replaced table has %d items, want 0", got)
	}
	if want := "deleting table " + table + " (Table): its definition changed"; !strings.Contains(logs.String()[mark:], want) {
		t.Errorf("logs = %q, want %q", logs.String()[mark:], want)
	}
}
