package stack

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
)

// TestRedeploy updates a running stack as `sam deploy` would: new code
// answers, an unchanged table keeps its items, a broken template touches
// nothing, a changed key schema replaces the table, and the backend the first
// stack started outlives it.
func TestRedeploy(t *testing.T) {
	dir, template, write := versionedApp(t, "03-simple-table")

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
	write(TemplateFile, template+"  Broken: [\n")
	if _, err := s.Redeploy(t.Context()); err == nil || !strings.Contains(err.Error(), TemplateFile) {
		t.Errorf("Redeploy of a broken template: err = %v, want one naming %s", err, TemplateFile)
	}
	// Nor code that does not compile.
	write(TemplateFile, template)
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

	write("main.go", versioned)
	redeploy := func(tmpl string) (string, error) {
		t.Helper()
		write(TemplateFile, tmpl)
		mark := len(logs.String())
		n, err := s.Redeploy(t.Context())
		if err != nil {
			return logs.String()[mark:], err
		}
		s.Close()
		s = n
		if err := s.Cleanup(t.Context(), &logs); err != nil {
			t.Fatal(err)
		}
		return logs.String()[mark:], nil
	}
	tables := func() []string {
		t.Helper()
		out, err := s.DB.ListTables(t.Context(), &dynamodb.ListTablesInput{})
		if err != nil {
			t.Fatal(err)
		}
		return out.TableNames
	}

	// Tags change in place: the table and its items stay.
	tagged := strings.Replace(template, "      PrimaryKey:", "      Tags:\n        team: dva\n      PrimaryKey:", 1)
	if log, err := redeploy(tagged); err != nil || !strings.Contains(log, "Tags changed, which CloudFormation updates in place") {
		t.Errorf("Tags added: err = %v, log = %q", err, log)
	}
	if got := items(s); got != 1 {
		t.Errorf("after an in-place change the table has %d items, want 1", got)
	}

	// A new key under the same custom name: CloudFormation refuses, nothing changes.
	if _, err := redeploy(strings.Replace(tagged, "Name: dt", "Name: id", 1)); err == nil ||
		!strings.Contains(err.Error(), "resource Table: KeySchema changed") || !strings.Contains(err.Error(), "custom-named resource requires replacing") {
		t.Errorf("key change of a custom-named table: err = %v, want CloudFormation's refusal", err)
	}
	if got := items(s); got != 1 {
		t.Errorf("after a refused replacement the table has %d items, want 1", got)
	}

	// A new key and a new name: the new table first, the old one deleted in Cleanup.
	renamed := strings.Replace(strings.Replace(tagged, "Name: dt", "Name: id", 1), "${Prefix}-Table", "${Prefix}-Table2", 1)
	log, err := redeploy(renamed)
	if err != nil {
		t.Fatal(err)
	}
	if want := "deleting table " + table + " (Table): KeySchema, TableName changed, so CloudFormation replaced it with " + table + "2"; !strings.Contains(log, want) {
		t.Errorf("log = %q, want %q", log, want)
	}
	if got := tables(); !slices.Equal(got, []string{table + "2"}) {
		t.Errorf("tables after the replacement and Cleanup = %q, want only %s2", got, table)
	}

	// A generated name: a key change replaces it under the same name locally.
	generated := strings.Replace(renamed, "      TableName: !Sub ${Prefix}-Table2\n", "", 1)
	if _, err := redeploy(generated); err != nil {
		t.Fatal(err)
	}
	gen := s.Env.Refs["Table"]
	if _, err := s.DB.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(gen),
		Item: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "x"}}}); err != nil {
		t.Fatal(err)
	}
	log, err = redeploy(strings.Replace(generated, "Name: id", "Name: dt", 1))
	if err != nil {
		t.Fatal(err)
	}
	if want := "deleting table " + gen + " (Table): KeySchema changed, so CloudFormation replaces it"; !strings.Contains(log, want) {
		t.Errorf("log = %q, want %q", log, want)
	}
	table = gen
	if got := items(s); got != 0 {
		t.Errorf("replaced table has %d items, want 0", got)
	}
}
