package stack

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
)

// TestResourceCondition deploys a template whose ProdOnlyFunction has
// Condition: IsProd: with the default Stage (dev) CloudFormation creates
// neither the function nor its route, so its path answers 403 Missing
// Authentication Token; with Stage=prod it is there.
func TestResourceCondition(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]string
		status int
		body   string
	}{
		{"default Stage", nil, http.StatusForbidden, "Missing Authentication Token"},
		{"Stage=prod", map[string]string{"Stage": "prod"}, http.StatusOK, `{"method":"GET"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := deployed(t, Options{Dir: "testdata/condition", Deployment: sam.Deployment{Params: tt.params}})
			if _, built := s.Functions["ProdOnlyFunction"]; built != (tt.status == http.StatusOK) {
				t.Errorf("ProdOnlyFunction deployed = %v, want %v", built, !built)
			}
			for path, want := range map[string]struct {
				status int
				body   string
			}{"/hello": {http.StatusOK, `{"method":"GET"}`}, "/prod-only": {tt.status, tt.body}} {
				rec := httptest.NewRecorder()
				s.API.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				if rec.Code != want.status || !strings.Contains(rec.Body.String(), want.body) {
					t.Errorf("GET %s = %d %s, want %d %s", path, rec.Code, rec.Body, want.status, want.body)
				}
			}
		})
	}
}
