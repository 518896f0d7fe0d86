package apigw

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// The reference payloads at the repository root (testdata/README.md names
// their sources).
var refDir = filepath.Join("..", "..", "testdata", "apigateway")

// serveWire serves h through Listen, as workshop run does, and returns a
// function sending raw HTTP/1.1 requests over one connection.
func serveWire(t *testing.T, h http.Handler) func(raw string) *http.Response {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(Listen(ln))
	t.Cleanup(func() { srv.Close() })
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	return func(raw string) *http.Response {
		t.Helper()
		if _, err := io.WriteString(c, raw); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading the answer to %q: %v", strings.SplitN(raw, "\r\n", 2)[0], err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		return resp
	}
}

func readBody(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func loadJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(refDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// compareShape reports every difference between the reference and the local
// event: keys present in one only, JSON types, and values, except at the
// volatile paths (ids, times, addresses), whose type alone is compared.
func compareShape(t *testing.T, path string, want, got any, volatile []string) {
	t.Helper()
	kind := func(v any) string {
		if v == nil {
			return "null"
		}
		return reflect.TypeOf(v).Kind().String()
	}
	if kind(want) != kind(got) {
		t.Errorf("%s: reference has %s %v, local event has %s %v", path, kind(want), want, kind(got), got)
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		var keys []string
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				t.Errorf("%s: the local event has %q, the reference does not", path, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				t.Errorf("%s: the local event lacks %q", path, k)
				continue
			}
			compareShape(t, strings.TrimPrefix(path+"."+k, "."), w[k], gv, volatile)
		}
	case []any:
		g := got.([]any)
		if len(w) != len(g) {
			t.Errorf("%s: reference has %d values %v, local event %d %v", path, len(w), w, len(g), g)
			return
		}
		for i := range w {
			compareShape(t, path, w[i], g[i], volatile)
		}
	default:
		for _, v := range volatile {
			if path == v {
				return
			}
		}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s = %v, reference %v", path, got, want)
		}
	}
}

// sentEvent sends the raw request to api (id abcdef1234, one route POST
// /items/{id}) over the wire and returns the event the function received.
func sentEvent(t *testing.T, api API, raw string) map[string]any {
	t.Helper()
	inv := &fakeInvoker{response: []byte(okResponse)}
	api.APIID = "abcdef1234"
	api.Routes = []Route{{Method: "POST", Path: "/items/{id}", Function: "F", Invoker: inv}}
	h, err := New(Config{APIs: []API{api}})
	if err != nil {
		t.Fatal(err)
	}
	if resp := serveWire(t, h)(raw); resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, readBody(resp))
	}
	return lastEvent[map[string]any](t, inv)
}

func TestGoldenRESTEvent(t *testing.T) {
	var ref map[string]any
	loadJSON(t, "rest-event.json", &ref)
	body := `{"name":"Zoë"}`
	got := sentEvent(t, API{ID: "ServerlessRestApi"},
		"POST /Prod/items/a%20b?repeat=one&repeat=two&plus=a+b&encoded=a%2Bb&empty= HTTP/1.1\r\n"+
			"Host: abcdef1234.execute-api.us-east-1.amazonaws.com\r\nuser-agent: curl/8.5.0\r\naccept: */*\r\n"+
			"content-type: application/json\r\nx-api-key: abc\r\nx-multi: first\r\nx-multi: second\r\n"+
			fmt.Sprintf("content-length: %d\r\n\r\n", len(body))+body)
	var volatile []string
	for _, h := range []string{"X-Amzn-Trace-Id", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto"} {
		volatile = append(volatile, "headers."+h, "multiValueHeaders."+h)
	}
	for _, k := range []string{"extendedRequestId", "requestId", "requestTime", "requestTimeEpoch", "resourceId", "identity.sourceIp"} {
		volatile = append(volatile, "requestContext."+k)
	}
	compareShape(t, "", ref, got, volatile)
}

func TestGoldenHTTPAPIEvent(t *testing.T) {
	var ref map[string]any
	loadJSON(t, "http-api-event.json", &ref)
	body := `{"name":"Zoë"}`
	got := sentEvent(t, API{ID: "ServerlessHttpApi", HTTP: true},
		"POST /items/a%20b?repeat=one&repeat=two&plus=a+b&encoded=a%2Bb&empty= HTTP/1.1\r\n"+
			"Host: abcdef1234.execute-api.us-east-1.amazonaws.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n"+
			"Content-Type: application/json\r\nX-Api-Key: abc\r\nx-multi: first\r\nX-Multi: second\r\n"+
			"Cookie: session=abc123; theme=dark\r\n"+
			fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))+body)
	var volatile []string
	for _, h := range []string{"x-amzn-trace-id", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"} {
		volatile = append(volatile, "headers."+h)
	}
	for _, k := range []string{"requestId", "time", "timeEpoch", "http.sourceIp"} {
		volatile = append(volatile, "requestContext."+k)
	}
	compareShape(t, "", ref, got, volatile)
}

// The proxy responses API Gateway accepts and refuses, as each kind of API
// answers them.
func TestGoldenProxyResponses(t *testing.T) {
	var cases []struct {
		API              string
		Name             string
		Output           string
		BinaryMediaTypes []string
		Accept           string
		Status           int
		Body             string
		Headers          map[string]string
	}
	loadJSON(t, "proxy-responses.json", &cases)
	if len(cases) < 10 {
		t.Fatalf("only %d reference responses", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.API+"/"+tc.Name, func(t *testing.T) {
			inv := &fakeInvoker{response: []byte(tc.Output)}
			h, err := New(Config{APIs: []API{{ID: "Api", HTTP: tc.API == "http", BinaryMediaTypes: tc.BinaryMediaTypes,
				Routes: []Route{{Method: "GET", Path: "/hello", Function: "F", Invoker: inv}}}}})
			if err != nil {
				t.Fatal(err)
			}
			hdr := http.Header{}
			if tc.Accept != "" {
				hdr.Set("Accept", tc.Accept)
			}
			rec := serve(h, "GET", "/hello", nil, hdr)
			eq(t, "status", rec.Code, tc.Status)
			eq(t, "body", rec.Body.String(), tc.Body)
			for k, v := range tc.Headers {
				eq(t, "header "+k, rec.Header().Get(k), v)
			}
		})
	}
}
