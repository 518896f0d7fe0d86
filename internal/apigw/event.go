package apigw

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// ids are the identifiers API Gateway gives one request.
type ids struct {
	time       time.Time
	requestID  string // uuid: requestContext.requestId, x-amzn-RequestId
	extendedID string // requestContext.extendedRequestId, x-amz-apigw-id
	traceID    string // X-Amzn-Trace-Id, an X-Ray trace header
}

func newIDs(now time.Time) ids {
	var b [16 + 11 + 12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
	u := b[:16]
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return ids{
		time:       now,
		requestID:  fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]),
		extendedID: base64.URLEncoding.EncodeToString(b[16:27]), // 16 chars ending in "=", like AWS's
		traceID:    fmt.Sprintf("Root=1-%08x-%x", now.Unix(), b[27:39]),
	}
}

// resourceID is a stable 6-character id per resource, as API Gateway's.
func resourceID(resource string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	sum := sha256.Sum256([]byte(resource))
	n := binary.BigEndian.Uint64(sum[:8])
	id := make([]byte, 6)
	for i := range id {
		id[i] = alphabet[n%36]
		n /= 36
	}
	return string(id)
}

// request is what an event is built from.
type request struct {
	r      *http.Request
	raw    rawRequest
	target string // the path as sent, still percent-encoded
	body   []byte
	id     ids
	m      *match
}

func (q *request) sourceIP() string {
	if host, _, err := net.SplitHostPort(q.r.RemoteAddr); err == nil {
		return host
	}
	return q.r.RemoteAddr
}

// domain is the Host without its port, and the port API Gateway reports.
func (q *request) domain() (domain, port, proto string) {
	proto, port = "http", "80"
	if q.r.TLS != nil {
		proto, port = "https", "443"
	}
	domain = q.r.Host
	if h, p, err := net.SplitHostPort(q.r.Host); err == nil {
		domain, port = h, p
	}
	return domain, port, proto
}

// eventV1 is the payload format 1.0 event of a REST API (and of an HTTP API
// route with PayloadFormatVersion 1.0), field for field as API Gateway sends
// it: absent values are null, not "" (testdata/apigateway/rest-event.json).
type eventV1 struct {
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	RequestContext                  contextV1           `json:"requestContext"`
	Body                            *string             `json:"body"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

type contextV1 struct {
	AccountID         string         `json:"accountId"`
	APIID             string         `json:"apiId"`
	Authorizer        map[string]any `json:"authorizer"`
	DomainName        string         `json:"domainName"`
	DomainPrefix      string         `json:"domainPrefix"`
	ExtendedRequestID string         `json:"extendedRequestId"`
	HTTPMethod        string         `json:"httpMethod"`
	Identity          identityV1     `json:"identity"`
	Path              string         `json:"path"`
	Protocol          string         `json:"protocol"`
	RequestID         string         `json:"requestId"`
	RequestTime       string         `json:"requestTime"`
	RequestTimeEpoch  int64          `json:"requestTimeEpoch"`
	ResourceID        string         `json:"resourceId"`
	ResourcePath      string         `json:"resourcePath"`
	Stage             string         `json:"stage"`
}

// identityV1: without IAM auth, API keys, Cognito or mutual TLS only the
// caller's address and agent are set.
type identityV1 struct {
	AccessKey                     *string `json:"accessKey"`
	AccountID                     *string `json:"accountId"`
	APIKey                        *string `json:"apiKey"`
	APIKeyID                      *string `json:"apiKeyId"`
	Caller                        *string `json:"caller"`
	ClientCert                    any     `json:"clientCert"`
	CognitoAuthenticationProvider *string `json:"cognitoAuthenticationProvider"`
	CognitoAuthenticationType     *string `json:"cognitoAuthenticationType"`
	CognitoIdentityID             *string `json:"cognitoIdentityId"`
	CognitoIdentityPoolID         *string `json:"cognitoIdentityPoolId"`
	PrincipalOrgID                *string `json:"principalOrgId"`
	SourceIP                      string  `json:"sourceIp"`
	User                          *string `json:"user"`
	UserAgent                     string  `json:"userAgent"`
	UserArn                       *string `json:"userArn"`
}

// Headers a REST API names itself, whatever the client's spelling (a
// deployed API answering an HTTP/2 client, which sends lower case, still
// gives "Host" and "User-Agent"); the rest keep the client's spelling.
var restOwnHeaders = map[string]string{
	"host": "Host", "user-agent": "User-Agent", "x-amzn-trace-id": "X-Amzn-Trace-Id",
	"x-forwarded-for": "X-Forwarded-For", "x-forwarded-port": "X-Forwarded-Port", "x-forwarded-proto": "X-Forwarded-Proto",
}

// Headers that describe the connection, not the request: API Gateway does
// not pass them on (a REST API drops Content-Length too).
var hopHeaders = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-connection": true, "te": true, "trailer": true,
	"transfer-encoding": true, "upgrade": true,
}

func (g *gateway) eventV1(q *request) eventV1 {
	a, m := q.m.api, q.m
	domain, port, proto := q.domain()
	sourceIP := q.sourceIP()

	mvh := map[string][]string{}
	for _, h := range q.raw.headers {
		low := strings.ToLower(h.name)
		if hopHeaders[low] || (!a.HTTP && low == "content-length") {
			continue
		}
		name := h.name
		if own, ok := restOwnHeaders[low]; ok {
			name = own
		}
		mvh[name] = append(mvh[name], h.value)
	}
	if a.HTTP { // an HTTP API sends 1.0 events with lower-case names
		lower := map[string][]string{}
		for k, vs := range mvh {
			lower[strings.ToLower(k)] = append(lower[strings.ToLower(k)], vs...)
		}
		mvh = lower
	}
	name := func(canonical string) string {
		if a.HTTP {
			return strings.ToLower(canonical)
		}
		return canonical
	}
	mvh[name("Host")] = []string{q.r.Host}
	xff := sourceIP
	if prev := mvh[name("X-Forwarded-For")]; len(prev) > 0 {
		xff = strings.Join(prev, ", ") + ", " + sourceIP
	}
	mvh[name("X-Forwarded-For")] = []string{xff}
	mvh[name("X-Forwarded-Port")] = []string{port}
	mvh[name("X-Forwarded-Proto")] = []string{proto}
	mvh[name("X-Amzn-Trace-Id")] = []string{q.id.traceID}
	headers := make(map[string]string, len(mvh))
	for k, vs := range mvh {
		headers[k] = vs[len(vs)-1]
	}

	// Values decoded, + as a space, as a REST API does (recorded); null
	// when there is no query string.
	var qs map[string]string
	var mvqs map[string][]string
	if vals := parseQuery(q.r.URL.RawQuery); len(vals) > 0 {
		mvqs = vals
		qs = make(map[string]string, len(vals))
		for k, vs := range vals {
			qs[k] = vs[len(vs)-1]
		}
	}
	params := m.params
	if len(params) == 0 {
		params = nil
	}

	ev := eventV1{
		Resource:                        m.resource,
		Path:                            m.path,
		HTTPMethod:                      q.r.Method,
		Headers:                         headers,
		MultiValueHeaders:               mvh,
		QueryStringParameters:           qs,
		MultiValueQueryStringParameters: mvqs,
		PathParameters:                  params,
		RequestContext: contextV1{
			AccountID:         g.cfg.AccountID,
			APIID:             a.APIID,
			DomainName:        domain,
			DomainPrefix:      strings.SplitN(domain, ".", 2)[0],
			ExtendedRequestID: q.id.extendedID,
			HTTPMethod:        q.r.Method,
			Identity:          identityV1{SourceIP: sourceIP, UserAgent: q.r.UserAgent()},
			Path:              stagePath(a.Stage, m.path),
			Protocol:          q.r.Proto,
			RequestID:         q.id.requestID,
			RequestTime:       q.id.time.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch:  q.id.time.UnixMilli(),
			ResourceID:        resourceID(m.resource),
			ResourcePath:      m.resource,
			Stage:             a.Stage,
		},
	}
	if len(q.body) > 0 {
		body := string(q.body)
		// Binary only for the API's binary media types, judged by the
		// request's Content-Type; else the body travels as UTF-8 text.
		binary := matchesMediaType(a.BinaryMediaTypes, q.r.Header.Get("Content-Type"))
		if a.HTTP {
			binary = isBinaryBody(q.r.Header.Get("Content-Type"), q.body)
		}
		if binary {
			body = base64.StdEncoding.EncodeToString(q.body)
			ev.IsBase64Encoded = true
		}
		ev.Body = &body
	}
	return ev
}

// stagePath is the path as the deployed URL has it: under the stage, except
// for an HTTP API's $default stage.
func stagePath(stage, path string) string {
	if stage == DefaultHTTPStage {
		return path
	}
	return "/" + stage + path
}

// parseQuery reads a query string as API Gateway does: values decoded, + as
// a space, pairs that do not decode skipped.
func parseQuery(raw string) map[string][]string {
	if raw == "" {
		return nil
	}
	out := map[string][]string{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		out[k] = append(out[k], v)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// matchesMediaType reports whether a Content-Type or Accept type is one of
// the binary media types ("image/png", "image/*", "*/*").
func matchesMediaType(patterns []string, contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "" {
		return false
	}
	typ, sub, _ := strings.Cut(mt, "/")
	for _, p := range patterns {
		pt, ps, _ := strings.Cut(strings.ToLower(strings.TrimSpace(p)), "/")
		if (pt == "*" || pt == typ) && (ps == "*" || ps == sub) {
			return true
		}
	}
	return false
}

// firstAccept is the first media type of an Accept header: the one API
// Gateway uses to decide whether a REST API answers binary.
func firstAccept(accept string) string {
	first, _, _ := strings.Cut(accept, ",")
	return strings.TrimSpace(first)
}

// isBinaryBody is an HTTP API's choice: text types and no type travel as
// text, anything else base64-encoded.
func isBinaryBody(contentType string, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "" || strings.HasPrefix(mt, "text/"),
		strings.HasSuffix(mt, "json"), strings.HasSuffix(mt, "xml"), strings.HasSuffix(mt, "javascript"),
		mt == "application/x-www-form-urlencoded", mt == "application/graphql":
		return !utf8.Valid(body)
	}
	return true
}

func decodeBase64(b []byte) ([]byte, error) {
	return base64.StdEncoding.DecodeString(string(b))
}
