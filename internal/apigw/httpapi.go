package apigw

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// eventV2 is the payload format 2.0 event of an HTTP API, as API Gateway
// sends it: names in lower case, repeated headers and query values joined
// with commas, cookies apart, absent parts left out
// (testdata/apigateway/http-api-event.json).
type eventV2 struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	RequestContext        contextV2         `json:"requestContext"`
	Body                  *string           `json:"body,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
}

type contextV2 struct {
	AccountID    string `json:"accountId"`
	APIID        string `json:"apiId"`
	DomainName   string `json:"domainName"`
	DomainPrefix string `json:"domainPrefix"`
	HTTP         httpV2 `json:"http"`
	RequestID    string `json:"requestId"`
	RouteKey     string `json:"routeKey"`
	Stage        string `json:"stage"`
	Time         string `json:"time"`
	TimeEpoch    int64  `json:"timeEpoch"`
}

type httpV2 struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

func (g *gateway) eventV2(q *request) eventV2 {
	a, m := q.m.api, q.m
	domain, port, proto := q.domain()
	sourceIP := q.sourceIP()

	var order []string
	joined := map[string][]string{}
	var cookies []string
	for _, h := range q.raw.headers {
		name := strings.ToLower(h.name)
		switch {
		case hopHeaders[name]:
			continue
		case name == "cookie":
			for _, c := range strings.Split(h.value, ";") {
				if c = strings.TrimSpace(c); c != "" {
					cookies = append(cookies, c)
				}
			}
			continue
		}
		if _, ok := joined[name]; !ok {
			order = append(order, name)
		}
		joined[name] = append(joined[name], h.value)
	}
	headers := make(map[string]string, len(order)+5)
	for _, k := range order {
		headers[k] = strings.Join(joined[k], ",")
	}
	headers["host"] = q.r.Host
	if prev := headers["x-forwarded-for"]; prev != "" {
		headers["x-forwarded-for"] = prev + ", " + sourceIP
	} else {
		headers["x-forwarded-for"] = sourceIP
	}
	headers["x-forwarded-port"] = port
	headers["x-forwarded-proto"] = proto
	headers["x-amzn-trace-id"] = q.id.traceID

	var qs map[string]string
	if vals := parseQuery(q.r.URL.RawQuery); len(vals) > 0 {
		qs = make(map[string]string, len(vals))
		for k, vs := range vals {
			qs[k] = strings.Join(vs, ",")
		}
	}
	routeKey := m.route.Method + " " + m.resource
	if m.resource == "$default" {
		routeKey = "$default"
	}
	path := stagePath(a.Stage, m.path)
	ev := eventV2{
		Version:               "2.0",
		RouteKey:              routeKey,
		RawPath:               path,
		RawQueryString:        q.r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: qs,
		RequestContext: contextV2{
			AccountID:    g.cfg.AccountID,
			APIID:        a.APIID,
			DomainName:   domain,
			DomainPrefix: strings.SplitN(domain, ".", 2)[0],
			HTTP: httpV2{
				Method: q.r.Method, Path: path, Protocol: q.r.Proto, SourceIP: sourceIP, UserAgent: q.r.UserAgent(),
			},
			RequestID: q.id.extendedID,
			RouteKey:  routeKey,
			Stage:     a.Stage,
			Time:      q.id.time.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch: q.id.time.UnixMilli(),
		},
	}
	if len(m.params) > 0 {
		ev.PathParameters = m.params
	}
	if len(q.body) > 0 {
		body := string(q.body)
		if isBinaryBody(q.r.Header.Get("Content-Type"), q.body) {
			body = base64.StdEncoding.EncodeToString(q.body)
			ev.IsBase64Encoded = true
		}
		ev.Body = &body
	}
	return ev
}

// parseV2Response reads a payload format 2.0 response as an HTTP API does:
// an object with statusCode is the proxy shape (headers, cookies, body,
// isBase64Encoded); any other valid JSON is the body of a 200 answer with
// Content-Type application/json. Only output that is not JSON is refused.
func parseV2Response(payload []byte) (*proxyResponse, error) {
	if !json.Valid(payload) {
		return nil, fmt.Errorf("the function's output is not valid JSON")
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(payload, &fields) != nil || fields == nil || fields["statusCode"] == nil {
		return &proxyResponse{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json"}}, body: payload}, nil
	}
	res := &proxyResponse{header: http.Header{}}
	if err := json.Unmarshal(fields["statusCode"], &res.status); err != nil {
		return nil, fmt.Errorf("statusCode must be an integer, got %s", jsonKind(fields["statusCode"]))
	}
	if res.status < 100 || res.status > 599 {
		return nil, fmt.Errorf("statusCode %d is not an HTTP status code", res.status)
	}
	if raw, ok := fields["headers"]; ok && !isNull(raw) {
		var h map[string]string
		if err := json.Unmarshal(raw, &h); err != nil {
			return nil, fmt.Errorf("headers must map names to strings, got %s", describe(raw))
		}
		for k, v := range h {
			res.header.Add(k, v)
		}
	}
	if raw, ok := fields["cookies"]; ok && !isNull(raw) {
		var cookies []string
		if err := json.Unmarshal(raw, &cookies); err != nil {
			return nil, fmt.Errorf("cookies must be a list of strings, got %s", jsonKind(raw))
		}
		for _, c := range cookies {
			res.header.Add("Set-Cookie", c)
		}
	}
	if raw, ok := fields["body"]; ok && !isNull(raw) {
		var body string
		if err := json.Unmarshal(raw, &body); err != nil {
			return nil, fmt.Errorf("body must be a string, got %s (encode it, e.g. with json.Marshal, and return the string)", jsonKind(raw))
		}
		res.body = []byte(body)
	}
	if raw, ok := fields["isBase64Encoded"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &res.base64); err != nil {
			return nil, fmt.Errorf("isBase64Encoded must be true or false, got %s", jsonKind(raw))
		}
	}
	return res, nil
}
