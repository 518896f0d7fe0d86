package apigw

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Each test here is a kind of difference from AWS found by trying the local
// stack as a learner would (issue 9), with cases beyond the one reported.

// restOver is a REST API (stage Prod unless given) over a real connection.
func restOver(t *testing.T, inv Invoker, stage string, routes ...string) func(string) *http.Response {
	t.Helper()
	h, err := New(Config{APIs: []API{apiOf("ServerlessRestApi", false, stage, inv, routes...)}})
	if err != nil {
		t.Fatal(err)
	}
	return serveWire(t, h)
}

func apiOf(id string, httpAPI bool, stage string, inv Invoker, routes ...string) API {
	a := API{ID: id, HTTP: httpAPI, Stage: stage}
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		a.Routes = append(a.Routes, Route{Method: method, Path: path, Function: "HelloFunction", Invoker: inv})
	}
	return a
}

func v1Event(t *testing.T, f *fakeInvoker) eventV1 {
	t.Helper()
	return lastEvent[eventV1](t, f)
}

func v2Event(t *testing.T, f *fakeInvoker) eventV2 {
	t.Helper()
	return lastEvent[eventV2](t, f)
}

// Header names reach the function as the client sent them (Go's server
// canonicalises them; apigw.Listen keeps the wire's spelling).
func TestHeaderNamesAsSent(t *testing.T) {
	inv := &fakeInvoker{response: []byte(okResponse)}
	send := restOver(t, inv, "", "GET /hello", "POST /hello")
	tests := []struct {
		name    string
		request string
		want    map[string]string // header -> value in headers
		absent  []string
	}{
		{"lower case as curl -H sends it (the reported case)", "GET /hello HTTP/1.1\r\nHost: x\r\nx-api-key: abc\r\n\r\n",
			map[string]string{"x-api-key": "abc"}, []string{"X-Api-Key"}},
		{"upper case kept", "GET /hello HTTP/1.1\r\nHost: x\r\nX-API-KEY: abc\r\n\r\n",
			map[string]string{"X-API-KEY": "abc"}, []string{"X-Api-Key"}},
		{"canonical kept", "GET /hello HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\n\r\n",
			map[string]string{"Accept": "text/plain"}, []string{"accept"}},
		{"API Gateway names Host and User-Agent itself", "GET /hello HTTP/1.1\r\nhost: x\r\nuser-agent: curl/8\r\n\r\n",
			map[string]string{"Host": "x", "User-Agent": "curl/8"}, []string{"host", "user-agent"}},
		{"a REST API drops Content-Length", "POST /hello HTTP/1.1\r\nHost: x\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nhi",
			map[string]string{"content-type": "text/plain"}, []string{"content-length", "Content-Length"}},
		{"chunked body, then the next request keeps its own names", "POST /hello HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\nx-first: 1\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
			map[string]string{"x-first": "1"}, []string{"Transfer-Encoding", "transfer-encoding"}},
		{"after a chunked body", "GET /hello HTTP/1.1\r\nHost: x\r\nx-second: 2\r\n\r\n",
			map[string]string{"x-second": "2"}, []string{"x-first"}},
		{"repeated header, last value in headers", "GET /hello HTTP/1.1\r\nHost: x\r\nx-multi: 1\r\nx-multi: 2\r\n\r\n",
			map[string]string{"x-multi": "2"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := send(tt.request)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d %s", resp.StatusCode, readBody(resp))
			}
			ev := v1Event(t, inv)
			for k, v := range tt.want {
				eq(t, "headers["+k+"]", ev.Headers[k], v)
			}
			for _, k := range tt.absent {
				if _, ok := ev.Headers[k]; ok {
					t.Errorf("headers has %q: %v", k, ev.Headers)
				}
			}
		})
	}
	// multiValueHeaders keeps every value under the name as sent.
	send("GET /hello HTTP/1.1\r\nHost: x\r\nx-multi: 1\r\nx-multi: 2\r\n\r\n")
	eq(t, "multiValueHeaders[x-multi]", v1Event(t, inv).MultiValueHeaders["x-multi"], []string{"1", "2"})

	// In process (the checks), the header map's keys are the names sent.
	h := newAPI(t, inv, nil, "GET /hello")
	serve(h, "GET", "/hello", nil, http.Header{"x-api-key": {"abc"}})
	eq(t, "in-process headers[x-api-key]", v1Event(t, inv).Headers["x-api-key"], "abc")
	// An HTTP/2 client sends lower case.
	req, _ := http.NewRequest("GET", "http://x/hello", nil)
	req.RequestURI, req.ProtoMajor, req.Proto = "/hello", 2, "HTTP/2.0"
	req.Header.Set("Accept", "*/*")
	h.ServeHTTP(newRecorder(), req)
	eq(t, "HTTP/2 headers[accept]", v1Event(t, inv).Headers["accept"], "*/*")
}

// A REST API delivers the path still percent-encoded and routes on it, so an
// encoded slash stays in its segment; an HTTP API decodes it (twice) first.
func TestPathEncoding(t *testing.T) {
	routes := []string{"GET /items/{id}", "GET /files/{p+}", "GET /hello"}
	tests := []struct {
		name, target string
		httpAPI      bool
		status       int
		resource     string
		path         string // path (REST) or rawPath (HTTP API)
		params       map[string]string
	}{
		{"space (the reported case)", "/items/a%20b", false, 200, "/items/{id}", "/items/a%20b", map[string]string{"id": "a%20b"}},
		{"encoded slash stays in the segment", "/items/a%2Fb", false, 200, "/items/{id}", "/items/a%2Fb", map[string]string{"id": "a%2Fb"}},
		{"encoded slash in a greedy part", "/files/a%2Fb/c.txt", false, 200, "/files/{p+}", "/files/a%2Fb/c.txt", map[string]string{"p": "a%2Fb/c.txt"}},
		{"non-ASCII", "/items/%CE%BB", false, 200, "/items/{id}", "/items/%CE%BB", map[string]string{"id": "%CE%BB"}},
		{"double-encoded stays", "/items/a%252Fb", false, 200, "/items/{id}", "/items/a%252Fb", map[string]string{"id": "a%252Fb"}},
		{"encoded letters still name the resource", "/h%65llo", false, 200, "/hello", "/h%65llo", nil},
		{"HTTP API decodes", "/items/a%20b", true, 200, "/items/{id}", "/items/a b", map[string]string{"id": "a b"}},
		{"HTTP API splits at an encoded slash", "/items/a%2Fb", true, 404, "", "", nil},
		{"HTTP API greedy part gets the decoded slash", "/files/a%2Fb", true, 200, "/files/{p+}", "/files/a/b", map[string]string{"p": "a/b"}},
		{"HTTP API decodes twice", "/files/literal%252Fvalue", true, 200, "/files/{p+}", "/files/literal/value", map[string]string{"p": "literal/value"}},
		{"HTTP API cuts at a decoded ?", "/items/q%3Fx", true, 200, "/items/{id}", "/items/q", map[string]string{"id": "q"}},
		{"HTTP API refuses what does not decode twice", "/items/percent%25done", true, 400, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{response: []byte(okResponse)}
			h, err := New(Config{APIs: []API{apiOf("Api", tt.httpAPI, "", inv, routes...)}})
			if err != nil {
				t.Fatal(err)
			}
			rec := serve(h, "GET", tt.target, nil, nil)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tt.status, rec.Body)
			}
			if tt.status != 200 {
				if inv.calls() != 0 {
					t.Error("the function was invoked")
				}
				return
			}
			if tt.httpAPI {
				ev := v2Event(t, inv)
				eq(t, "routeKey", ev.RouteKey, "GET "+tt.resource)
				eq(t, "rawPath", ev.RawPath, tt.path)
				eq(t, "pathParameters", ev.PathParameters, tt.params)
				return
			}
			ev := v1Event(t, inv)
			eq(t, "resource", ev.Resource, tt.resource)
			eq(t, "path", ev.Path, tt.path)
			eq(t, "requestContext.path", ev.RequestContext.Path, "/Prod"+tt.path)
			eq(t, "pathParameters", ev.PathParameters, tt.params)
		})
	}
}

// A REST API passes request bodies as base64 only for its binary media
// types, and decodes a function's base64 body only when the client's first
// Accept type is one of them.
func TestBinaryMediaTypes(t *testing.T) {
	png := []byte("\x89PNG\x00\x01")
	tests := []struct {
		name        string
		types       []string
		contentType string
		wantBase64  bool
	}{
		{"no binary media types", nil, "image/png", false},
		{"exact type", []string{"image/png"}, "image/png", true},
		{"wildcard subtype", []string{"image/*"}, "image/png", true},
		{"any type", []string{"*/*"}, "application/json", true},
		{"parameters ignored", []string{"application/octet-stream"}, "application/octet-stream; charset=binary", true},
		{"another type", []string{"image/png"}, "text/plain", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{response: []byte(okResponse)}
			a := apiOf("Api", false, "", inv, "POST /up")
			a.BinaryMediaTypes = tt.types
			h, err := New(Config{APIs: []API{a}})
			if err != nil {
				t.Fatal(err)
			}
			serve(h, "POST", "/up", png, http.Header{"Content-Type": {tt.contentType}})
			ev := v1Event(t, inv)
			eq(t, "isBase64Encoded", ev.IsBase64Encoded, tt.wantBase64)
		})
	}

	// The reported case: the function answers base64 and the template
	// declares no BinaryMediaTypes: the client gets the base64 text, and the
	// log says why.
	inv := &fakeInvoker{response: []byte(`{"statusCode":200,"isBase64Encoded":true,"headers":{"Content-Type":"image/png"},"body":"UE5HREFUQQ=="}`)}
	var logs bytes.Buffer
	rec := serve(newAPI(t, inv, &logs, "GET /hello"), "GET", "/hello?mode=b64", nil, nil)
	eq(t, "body", rec.Body.String(), "UE5HREFUQQ==")
	if !strings.Contains(logs.String(), "declares no BinaryMediaTypes") {
		t.Errorf("log = %q, want the reason", logs.String())
	}
}

// An explicit API serves under its StageName; SAM's implicit API under Prod.
func TestStages(t *testing.T) {
	implicit := &fakeInvoker{response: []byte(okResponse)}
	explicit := &fakeInvoker{response: []byte(okResponse)}
	h, err := New(Config{APIs: []API{
		apiOf("MyApi", false, "dev", explicit, "GET /hello"),
		apiOf("ServerlessRestApi", false, "", implicit, "GET /other"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		target    string
		status    int
		inv       *fakeInvoker
		stage     string
		stagePath string
	}{
		{"/dev/hello", 200, explicit, "dev", "/dev/hello"}, // the reported case
		{"/Prod/hello", 403, nil, "", ""},                  // no Prod stage on MyApi
		{"/hello", 200, explicit, "dev", "/dev/hello"},     // at the root, as sam local
		{"/Prod/other", 200, implicit, "Prod", "/Prod/other"},
		{"/dev/other", 403, nil, "", ""},
		{"/dev", 403, nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			before := explicit.calls() + implicit.calls()
			rec := serve(h, "GET", tt.target, nil, nil)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d", rec.Code, tt.status)
			}
			if tt.inv == nil {
				eq(t, "calls", explicit.calls()+implicit.calls(), before)
				return
			}
			ev := v1Event(t, tt.inv)
			eq(t, "requestContext.stage", ev.RequestContext.Stage, tt.stage)
			eq(t, "requestContext.path", ev.RequestContext.Path, tt.stagePath)
		})
	}

	inv := &fakeInvoker{response: []byte(okResponse)}
	h, err = New(Config{APIs: []API{apiOf("Http", true, "v1", inv, "GET /hello")}})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "HTTP API stage v1 status", serve(h, "GET", "/v1/hello", nil, nil).Code, 200)
	ev := v2Event(t, inv)
	eq(t, "HTTP API stage", ev.RequestContext.Stage, "v1")
	eq(t, "HTTP API rawPath under a named stage", ev.RawPath, "/v1/hello")

	if _, err := New(Config{APIs: []API{apiOf("MyApi", false, "my stage", inv, "GET /a")}}); err == nil || !strings.Contains(err.Error(), "stage name") {
		t.Errorf("New with stage %q: err = %v", "my stage", err)
	}
}

// HTTP API events (payload format 2.0), and format 1.0 on an HTTP API.
func TestHTTPAPIEvent(t *testing.T) {
	inv := &fakeInvoker{response: []byte(`{"message":"hi"}`)}
	v1 := &fakeInvoker{response: []byte(okResponse)}
	a := apiOf("ServerlessHttpApi", true, "", inv, "GET /hello", "ANY $default")
	a.Routes = append(a.Routes, Route{Method: "GET", Path: "/old", Function: "Old", Invoker: v1, PayloadFormat: "1.0"})
	h, err := New(Config{APIs: []API{a}})
	if err != nil {
		t.Fatal(err)
	}
	rec := serve(h, "GET", "/hello?a=1&a=2", nil, http.Header{"X-Multi": {"1", "2"}, "Cookie": {"a=1; b=2"}})
	eq(t, "status", rec.Code, 200)
	eq(t, "body of an output without statusCode", rec.Body.String(), `{"message":"hi"}`)
	ev := v2Event(t, inv)
	eq(t, "version", ev.Version, "2.0")
	eq(t, "routeKey", ev.RouteKey, "GET /hello")
	eq(t, "rawQueryString", ev.RawQueryString, "a=1&a=2")
	eq(t, "queryStringParameters", ev.QueryStringParameters, map[string]string{"a": "1,2"})
	eq(t, "headers[x-multi]", ev.Headers["x-multi"], "1,2")
	eq(t, "cookies", ev.Cookies, []string{"a=1", "b=2"})
	if _, ok := ev.Headers["cookie"]; ok {
		t.Error("the cookie header should move to cookies")
	}
	eq(t, "stage", ev.RequestContext.Stage, "$default")

	serve(h, "DELETE", "/anything/else", nil, nil)
	eq(t, "$default route key", v2Event(t, inv).RouteKey, "$default")

	serve(h, "GET", "/old", nil, http.Header{"X-Api-Key": {"k"}})
	old := v1Event(t, v1)
	eq(t, "format 1.0 on an HTTP API: lower-case names", old.Headers["x-api-key"], "k")
	eq(t, "format 1.0 stage", old.RequestContext.Stage, "$default")
	eq(t, "format 1.0 requestContext.path", old.RequestContext.Path, "/old")

	h, err = New(Config{APIs: []API{apiOf("ServerlessHttpApi", true, "", inv, "GET /hello")}})
	if err != nil {
		t.Fatal(err)
	}
	rec = serve(h, "GET", "/nope", nil, nil)
	eq(t, "no route status", rec.Code, 404)
	eq(t, "no route body", rec.Body.String(), `{"message":"Not Found"}`)
	eq(t, "no route on a known path, other method", serve(h, "POST", "/hello", nil, nil).Code, 404)
}

type slowInvoker struct{ d time.Duration }

func (s slowInvoker) Invoke(ctx context.Context, _ []byte) ([]byte, string, error) {
	select {
	case <-time.After(s.d):
		return []byte(okResponse), "", nil
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
}

// API Gateway's own answers, in its JSON, where Go's server would answer in
// plain text or not at all.
func TestGatewayErrors(t *testing.T) {
	inv := &fakeInvoker{response: []byte(okResponse)}
	tests := []struct {
		name    string
		httpAPI bool
		request string
		status  int
		body    string
	}{
		{"REST: invalid percent-encoding", false, "GET /items/a%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, `{"message":"Bad Request"}`},
		{"REST: a lone % at the end", false, "GET /items/a% HTTP/1.1\r\nHost: x\r\n\r\n", 400, `{"message":"Bad Request"}`},
		{"REST: OPTIONS *", false, "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 403, `{"message":"Missing Authentication Token"}`},
		{"REST: a route after them still answers", false, "GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n", 200, "ok"},
		{"HTTP API: invalid percent-encoding", true, "GET /items/a%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, `{"message":"Bad Request"}`},
		{"HTTP API: OPTIONS *", true, "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 404, `{"message":"Not Found"}`},
	}
	sends := map[bool]func(string) *http.Response{}
	for _, httpAPI := range []bool{false, true} {
		h, err := New(Config{APIs: []API{apiOf("Api", httpAPI, "", inv, "GET /items/{id}", "ANY /{proxy+}")}})
		if err != nil {
			t.Fatal(err)
		}
		sends[httpAPI] = serveWire(t, h)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := inv.calls()
			resp := sends[tt.httpAPI](tt.request)
			eq(t, "status", resp.StatusCode, tt.status)
			eq(t, "body", readBody(resp), tt.body)
			if tt.status != 200 {
				eq(t, "Content-Type", resp.Header.Get("Content-Type"), "application/json")
				eq(t, "function calls", inv.calls(), before)
			}
			if tt.status == 400 && !tt.httpAPI {
				eq(t, "x-amzn-ErrorType", resp.Header.Get("x-amzn-ErrorType"), "BadRequestException")
			}
		})
	}

	// Integration timeout: 29 s on a REST API (504), 30 s on an HTTP API (503).
	for _, tt := range []struct {
		httpAPI bool
		status  int
		body    string
	}{
		{false, 504, `{"message": "Endpoint request timed out"}`},
		{true, 503, `{"message":"Service Unavailable"}`},
	} {
		var logs bytes.Buffer
		h, err := New(Config{Logs: &logs, IntegrationTimeout: 50 * time.Millisecond,
			APIs: []API{apiOf("Api", tt.httpAPI, "", slowInvoker{5 * time.Second}, "GET /slow")}})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		rec := serve(h, "GET", "/slow", nil, nil)
		eq(t, fmt.Sprintf("timeout status (HTTP API %v)", tt.httpAPI), rec.Code, tt.status)
		eq(t, "timeout body", rec.Body.String(), tt.body)
		if time.Since(start) > 2*time.Second {
			t.Errorf("the answer took %s: the gateway should not wait for the function", time.Since(start))
		}
		if !strings.Contains(logs.String(), "integration timeout") {
			t.Errorf("log = %q", logs.String())
		}
	}
	if RESTTimeout != 29*time.Second || HTTPAPITimeout != 30*time.Second {
		t.Errorf("timeouts = %s, %s; API Gateway's are 29 s and 30 s", RESTTimeout, HTTPAPITimeout)
	}

	// 10 MB on an HTTP API too.
	h, err := New(Config{APIs: []API{apiOf("Api", true, "", inv, "POST /up")}})
	if err != nil {
		t.Fatal(err)
	}
	rec := serve(h, "POST", "/up", make([]byte, MaxBodyBytes+1), nil)
	eq(t, "HTTP API 413", rec.Code, 413)
	eq(t, "HTTP API 413 body", rec.Body.String(), `{"message":"Request Entity Too Large"}`)
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
