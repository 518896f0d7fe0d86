// Package apigw is a local API Gateway with Lambda proxy integrations: REST
// APIs (payload format 1.0) and HTTP APIs (payload format 2.0 or 1.0). It
// routes HTTP requests to functions, builds the proxy event as API Gateway
// builds it, and turns the function's proxy response (or failure) into the
// HTTP answer API Gateway would give, with API Gateway's own errors and limits.
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

	"github.com/serverless-dva/sam-dynamodb-go/internal/account"
)

// Invoker runs a function synchronously, as API Gateway invokes Lambda.
type Invoker interface {
	// Invoke runs the function with the event payload. functionError is "" on
	// success, else Lambda's X-Amz-Function-Error ("Unhandled"); response is
	// then Lambda's error JSON. err is a failure to invoke at all.
	Invoke(ctx context.Context, payload []byte) (response []byte, functionError string, err error)
}

// Route is one method on one resource, like an Api or HttpApi event of a SAM function.
type Route struct {
	Method   string // GET, POST, ..., or ANY
	Path     string // /hello, /items/{id}, /{proxy+}; "$default" for an HTTP API's catch-all
	Function string // logical id, for logs
	Invoker  Invoker
	// PayloadFormat of an HTTP API route: "2.0" (default) or "1.0". REST
	// APIs always send 1.0.
	PayloadFormat string

	preflight http.Header // the CORS mock integration's headers; no function then
}

// API is one REST or HTTP API with its stage.
type API struct {
	ID    string // logical id, for logs: ServerlessRestApi, MyApi
	HTTP  bool   // an HTTP API; else a REST API
	Stage string // default "Prod" for a REST API (SAM's implicit API), "$default" for an HTTP API
	// BinaryMediaTypes of a REST API ("image/png", "image/*", "*/*"): only
	// these travel as binary. HTTP APIs have none.
	BinaryMediaTypes []string
	Routes           []Route
	APIID            string // the API's id in events; default 1234567890, as sam local
	CORS             *CORS  // a REST API's Cors (SAM); nil for none
}

// CORS is what SAM's Cors property configures on a REST API: SAM adds to
// each path without one an OPTIONS method whose mock integration answers the
// browser's preflight, 200 with these headers, without invoking a function.
// Values are the header values (SAM's quotes removed); "" leaves a header out.
type CORS struct {
	AllowOrigin  string
	AllowMethods string // "": SAM lists the path's methods and OPTIONS (every method for ANY)
	AllowHeaders string
	MaxAge       string
	// AllowCredentials adds Access-Control-Allow-Credentials: true.
	AllowCredentials bool
}

// allMethods is SAM's Allow-Methods for a path with an ANY method.
const allMethods = "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"

// addPreflights gives each resource with methods and no OPTIONS method the
// OPTIONS method SAM adds for Cors.
func (n *node) addPreflights(c *CORS) {
	if len(n.methods) > 0 && n.methods["OPTIONS"].Invoker == nil {
		h := http.Header{}
		set := func(name, v string) {
			if v != "" {
				h[name] = []string{v}
			}
		}
		methods := c.AllowMethods
		if methods == "" {
			list := []string{"OPTIONS"}
			for m := range n.methods {
				list = append(list, m)
			}
			slices.Sort(list)
			methods = strings.Join(list, ",")
			if n.methods["ANY"].Invoker != nil {
				methods = allMethods
			}
		}
		set("Access-Control-Allow-Headers", c.AllowHeaders)
		set("Access-Control-Allow-Origin", c.AllowOrigin)
		set("Access-Control-Max-Age", c.MaxAge)
		set("Access-Control-Allow-Methods", methods)
		if c.AllowCredentials {
			set("Access-Control-Allow-Credentials", "true")
		}
		n.methods["OPTIONS"] = Route{Method: "OPTIONS", Path: n.resource, Function: "CORS preflight (mock integration)", preflight: h}
	}
	for _, child := range n.literal {
		child.addPreflights(c)
	}
	if n.variable != nil {
		n.variable.addPreflights(c)
	}
}

// Config describes the APIs of one template.
type Config struct {
	APIs      []API
	Logs      io.Writer // one access-log line per request; nil discards
	AccountID string    // default account.ID
	Region    string    // default account.DefaultRegion
	// IntegrationTimeout overrides API Gateway's integration timeout (29 s
	// for REST APIs, 30 s for HTTP APIs); for tests.
	IntegrationTimeout time.Duration
}

// Limits API Gateway enforces.
const (
	MaxBodyBytes     = 10 << 20 // payload limit, both kinds of API
	RESTTimeout      = 29 * time.Second
	HTTPAPITimeout   = 30 * time.Second
	DefaultRESTStage = "Prod"
	DefaultHTTPStage = "$default"
	defaultAPIID     = "1234567890"
)

// apiError is one of API Gateway's own answers, body exactly as sent (the
// spaces differ between them on AWS too).
type apiError struct {
	status    int
	errorType string // x-amzn-ErrorType, REST APIs only
	body      string
}

// REST API errors.
var (
	restMissingToken = apiError{http.StatusForbidden, "MissingAuthenticationTokenException", `{"message":"Missing Authentication Token"}`}
	restInternal     = apiError{http.StatusBadGateway, "InternalServerErrorException", `{"message": "Internal server error"}`}
	restTooLong      = apiError{http.StatusRequestEntityTooLarge, "", `{"message":"Request Too Long"}`}
	restTimeout      = apiError{http.StatusGatewayTimeout, "", `{"message": "Endpoint request timed out"}`}
	restBadRequest   = apiError{http.StatusBadRequest, "BadRequestException", `{"message":"Bad Request"}`}
)

// HTTP API errors.
var (
	httpNotFound   = apiError{http.StatusNotFound, "", `{"message":"Not Found"}`}
	httpInternal   = apiError{http.StatusInternalServerError, "", `{"message":"Internal Server Error"}`}
	httpTooLong    = apiError{http.StatusRequestEntityTooLarge, "", `{"message":"Request Entity Too Large"}`}
	httpTimeout    = apiError{http.StatusServiceUnavailable, "", `{"message":"Service Unavailable"}`}
	httpBadRequest = apiError{http.StatusBadRequest, "", `{"message":"Bad Request"}`}
)

func (e apiError) message() string {
	var m struct{ Message string }
	_ = json.Unmarshal([]byte(e.body), &m)
	return m.Message
}

// byKind picks the REST or the HTTP API error by the template's first API.
func (g *gateway) byKind(rest, httpAPI apiError) apiError {
	if len(g.apis) > 0 && g.apis[0].HTTP {
		return httpAPI
	}
	return rest
}

type api struct {
	API
	root     *node
	fallback *Route // an HTTP API's $default route
}

type gateway struct {
	cfg  Config
	apis []*api

	mu sync.Mutex // serialises log lines
}

// New checks the APIs and returns them as one http.Handler. Each API is
// served under its stage (/Prod/hello, /dev/hello, as the deployed URL) and
// also at the root (/hello, as sam local start-api serves it); an HTTP API
// with the $default stage only at the root, as on AWS.
func New(cfg Config) (http.Handler, error) {
	if cfg.AccountID == "" {
		cfg.AccountID = account.ID
	}
	if cfg.Region == "" {
		cfg.Region = account.DefaultRegion
	}
	if cfg.Logs == nil {
		cfg.Logs = io.Discard
	}
	// No APIs is a template without events: every request gets the 403 a
	// REST API gives for an undeclared route.
	g := &gateway{cfg: cfg}
	for _, a := range cfg.APIs {
		if a.Stage == "" {
			a.Stage = DefaultRESTStage
			if a.HTTP {
				a.Stage = DefaultHTTPStage
			}
		}
		if a.APIID == "" {
			a.APIID = defaultAPIID
		}
		if !a.HTTP && !validStage(a.Stage) {
			return nil, fmt.Errorf("API %s: stage name %q: API Gateway allows only letters, digits, - and _ (at most 128)", a.ID, a.Stage)
		}
		x := &api{API: a, root: newNode("/")}
		for _, rt := range a.Routes {
			if a.HTTP && rt.Path == "$default" {
				if rt.Invoker == nil {
					return nil, fmt.Errorf("route $default: no function to invoke")
				}
				r := rt
				x.fallback = &r
				continue
			}
			if err := x.root.add(rt, a.HTTP); err != nil {
				return nil, fmt.Errorf("API %s: %w", a.ID, err)
			}
		}
		if a.CORS != nil {
			if a.HTTP {
				return nil, fmt.Errorf("API %s: Cors is a REST API property (an HTTP API has CorsConfiguration)", a.ID)
			}
			x.root.addPreflights(a.CORS)
		}
		g.apis = append(g.apis, x)
	}
	return g, nil
}

func validStage(s string) bool {
	return s != "" && len(s) <= 128 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == ""
}

// match is a request's API, route and the paths its event carries.
type match struct {
	api      *api
	route    Route
	resource string            // /items/{id}
	path     string            // without the stage, as the event's path
	params   map[string]string // pathParameters
	staged   bool              // the URL named the stage
}

// lookup finds the route for a request path (raw, as sent). A path under an
// API's stage is tried first, then the path as is at the root. notFound is
// the error of the API the request was meant for when no route matches.
func (g *gateway) lookup(method, raw string) (*match, apiError, string) {
	var why string
	badPath := false
	try := func(a *api, path string, staged bool) *match {
		path, segs, ok := a.segments(path)
		if !ok {
			badPath = true
			return nil
		}
		params := map[string]string{}
		n := a.root.match(segs, params)
		if n != nil {
			if rt, ok := n.route(method); ok {
				return &match{api: a, route: rt, resource: n.resource, path: path, params: params, staged: staged}
			}
			if why == "" {
				why = fmt.Sprintf("resource %s has no %s method; it has %s", n.resource, method, methodList(n))
			}
		}
		if a.fallback != nil {
			return &match{api: a, route: *a.fallback, resource: "$default", path: path, params: map[string]string{}, staged: staged}
		}
		return nil
	}
	var meant *api
	for _, a := range g.apis {
		if a.Stage == DefaultHTTPStage {
			continue
		}
		rest, ok := strings.CutPrefix(raw, "/"+a.Stage)
		if !ok || (rest != "" && rest[0] != '/') {
			continue
		}
		if rest == "" {
			rest = "/"
		}
		if meant == nil {
			meant = a
		}
		if m := try(a, rest, true); m != nil {
			return m, apiError{}, ""
		}
	}
	for _, a := range g.apis {
		if m := try(a, raw, false); m != nil {
			return m, apiError{}, ""
		}
	}
	if meant == nil && len(g.apis) > 0 {
		meant = g.apis[0]
	}
	if why == "" {
		why = "no resource matches " + raw
	}
	if meant != nil && meant.HTTP {
		if badPath {
			return nil, httpBadRequest, "the path does not decode: an HTTP API decodes it twice"
		}
		return nil, httpNotFound, why
	}
	return nil, restMissingToken, why
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := newIDs(start)
	h := w.Header()
	h.Set("X-Amzn-Requestid", id.requestID)
	h.Set("X-Amz-Apigw-Id", id.extendedID)
	h.Set("X-Amzn-Trace-Id", id.traceID)

	raw := takeRaw(r)
	target := requestPath(r, raw)
	// Requests Go's server would refuse itself, or that name no path.
	if raw.badEncoding {
		e := g.byKind(restBadRequest, httpBadRequest)
		g.logf("%s %s -> %d %s (invalid percent-encoding in the path)", r.Method, target, e.status, e.message())
		writeError(w, e)
		return
	}
	if target == "*" {
		e := g.byKind(restMissingToken, httpNotFound)
		g.logf("%s %s -> %d %s (no resource is named *)", r.Method, target, e.status, e.message())
		writeError(w, e)
		return
	}

	m, notFound, why := g.lookup(r.Method, target)
	if m == nil {
		g.logf("%s %s -> %d %s (%s)", r.Method, target, notFound.status, notFound.message(), why)
		writeError(w, notFound)
		return
	}
	a, rt := m.api, m.route
	if rt.preflight != nil {
		for k, v := range rt.preflight {
			h[k] = v
		}
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "{}")
		g.logf("%s %s -> 200 (CORS preflight: the mock integration SAM adds for Cors)", r.Method, target)
		return
	}
	tooLong, internal, timeout, badRequest := restTooLong, restInternal, restTimeout, restBadRequest
	if a.HTTP {
		tooLong, internal, timeout, badRequest = httpTooLong, httpInternal, httpTimeout, httpBadRequest
	}

	if r.Body == nil { // a client request handed over directly
		r.Body = http.NoBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			g.logf("%s %s -> %s 413 (the body is over API Gateway's 10 MB limit)", r.Method, target, rt.Function)
			writeError(w, tooLong)
			return
		}
		// A body that ends early or is badly chunked never reaches the
		// integration: API Gateway answers 400 without invoking the function.
		g.fail(w, r, target, rt, start, badRequest, fmt.Sprintf("reading the request body: %v", err))
		return
	}

	req := &request{r: r, raw: raw, target: target, body: body, id: id, m: m}
	v2 := a.HTTP && rt.PayloadFormat != "1.0"
	var event any
	switch {
	case v2:
		event = g.eventV2(req)
	default:
		event = g.eventV1(req)
	}
	payload, err := json.Marshal(event)
	if err != nil {
		g.fail(w, r, target, rt, start, internal, fmt.Sprintf("encoding the event: %v", err))
		return
	}

	limit := g.cfg.IntegrationTimeout
	if limit == 0 {
		limit = RESTTimeout
		if a.HTTP {
			limit = HTTPAPITimeout
		}
	}
	out, functionError, err := invoke(r.Context(), rt.Invoker, payload, limit)
	if errors.Is(err, errIntegrationTimeout) {
		g.fail(w, r, target, rt, start, timeout, fmt.Sprintf("Execution failed due to a timeout error: the function did not answer within API Gateway's integration timeout (%s)", limit))
		return
	}
	if err != nil {
		g.fail(w, r, target, rt, start, internal, fmt.Sprintf("could not invoke the function: %v", err))
		return
	}
	if functionError != "" {
		recordFunctionError(r.Context(), out)
		g.fail(w, r, target, rt, start, internal, "Lambda execution failed with status 200 due to customer function error: "+errorSummary(out))
		return
	}
	var res *proxyResponse
	if v2 {
		res, err = parseV2Response(out)
	} else {
		res, err = parseProxyResponse(out)
	}
	if err != nil {
		g.fail(w, r, target, rt, start, internal, "Execution failed due to configuration error: Malformed Lambda proxy response: "+err.Error())
		return
	}
	if res.base64 {
		// A REST API turns base64 into bytes only for its binary media
		// types, judged by the client's first Accept type; HTTP APIs always.
		if a.HTTP || matchesMediaType(a.BinaryMediaTypes, firstAccept(r.Header.Get("Accept"))) {
			if res.body, err = decodeBase64(res.body); err != nil {
				g.fail(w, r, target, rt, start, internal, "Execution failed due to configuration error: Malformed Lambda proxy response: isBase64Encoded is true but body is not valid base64")
				return
			}
		} else {
			g.logf("%s %s -> %s: the body stays base64 text: the function set isBase64Encoded, but %s", r.Method, target, rt.Function, binaryHint(a, r.Header.Get("Accept")))
		}
	}

	for k, vs := range res.header {
		h[k] = vs
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(res.body) // the client went away: nothing to do
	g.logf("%s %s -> %s %d (%s)", r.Method, target, rt.Function, res.status, ms(time.Since(start)))
}

func binaryHint(a *api, accept string) string {
	if len(a.BinaryMediaTypes) == 0 {
		where := "to the AWS::Serverless::Api " + a.ID
		if a.ID == "ServerlessRestApi" {
			where = "under Globals: Api (the implicit API of the Api events)"
		}
		return fmt.Sprintf("API %s declares no BinaryMediaTypes, so API Gateway sends the base64 text as it is (add e.g. BinaryMediaTypes: [\"image~1png\"] %s, and request with Accept: image/png)", a.ID, where)
	}
	return fmt.Sprintf("the request's first Accept type %q is not among API %s's BinaryMediaTypes %v", firstAccept(accept), a.ID, a.BinaryMediaTypes)
}

var errIntegrationTimeout = errors.New("integration timeout")

// invoke calls the function, giving up after API Gateway's integration
// timeout (the function may run on, as in Lambda).
func invoke(ctx context.Context, inv Invoker, payload []byte, limit time.Duration) ([]byte, string, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	type result struct {
		out []byte
		fe  string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, fe, err := inv.Invoke(ctx, payload)
		done <- result{out, fe, err}
	}()
	select {
	case res := <-done:
		if res.err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, "", errIntegrationTimeout
		}
		return res.out, res.fe, res.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, "", errIntegrationTimeout
		}
		return nil, "", ctx.Err()
	}
}

// fail answers one of API Gateway's integration errors, and logs why.
func (g *gateway) fail(w http.ResponseWriter, r *http.Request, target string, rt Route, start time.Time, e apiError, why string) {
	if f, ok := r.Context().Value(failureKey{}).(*Failure); ok && f != nil {
		f.Function, f.Status, f.Reason = rt.Function, e.status, why
	}
	writeError(w, e)
	g.logf("%s %s -> %s %d (%s) %s", r.Method, target, rt.Function, e.status, ms(time.Since(start)), why)
}

func writeError(w http.ResponseWriter, e apiError) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if e.errorType != "" {
		h.Set("X-Amzn-Errortype", e.errorType)
	}
	w.WriteHeader(e.status)
	_, _ = io.WriteString(w, e.body)
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

// lambdaError reads Lambda's error JSON ({"errorMessage", "errorType"}).
func lambdaError(payload []byte) (errorType, errorMessage string) {
	var e struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	_ = json.Unmarshal(payload, &e)
	return e.ErrorType, e.ErrorMessage
}

// errorSummary reads Lambda's error JSON ({"errorMessage", "errorType"}).
func errorSummary(payload []byte) string {
	if typ, msg := lambdaError(payload); typ != "" || msg != "" {
		if typ == "" {
			return msg
		}
		return typ + ": " + msg
	}
	s := strings.TrimSpace(string(payload))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
