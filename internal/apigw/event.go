package apigw

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
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

// event builds the REST API (payload format 1.0) proxy event.
func (g *gateway) event(r *http.Request, resource, path string, params map[string]string, body []byte, id ids) events.APIGatewayProxyRequest {
	sourceIP := r.RemoteAddr
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		sourceIP = host
	}

	mvh := r.Header.Clone()
	if mvh == nil {
		mvh = http.Header{}
	}
	// Headers API Gateway adds on its way to the integration.
	mvh.Set("Host", r.Host)
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	domain := r.Host
	if h, p, err := net.SplitHostPort(r.Host); err == nil {
		domain, port = h, p
	}
	if prev := mvh.Get("X-Forwarded-For"); prev != "" {
		mvh.Set("X-Forwarded-For", prev+", "+sourceIP)
	} else {
		mvh.Set("X-Forwarded-For", sourceIP)
	}
	mvh.Set("X-Forwarded-Port", port)
	mvh.Set("X-Forwarded-Proto", proto)
	mvh.Set("X-Amzn-Trace-Id", id.traceID)
	headers := make(map[string]string, len(mvh))
	for k, vs := range mvh {
		headers[k] = vs[len(vs)-1]
	}

	// API Gateway sends null, not {}, when there is no query string.
	var qs map[string]string
	var mvqs map[string][]string
	if r.URL.RawQuery != "" {
		mvqs, _ = url.ParseQuery(r.URL.RawQuery) // keep what parses, as a lenient gateway would
		if len(mvqs) == 0 {
			mvqs = nil
		} else {
			qs = make(map[string]string, len(mvqs))
			for k, vs := range mvqs {
				qs[k] = vs[len(vs)-1]
			}
		}
	}
	if len(params) == 0 {
		params = nil
	}

	ev := events.APIGatewayProxyRequest{
		Resource:                        resource,
		Path:                            path,
		HTTPMethod:                      r.Method,
		Headers:                         headers,
		MultiValueHeaders:               mvh,
		QueryStringParameters:           qs,
		MultiValueQueryStringParameters: mvqs,
		PathParameters:                  params,
		Body:                            string(body),
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         g.cfg.AccountID,
			ResourceID:        resourceID(resource),
			Stage:             g.cfg.Stage,
			DomainName:        domain,
			DomainPrefix:      strings.SplitN(domain, ".", 2)[0],
			RequestID:         id.requestID,
			ExtendedRequestID: id.extendedID,
			Protocol:          r.Proto,
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
			ResourcePath:     resource,
			Path:             "/" + g.cfg.Stage + path,
			HTTPMethod:       r.Method,
			RequestTime:      id.time.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: id.time.UnixMilli(),
			APIID:            g.cfg.APIID,
		},
	}
	// A body that is not text travels base64-encoded (simplification: AWS
	// decides from the API's binaryMediaTypes and the Content-Type).
	if !utf8.Valid(body) {
		ev.Body = base64.StdEncoding.EncodeToString(body)
		ev.IsBase64Encoded = true
	}
	return ev
}
