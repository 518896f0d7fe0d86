package stack

import (
	"net/http"
	"strings"
	"testing"
)

// TestPermissionsBoundary deploys a function whose policies allow PutItem and
// Scan under a permissions boundary (an AWS::IAM::ManagedPolicy of the
// template) that allows only Scan: as on AWS, PutItem is denied with the
// boundary's wording and the function answers 500.
func TestPermissionsBoundary(t *testing.T) {
	s, logs := deployed(t, Options{Dir: "testdata/boundary"})
	role := s.Roles["HelloFunction"]
	if role == nil || role.Boundary == nil || role.Boundary.Name != "permissions boundary Boundary" {
		t.Fatalf("HelloFunction's role has no boundary read from the template: %+v", role)
	}
	rec := get(s, "/hello")
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "internal error") {
		t.Errorf("GET /hello = %d %s, want 500 internal error", rec.Code, rec.Body)
	}
	for _, want := range []string{
		"is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/dva-hello-Table because no permissions boundary allows the dynamodb:PutItem action",
		"its policies allow it, but permissions boundary Boundary does not",
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}
