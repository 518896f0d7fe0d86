package apigw

import (
	"net/http"
	"strings"
	"testing"
)

// With Cors, SAM adds an OPTIONS method with a mock integration to each path
// of a REST API (the headers below are what the SAM translator writes in the
// method's responseParameters): the browser's preflight is answered 200
// without invoking the function. Without Cors, or on a path the API does not
// have, API Gateway answers 403 as for any undeclared route.
func TestCORSPreflight(t *testing.T) {
	preflight := http.Header{"Origin": {"https://example.com"}, "Access-Control-Request-Method": {"GET"}}
	tests := []struct {
		name    string
		cors    *CORS
		routes  []string // METHOD PATH
		target  string
		status  int
		headers map[string]string // "" means absent
		invoked int
	}{
		{"Cors: \"'*'\" on a GET path", &CORS{AllowOrigin: "*"}, []string{"GET /hello"}, "/hello", 200,
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET,OPTIONS", "Access-Control-Allow-Headers": "", "Access-Control-Max-Age": "", "Access-Control-Allow-Credentials": "", "Content-Type": "application/json"}, 0},
		{"SAM lists the path's methods", &CORS{AllowOrigin: "*"}, []string{"GET /hello", "POST /hello", "PUT /other"}, "/hello", 200,
			map[string]string{"Access-Control-Allow-Methods": "GET,OPTIONS,POST"}, 0},
		{"ANY allows every method", &CORS{AllowOrigin: "*"}, []string{"ANY /items/{id}"}, "/items/42", 200,
			map[string]string{"Access-Control-Allow-Methods": "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"}, 0},
		{"the object form", &CORS{AllowOrigin: "https://example.com", AllowMethods: "GET,OPTIONS", AllowHeaders: "Content-Type", MaxAge: "600", AllowCredentials: true},
			[]string{"GET /hello"}, "/hello", 200,
			map[string]string{"Access-Control-Allow-Origin": "https://example.com", "Access-Control-Allow-Methods": "GET,OPTIONS", "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600", "Access-Control-Allow-Credentials": "true"}, 0},
		{"under the stage", &CORS{AllowOrigin: "*"}, []string{"GET /hello"}, "/Prod/hello", 200,
			map[string]string{"Access-Control-Allow-Origin": "*"}, 0},
		{"an OPTIONS event of its own wins", &CORS{AllowOrigin: "*"}, []string{"GET /hello", "OPTIONS /hello"}, "/hello", 200,
			map[string]string{"Access-Control-Allow-Origin": ""}, 1},
		{"no Cors: 403", nil, []string{"GET /hello"}, "/hello", 403,
			map[string]string{"Access-Control-Allow-Origin": "", "X-Amzn-Errortype": "MissingAuthenticationTokenException"}, 0},
		{"a path the API does not have: 403", &CORS{AllowOrigin: "*"}, []string{"GET /hello"}, "/nope", 403,
			map[string]string{"Access-Control-Allow-Origin": ""}, 0},
		{"an intermediate resource has no OPTIONS", &CORS{AllowOrigin: "*"}, []string{"GET /items/{id}"}, "/items", 403,
			map[string]string{"Access-Control-Allow-Origin": ""}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{response: []byte(okResponse)}
			api := API{ID: "ServerlessRestApi", CORS: tt.cors}
			for _, r := range tt.routes {
				method, path, _ := strings.Cut(r, " ")
				api.Routes = append(api.Routes, Route{Method: method, Path: path, Function: "Fn", Invoker: inv})
			}
			h, err := New(Config{APIs: []API{api}})
			if err != nil {
				t.Fatal(err)
			}
			rec := serve(h, "OPTIONS", tt.target, nil, preflight)
			eq(t, "status", rec.Code, tt.status)
			for name, want := range tt.headers {
				eq(t, name, rec.Header().Get(name), want)
			}
			eq(t, "function invocations", inv.calls(), tt.invoked)
			if tt.status == 200 && tt.invoked == 0 {
				eq(t, "body", rec.Body.String(), "{}")
			}
		})
	}
	// The function's own answers get no CORS header from API Gateway.
	inv := &fakeInvoker{response: []byte(okResponse)}
	h, err := New(Config{APIs: []API{{CORS: &CORS{AllowOrigin: "*"}, Routes: []Route{{Method: "GET", Path: "/hello", Function: "Fn", Invoker: inv}}}}})
	if err != nil {
		t.Fatal(err)
	}
	rec := serve(h, "GET", "/hello", nil, preflight)
	eq(t, "GET status", rec.Code, 200)
	eq(t, "GET Access-Control-Allow-Origin", rec.Header().Get("Access-Control-Allow-Origin"), "")
}
