// Package apigw is a local API Gateway REST API with Lambda proxy
// integration: it routes HTTP requests to functions, builds the proxy event,
// and turns the function's proxy response (or failure) into the HTTP answer
// API Gateway would give.
package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Invoker runs a function synchronously, as API Gateway invokes Lambda.
type Invoker interface {
	// Invoke runs the function with the event payload. functionError is "" on
	// success, else Lambda's X-Amz-Function-Error ("Unhandled"); response is
	// then Lambda's error JSON. err is a failure to invoke at all.
	Invoke(ctx context.Context, payload []byte) (response []byte, functionError string, err error)
}

// Route is one method on one resource, like an Api event of a SAM function.
type Route struct {
	Method   string // GET, POST, ..., or ANY
	Path     string // /hello, /items/{id}, /{proxy+}
	Function string // logical id, for logs
	Invoker  Invoker
}

// Config describes the API.
type Config struct {
	Stage     string    // default "Prod", as SAM's implicit API
	Routes    []Route   // at least one
	Logs      io.Writer // one access-log line per request; nil discards
	AccountID string    // default 123456789012
	APIID     string    // default 1234567890, as sam local
	Region    string    // default us-east-1; REST API proxy events do not carry it
}

// MaxBodyBytes is API Gateway's payload limit (10 MB).
const MaxBodyBytes = 10 << 20

// Error bodies exactly as API Gateway sends them (note the spaces differ).
const (
	bodyMissingToken = `{"message":"Missing Authentication Token"}`
	bodyInternal     = `{"message": "Internal server error"}`
	bodyTooLong      = `{"message":"Request Too Long"}`
)

type gateway struct {
	cfg  Config
	root *node

	mu sync.Mutex // serialises log lines
}

// New checks the routes and returns the API as an http.Handler. It serves
// routes at the root (/hello, as sam local start-api does) and also under
// the stage (/Prod/hello, as the deployed URL).
func New(cfg Config) (http.Handler, error) {
	if cfg.Stage == "" {
		cfg.Stage = "Prod"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "123456789012"
	}
	if cfg.APIID == "" {
		cfg.APIID = "1234567890"
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Logs == nil {
		cfg.Logs = io.Discard
	}
	// No routes is a template without Api events: every request gets the
	// 403 API Gateway gives for an undeclared route.
	g := &gateway{cfg: cfg, root: newNode("/")}
	for _, rt := range cfg.Routes {
		if err := g.root.add(rt); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// lookup finds the resource for a path. A path under the stage (/Prod/hello,
// as in the deployed URL) is tried without it first; otherwise the path is
// taken as is (/hello, as sam local start-api serves it).
func (g *gateway) lookup(method, path string) (n *node, params map[string]string, apiPath string) {
	if rest, ok := strings.CutPrefix(path, "/"+g.cfg.Stage); ok && (rest == "" || rest[0] == '/') {
		if rest == "" {
			rest = "/"
		}
		params = map[string]string{}
		if n = g.root.match(splitPath(rest), params); n != nil {
			if _, ok := n.route(method); ok {
				return n, params, rest
			}
		}
	}
	params = map[string]string{}
	return g.root.match(splitPath(path), params), params, path
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := newIDs(start)
	h := w.Header()
	h.Set("X-Amzn-Requestid", id.requestID)
	h.Set("X-Amz-Apigw-Id", id.extendedID)
	h.Set("X-Amzn-Trace-Id", id.traceID)

	n, params, path := g.lookup(r.Method, r.URL.Path)
	if n == nil {
		g.logf("%s %s -> 403 Missing Authentication Token (no resource matches %s)", r.Method, r.URL.Path, r.URL.Path)
		writeError(w, http.StatusForbidden, "MissingAuthenticationTokenException", bodyMissingToken)
		return
	}
	rt, ok := n.route(r.Method)
	if !ok {
		g.logf("%s %s -> 403 Missing Authentication Token (resource %s has no %s method; it has %s)",
			r.Method, r.URL.Path, n.resource, r.Method, methodList(n))
		writeError(w, http.StatusForbidden, "MissingAuthenticationTokenException", bodyMissingToken)
		return
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			g.logf("%s %s -> %s 413 Request Too Long (the body is over API Gateway's 10 MB limit)", r.Method, r.URL.Path, rt.Function)
			writeError(w, http.StatusRequestEntityTooLarge, "", bodyTooLong)
			return
		}
		g.logf("%s %s -> %s: reading the request body: %v", r.Method, r.URL.Path, rt.Function, err)
		return
	}

	event := g.event(r, n.resource, path, params, body, id)
	payload, err := json.Marshal(event)
	if err != nil {
		g.fail(w, r, rt, start, fmt.Sprintf("encoding the event: %v", err))
		return
	}

	out, functionError, err := rt.Invoker.Invoke(r.Context(), payload)
	if err != nil {
		g.fail(w, r, rt, start, fmt.Sprintf("could not invoke the function: %v", err))
		return
	}
	if functionError != "" {
		g.fail(w, r, rt, start, "Lambda execution failed with status 200 due to customer function error: "+errorSummary(out))
		return
	}
	res, err := parseProxyResponse(out)
	if err != nil {
		g.fail(w, r, rt, start, "Execution failed due to configuration error: Malformed Lambda proxy response: "+err.Error())
		return
	}

	for k, vs := range res.header {
		h[k] = vs
	}
	// REST APIs answer application/json when the function sets no type.
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(res.body) // the client went away: nothing to do
	g.logf("%s %s -> %s %d (%s)", r.Method, r.URL.Path, rt.Function, res.status, ms(time.Since(start)))
}

// fail answers 502 as API Gateway does for any integration failure, and logs why.
func (g *gateway) fail(w http.ResponseWriter, r *http.Request, rt Route, start time.Time, why string) {
	writeError(w, http.StatusBadGateway, "InternalServerErrorException", bodyInternal)
	g.logf("%s %s -> %s 502 (%s) %s", r.Method, r.URL.Path, rt.Function, ms(time.Since(start)), why)
}

func writeError(w http.ResponseWriter, status int, errorType, body string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if errorType != "" {
		h.Set("X-Amzn-Errortype", errorType)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func (g *gateway) logf(format string, args ...any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	fmt.Fprintf(g.cfg.Logs, format+"\n", args...)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

func methodList(n *node) string {
	if len(n.methods) == 0 {
		return "none"
	}
	var names []string
	for m := range n.methods {
		names = append(names, m)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// errorSummary reads Lambda's error JSON ({"errorMessage", "errorType"}).
func errorSummary(payload []byte) string {
	var e struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if json.Unmarshal(payload, &e) == nil && (e.ErrorMessage != "" || e.ErrorType != "") {
		if e.ErrorType == "" {
			return e.ErrorMessage
		}
		return e.ErrorType + ": " + e.ErrorMessage
	}
	s := strings.TrimSpace(string(payload))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
