package stack

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCORSPreflight deploys a template with Globals Api Cors: the browser's
// preflight OPTIONS /hello is answered 200 with the headers SAM configures,
// as on AWS, and the function is not invoked; GET /hello still reaches it.
func TestCORSPreflight(t *testing.T) {
	s, _ := deployed(t, Options{Dir: "testdata/cors", NoIAM: true})
	for _, path := range []string{"/hello", "/Prod/hello"} {
		req := httptest.NewRequest(http.MethodOptions, path, nil)
		req.Header.Set("Origin", "https://example.com")
		req.Header.Set("Access-Control-Request-Method", "GET")
		rec := httptest.NewRecorder()
		s.API.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("OPTIONS %s = %d %s, want 200", path, rec.Code, rec.Body)
		}
		for name, want := range map[string]string{
			"Access-Control-Allow-Origin":  "*",
			"Access-Control-Allow-Methods": "GET,OPTIONS",
			"Access-Control-Allow-Headers": "Content-Type",
		} {
			if got := rec.Header().Get(name); got != want {
				t.Errorf("OPTIONS %s: %s = %q, want %q", path, name, got, want)
			}
		}
	}
	rec := httptest.NewRecorder()
	s.API.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hello", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != `{"method":"GET"}` {
		t.Errorf("GET /hello = %d %s", rec.Code, rec.Body)
	}
}
