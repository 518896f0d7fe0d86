package apigw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/serverless-dva/sam-dynamodb-go/internal/account"
)

// fakeInvoker records the events it receives and answers a fixed output.
type fakeInvoker struct {
	response      []byte
	functionError string
	err           error

	mu       sync.Mutex
	payloads [][]byte
}

func (f *fakeInvoker) Invoke(_ context.Context, payload []byte) ([]byte, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.payloads = append(f.payloads, payload)
	return f.response, f.functionError, f.err
}

func (f *fakeInvoker) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.payloads)
}

// event decodes the last event the function received.
func (f *fakeInvoker) event(t *testing.T) events.APIGatewayProxyRequest {
	t.Helper()
	return lastEvent[events.APIGatewayProxyRequest](t, f)
}

// lastEvent decodes the last event f received as an E.
func lastEvent[E any](t *testing.T, f *fakeInvoker) E {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.payloads) == 0 {
		t.Fatal("the function was not invoked")
	}
	var ev E
	if err := json.Unmarshal(f.payloads[len(f.payloads)-1], &ev); err != nil {
		t.Fatalf("the event is not a %T: %v", ev, err)
	}
	return ev
}

const okResponse = `{"statusCode":200,"body":"ok"}`

// newAPI serves the given routes, all answered by one fake function.
func newAPI(t *testing.T, inv *fakeInvoker, logs *bytes.Buffer, routes ...string) http.Handler {
	t.Helper()
	var cfg Config
	if logs != nil { // a nil *bytes.Buffer in the interface would not be nil
		cfg.Logs = logs
	}
	api := API{ID: "ServerlessRestApi"}
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		api.Routes = append(api.Routes, Route{Method: method, Path: path, Function: "HelloFunction", Invoker: inv})
	}
	if routes != nil {
		cfg.APIs = []API{api}
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

func serve(h http.Handler, method, target string, body []byte, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var allRoutes = []string{
	"GET /hello",
	"POST /hello",
	"GET /items/{id}",
	"GET /items/special",
	"GET /files/{path+}",
	"ANY /any",
	"GET /{proxy+}",
}

func TestEvent(t *testing.T) {
	tests := []struct {
		name   string
		method string
		target string
		header http.Header
		body   []byte
		check  func(t *testing.T, ev events.APIGatewayProxyRequest)
	}{
		{name: "plain GET", method: "GET", target: "/hello", check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
			eq(t, "resource", ev.Resource, "/hello")
			eq(t, "path", ev.Path, "/hello")
			eq(t, "httpMethod", ev.HTTPMethod, "GET")
			eq(t, "queryStringParameters", ev.QueryStringParameters, map[string]string(nil))
			eq(t, "multiValueQueryStringParameters", ev.MultiValueQueryStringParameters, map[string][]string(nil))
			eq(t, "pathParameters", ev.PathParameters, map[string]string(nil))
			eq(t, "stageVariables", ev.StageVariables, map[string]string(nil))
			eq(t, "body", ev.Body, "")
			eq(t, "isBase64Encoded", ev.IsBase64Encoded, false)
		}},
		{name: "request context", method: "GET", target: "/hello", header: http.Header{"User-Agent": {"curl/8.5.0"}},
			check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
				rc := ev.RequestContext
				eq(t, "accountId", rc.AccountID, account.ID) // the default
				eq(t, "apiId", rc.APIID, "1234567890")
				eq(t, "stage", rc.Stage, "Prod")
				eq(t, "resourcePath", rc.ResourcePath, "/hello")
				eq(t, "path", rc.Path, "/Prod/hello")
				eq(t, "httpMethod", rc.HTTPMethod, "GET")
				eq(t, "protocol", rc.Protocol, "HTTP/1.1")
				eq(t, "domainName", rc.DomainName, "example.com")
				eq(t, "identity.sourceIp", rc.Identity.SourceIP, "192.0.2.1")
				eq(t, "identity.userAgent", rc.Identity.UserAgent, "curl/8.5.0")
				if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(rc.RequestID) {
					t.Errorf("requestId = %q, want a v4 uuid", rc.RequestID)
				}
				if len(rc.ExtendedRequestID) != 16 || len(rc.ResourceID) != 6 {
					t.Errorf("extendedRequestId = %q, resourceId = %q: want 16 and 6 characters", rc.ExtendedRequestID, rc.ResourceID)
				}
				if rc.RequestTimeEpoch == 0 || !regexp.MustCompile(`^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$`).MatchString(rc.RequestTime) {
					t.Errorf("requestTime = %q, requestTimeEpoch = %d", rc.RequestTime, rc.RequestTimeEpoch)
				}
			}},
		{name: "path parameter", method: "GET", target: "/items/42", check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
			eq(t, "resource", ev.Resource, "/items/{id}")
			eq(t, "path", ev.Path, "/items/42")
			eq(t, "pathParameters", ev.PathParameters, map[string]string{"id": "42"})
			eq(t, "requestContext.resourcePath", ev.RequestContext.ResourcePath, "/items/{id}")
		}},
		{name: "fixed part wins over a parameter", method: "GET", target: "/items/special", check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
			eq(t, "resource", ev.Resource, "/items/special")
			eq(t, "pathParameters", ev.PathParameters, map[string]string(nil))
		}},
		{name: "greedy parameter", method: "GET", target: "/files/a/b/c.txt", check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
			eq(t, "resource", ev.Resource, "/files/{path+}")
			eq(t, "pathParameters", ev.PathParameters, map[string]string{"path": "a/b/c.txt"})
		}},
		{name: "root proxy catches the rest", method: "GET", target: "/items/42/reviews", check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
			eq(t, "resource", ev.Resource, "/{proxy+}")
			eq(t, "pathParameters", ev.PathParameters, map[string]string{"proxy": "items/42/reviews"})
		}},
		{name: "query string", method: "GET", target: "/hello?a=1&a=2&b=x%20y", check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
			eq(t, "queryStringParameters", ev.QueryStringParameters, map[string]string{"a": "2", "b": "x y"})
			eq(t, "multiValueQueryStringParameters", ev.MultiValueQueryStringParameters, map[string][]string{"a": {"1", "2"}, "b": {"x y"}})
		}},
		{name: "headers", method: "GET", target: "/hello", header: http.Header{"X-Multi": {"1", "2"}, "Accept": {"text/plain"}},
			check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
				eq(t, "headers[X-Multi]", ev.Headers["X-Multi"], "2")
				eq(t, "multiValueHeaders[X-Multi]", ev.MultiValueHeaders["X-Multi"], []string{"1", "2"})
				eq(t, "headers[Accept]", ev.Headers["Accept"], "text/plain")
				eq(t, "headers[Host]", ev.Headers["Host"], "example.com")
				eq(t, "headers[X-Forwarded-For]", ev.Headers["X-Forwarded-For"], "192.0.2.1")
				eq(t, "headers[X-Forwarded-Proto]", ev.Headers["X-Forwarded-Proto"], "http")
				if !strings.HasPrefix(ev.Headers["X-Amzn-Trace-Id"], "Root=1-") {
					t.Errorf("headers[X-Amzn-Trace-Id] = %q, want Root=1-...", ev.Headers["X-Amzn-Trace-Id"])
				}
			}},
		{name: "text body", method: "POST", target: "/hello", body: []byte(`{"name":"Zoë"}`), check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
			eq(t, "httpMethod", ev.HTTPMethod, "POST")
			eq(t, "body", ev.Body, `{"name":"Zoë"}`)
			eq(t, "isBase64Encoded", ev.IsBase64Encoded, false)
		}},
		{name: "binary body without binary media types travels as text", method: "POST", target: "/hello", body: []byte{0xff, 0x00, 0xfe}, check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
			eq(t, "body", ev.Body, "\ufffd\x00\ufffd")
			eq(t, "isBase64Encoded", ev.IsBase64Encoded, false)
		}},
		{name: "stage prefix", method: "GET", target: "/Prod/items/7", check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
			eq(t, "resource", ev.Resource, "/items/{id}")
			eq(t, "path", ev.Path, "/items/7")
			eq(t, "requestContext.path", ev.RequestContext.Path, "/Prod/items/7")
			eq(t, "pathParameters", ev.PathParameters, map[string]string{"id": "7"})
		}},
		{name: "ANY method", method: "DELETE", target: "/any", check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
			eq(t, "resource", ev.Resource, "/any")
			eq(t, "httpMethod", ev.HTTPMethod, "DELETE")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{response: []byte(okResponse)}
			rec := serve(newAPI(t, inv, nil, allRoutes...), tt.method, tt.target, tt.body, tt.header)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
			}
			tt.check(t, inv.event(t))
		})
	}
}

// API Gateway sends null, not {} or a missing field, for absent maps.
func TestEventNulls(t *testing.T) {
	inv := &fakeInvoker{response: []byte(okResponse)}
	serve(newAPI(t, inv, nil, "GET /hello"), "GET", "/hello", nil, nil)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(inv.payloads[0], &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables"} {
		if string(raw[k]) != "null" {
			t.Errorf("%s = %s, want null", k, raw[k])
		}
	}
}

func TestMissingAuthenticationToken(t *testing.T) {
	tests := []struct {
		name, method, target, log string
		noRoutes                  bool // a template without Api events
	}{
		{"unknown path", "GET", "/nope", "no resource matches /nope", false},
		{"no routes at all", "GET", "/hello", "no resource matches /hello", true},
		{"wrong method", "DELETE", "/hello", "resource /hello has no DELETE method; it has GET, POST", false},
		{"HEAD is not GET", "HEAD", "/hello", "has no HEAD method", false},
		{"resource without methods", "GET", "/items", "resource /items has no GET method; it has none", false},
		{"root", "GET", "/", "resource / has no GET method", false},
		{"greedy needs a part", "GET", "/files/", "no resource matches /files/", false},
		{"case matters", "GET", "/Hello", "no resource matches /Hello", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{response: []byte(okResponse)}
			var logs bytes.Buffer
			routes := []string{"GET /hello", "POST /hello", "GET /items/{id}", "GET /files/{p+}"}
			if tt.noRoutes {
				routes = nil
			}
			h := newAPI(t, inv, &logs, routes...)
			rec := serve(h, tt.method, tt.target, nil, nil)
			if rec.Code != http.StatusForbidden {
				t.Errorf("status = %d, want 403", rec.Code)
			}
			if tt.method != "HEAD" && rec.Body.String() != `{"message":"Missing Authentication Token"}` {
				t.Errorf("body = %s", rec.Body)
			}
			eq(t, "x-amzn-ErrorType", rec.Header().Get("x-amzn-ErrorType"), "MissingAuthenticationTokenException")
			eq(t, "Content-Type", rec.Header().Get("Content-Type"), "application/json")
			if inv.calls() != 0 {
				t.Errorf("the function was invoked %d times", inv.calls())
			}
			if !strings.Contains(logs.String(), "403 Missing Authentication Token") || !strings.Contains(logs.String(), tt.log) {
				t.Errorf("log = %q, want it to mention %q", logs.String(), tt.log)
			}
		})
	}
}

func TestBadGateway(t *testing.T) {
	const malformed = "Execution failed due to configuration error: Malformed Lambda proxy response: "
	tests := []struct {
		name          string
		response      string
		functionError string
		err           error
		log           string
	}{
		{name: "not JSON", response: `hello`, log: malformed + "the function's output is not valid JSON"},
		{name: "a string", response: `"hello"`, log: malformed + "the function returned a string"},
		{name: "null", response: `null`, log: malformed + "the function returned null"},
		{name: "no statusCode", response: `{"body":"hi"}`, log: malformed + "statusCode is missing"},
		{name: "statusCode as string", response: `{"statusCode":"200"}`, log: malformed + "statusCode must be an integer, got a string"},
		{name: "statusCode zero", response: `{"statusCode":0,"body":""}`, log: malformed + "statusCode 0 is not an HTTP status code"},
		{name: "statusCode too big", response: `{"statusCode":600}`, log: malformed + "statusCode 600 is not"},
		{name: "body object", response: `{"statusCode":200,"body":{"a":1}}`, log: malformed + "body must be a string, got an object"},
		{name: "header number", response: `{"statusCode":200,"headers":{"X-N":1}}`, log: malformed + "headers must map names to strings"},
		{name: "multiValueHeaders not lists", response: `{"statusCode":200,"multiValueHeaders":{"X":"a"}}`, log: malformed + "multiValueHeaders must map names to lists of strings"},
		{name: "unknown field", response: `{"statusCode":200,"cookies":["a=b"]}`, log: malformed + `unexpected field "cookies"`},
		{name: "isBase64Encoded not bool", response: `{"statusCode":200,"isBase64Encoded":"yes"}`, log: malformed + "isBase64Encoded must be true or false"},
		{name: "function error", response: `{"errorMessage":"boom","errorType":"errorString"}`, functionError: "Unhandled",
			log: "Lambda execution failed with status 200 due to customer function error: errorString: boom"},
		{name: "function error, not JSON", response: `Task timed out`, functionError: "Unhandled",
			log: "customer function error: Task timed out"},
		{name: "invoke failure", err: errors.New("bootstrap exited"), log: "could not invoke the function: bootstrap exited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{response: []byte(tt.response), functionError: tt.functionError, err: tt.err}
			var logs bytes.Buffer
			rec := serve(newAPI(t, inv, &logs, "GET /hello"), "GET", "/hello", nil, nil)
			if rec.Code != http.StatusBadGateway {
				t.Errorf("status = %d, want 502", rec.Code)
			}
			eq(t, "body", rec.Body.String(), `{"message": "Internal server error"}`)
			eq(t, "Content-Type", rec.Header().Get("Content-Type"), "application/json")
			eq(t, "x-amzn-ErrorType", rec.Header().Get("x-amzn-ErrorType"), "InternalServerErrorException")
			if !strings.HasPrefix(logs.String(), "GET /hello -> HelloFunction 502 (") || !strings.Contains(logs.String(), tt.log) {
				t.Errorf("log = %q, want it to contain %q", logs.String(), tt.log)
			}
		})
	}
}

func TestResponse(t *testing.T) {
	goResponse, err := json.Marshal(events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"ok":true}`})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		response string
		status   int
		header   http.Header
		body     string
	}{
		{name: "Go struct, no headers", response: string(goResponse), status: 200,
			header: http.Header{"Content-Type": {"application/json"}}, body: `{"ok":true}`},
		{name: "status and content type", response: `{"statusCode":201,"headers":{"Content-Type":"text/plain"},"body":"made"}`, status: 201,
			header: http.Header{"Content-Type": {"text/plain"}}, body: "made"},
		{name: "error status is passed through", response: `{"statusCode":404,"body":"{\"message\":\"not found\"}"}`, status: 404,
			body: `{"message":"not found"}`},
		{name: "headers and multiValueHeaders merged", status: 200,
			response: `{"statusCode":200,"headers":{"X-A":"1","Set-Cookie":"a=1"},"multiValueHeaders":{"Set-Cookie":["a=1","b=2"],"X-B":["x","y"]}}`,
			header:   http.Header{"X-A": {"1"}, "Set-Cookie": {"a=1", "b=2"}, "X-B": {"x", "y"}}},
		{name: "base64 body without binary media types stays text", response: `{"statusCode":200,"isBase64Encoded":true,"headers":{"Content-Type":"image/png"},"body":"iVBORw=="}`, status: 200,
			header: http.Header{"Content-Type": {"image/png"}}, body: "iVBORw=="},
		{name: "null fields", response: `{"statusCode":204,"headers":null,"multiValueHeaders":null,"body":null,"isBase64Encoded":null}`, status: 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{response: []byte(tt.response)}
			var logs bytes.Buffer
			rec := serve(newAPI(t, inv, &logs, "GET /hello"), "GET", "/hello", nil, nil)
			eq(t, "status", rec.Code, tt.status)
			eq(t, "body", rec.Body.String(), tt.body)
			for k, want := range tt.header {
				eq(t, "header "+k, rec.Header().Values(k), want)
			}
			// Headers API Gateway adds to every answer.
			ev := inv.event(t)
			eq(t, "x-amzn-RequestId", rec.Header().Get("x-amzn-RequestId"), ev.RequestContext.RequestID)
			eq(t, "x-amz-apigw-id", rec.Header().Get("x-amz-apigw-id"), ev.RequestContext.ExtendedRequestID)
			eq(t, "X-Amzn-Trace-Id", rec.Header().Get("X-Amzn-Trace-Id"), ev.Headers["X-Amzn-Trace-Id"])
			if !regexp.MustCompile(`\nGET /hello -> HelloFunction \d{3} \(\d+\.\d ms\)\n$`).MatchString("\n" + logs.String()) {
				t.Errorf("log = %q", logs.String())
			}
		})
	}
}

func TestRequestTooLong(t *testing.T) {
	inv := &fakeInvoker{response: []byte(okResponse)}
	var logs bytes.Buffer
	h := newAPI(t, inv, &logs, "POST /hello")
	rec := serve(h, "POST", "/hello", make([]byte, MaxBodyBytes+1), nil)
	eq(t, "status", rec.Code, http.StatusRequestEntityTooLarge)
	eq(t, "body", rec.Body.String(), `{"message":"Request Too Long"}`)
	if inv.calls() != 0 {
		t.Errorf("the function was invoked")
	}
	if !strings.Contains(logs.String(), "413") {
		t.Errorf("log = %q", logs.String())
	}

	rec = serve(h, "POST", "/hello", bytes.Repeat([]byte("a"), MaxBodyBytes), nil)
	eq(t, "status at the limit", rec.Code, http.StatusOK)
}

// errReader fails as a body that ends early or is badly chunked does.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// A body that cannot be read never reaches the function: API Gateway answers
// 400, not an empty 200.
func TestRequestBodyUnreadable(t *testing.T) {
	tests := []struct {
		name string
		http bool
		body string
		typ  string
	}{
		{"REST API", false, `{"message":"Bad Request"}`, "BadRequestException"},
		{"HTTP API", true, `{"message":"Bad Request"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{response: []byte(okResponse)}
			var logs bytes.Buffer
			h, err := New(Config{Logs: &logs, APIs: []API{{ID: "Api", HTTP: tt.http, Routes: []Route{{Method: "POST", Path: "/hello", Function: "HelloFunction", Invoker: inv}}}}})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("POST", "/hello", errReader{})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			eq(t, "status", rec.Code, http.StatusBadRequest)
			eq(t, "body", rec.Body.String(), tt.body)
			eq(t, "x-amzn-ErrorType", rec.Header().Get("X-Amzn-Errortype"), tt.typ)
			if inv.calls() != 0 {
				t.Errorf("the function was invoked")
			}
			if !strings.Contains(logs.String(), "400") || !strings.Contains(logs.String(), "reading the request body: unexpected EOF") {
				t.Errorf("log = %q", logs.String())
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	inv := &fakeInvoker{}
	tests := []struct {
		name   string
		routes []Route
		want   string
	}{
		{"duplicate", []Route{{Method: "GET", Path: "/a", Function: "F1", Invoker: inv}, {Method: "get", Path: "/a", Function: "F2", Invoker: inv}}, "two routes for GET /a (F1 and F2)"},
		{"sibling parameters", []Route{{Method: "GET", Path: "/items/{id}", Function: "F", Invoker: inv}, {Method: "GET", Path: "/items/{name}/x", Function: "F", Invoker: inv}}, "only one variable path part per level"},
		{"greedy not last", []Route{{Method: "GET", Path: "/{proxy+}/x", Function: "F", Invoker: inv}}, "must be the last one"},
		{"bad method", []Route{{Method: "FETCH", Path: "/a", Function: "F", Invoker: inv}}, "method must be one of"},
		{"no invoker", []Route{{Method: "GET", Path: "/a", Function: "F", Invoker: nil}}, "no function to invoke"},
		{"relative path", []Route{{Method: "GET", Path: "a", Function: "F", Invoker: inv}}, "must start with /"},
		{"double slash", []Route{{Method: "GET", Path: "/a//b", Function: "F", Invoker: inv}}, "empty path part"},
		{"half brace", []Route{{Method: "GET", Path: "/{id", Function: "F", Invoker: inv}}, "written {name}"},
		{"bad name", []Route{{Method: "GET", Path: "/{a b}", Function: "F", Invoker: inv}}, "parameter name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Config{APIs: []API{{Routes: tt.routes}}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want it to contain %q", err, tt.want)
			}
		})
	}

	// GET and ANY on one resource are allowed; GET wins for GET.
	if _, err := New(Config{APIs: []API{{Routes: []Route{{Method: "GET", Path: "/a", Function: "F1", Invoker: inv}, {Method: "ANY", Path: "/a", Function: "F2", Invoker: inv}, {Method: "GET", Path: "/", Function: "F3", Invoker: inv}}}}}); err != nil {
		t.Errorf("New: %v", err)
	}
}

// A specific method beats ANY on the same resource.
func TestMethodBeatsAny(t *testing.T) {
	get := &fakeInvoker{response: []byte(okResponse)}
	anyInv := &fakeInvoker{response: []byte(okResponse)}
	h, err := New(Config{APIs: []API{{Routes: []Route{{Method: "GET", Path: "/a", Function: "Get", Invoker: get}, {Method: "ANY", Path: "/a", Function: "Any", Invoker: anyInv}}}}})
	if err != nil {
		t.Fatal(err)
	}
	serve(h, "GET", "/a", nil, nil)
	serve(h, "PUT", "/a", nil, nil)
	eq(t, "GET calls", get.calls(), 1)
	eq(t, "ANY calls", anyInv.calls(), 1)
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// Over a real connection: the client's address, the port and the wire headers.
func TestOverHTTP(t *testing.T) {
	inv := &fakeInvoker{response: []byte(okResponse)}
	srv := httptest.NewServer(newAPI(t, inv, nil, "GET /hello"))
	defer srv.Close()
	_, port, _ := strings.Cut(strings.TrimPrefix(srv.URL, "http://"), ":")

	resp, err := http.Get(srv.URL + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	eq(t, "status", resp.StatusCode, 200)
	ev := inv.event(t)
	eq(t, "identity.sourceIp", ev.RequestContext.Identity.SourceIP, "127.0.0.1")
	eq(t, "domainName", ev.RequestContext.DomainName, "127.0.0.1")
	eq(t, "headers[X-Forwarded-Port]", ev.Headers["X-Forwarded-Port"], port)
	eq(t, "headers[Host]", ev.Headers["Host"], "127.0.0.1:"+port)

	resp, err = http.Post(srv.URL+"/nope", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	eq(t, "status", resp.StatusCode, 403)
	eq(t, "x-amzn-ErrorType", resp.Header.Get("x-amzn-ErrorType"), "MissingAuthenticationTokenException")
	if resp.Header.Get("x-amzn-RequestId") == "" || resp.Header.Get("x-amz-apigw-id") == "" {
		t.Errorf("headers = %v, want x-amzn-RequestId and x-amz-apigw-id", resp.Header)
	}
}

// TestFailureSaysWhy: a caller that asks (WithFailure) learns why the gateway
// answered an error of its own: the malformed field, or the function's error.
func TestFailureSaysWhy(t *testing.T) {
	tests := []struct {
		name, out, fnErr string
		reason, errType  string
		panicked         bool
	}{
		{name: "body not a string", out: `{"statusCode":200,"body":{"a":1}}`, reason: "Malformed Lambda proxy response: body must be a string"},
		{name: "statusCode missing", out: `{"body":"x"}`, reason: "Malformed Lambda proxy response: statusCode is missing"},
		{name: "timed out", out: `{"errorMessage":"RequestId: x Error: Task timed out after 3.00 seconds","errorType":"Sandbox.Timedout"}`, fnErr: "Unhandled",
			reason: "customer function error", errType: "Sandbox.Timedout"},
		{name: "panic", out: `{"errorMessage":"boom","errorType":"string","stackTrace":[{"path":"main.go","line":3}]}`, fnErr: "Unhandled",
			reason: "customer function error", errType: "string", panicked: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(Config{APIs: []API{{ID: "ServerlessRestApi", Routes: []Route{{Method: "GET", Path: "/hello", Function: "Fn",
				Invoker: invokerFunc(func(context.Context, []byte) ([]byte, string, error) { return []byte(tt.out), tt.fnErr, nil })}}}}})
			if err != nil {
				t.Fatal(err)
			}
			var f Failure
			req := httptest.NewRequestWithContext(WithFailure(context.Background(), &f), "GET", "/hello", nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 502 || f.Status != 502 || f.Function != "Fn" || !strings.Contains(f.Reason, tt.reason) || f.ErrorType != tt.errType || f.Panicked != tt.panicked {
				t.Errorf("answered %d, recorded %+v; want 502 with reason %q, error type %q, panicked %v", rec.Code, f, tt.reason, tt.errType, tt.panicked)
			}
		})
	}
}

type invokerFunc func(context.Context, []byte) ([]byte, string, error)

func (f invokerFunc) Invoke(ctx context.Context, payload []byte) ([]byte, string, error) {
	return f(ctx, payload)
}
