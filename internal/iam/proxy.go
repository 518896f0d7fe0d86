package iam

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// maxBody bounds what the proxy reads of a request; DynamoDB's largest requests
// (BatchWriteItem, TransactWriteItems) stay well below it.
const maxBody = 64 << 20

// Identity is who a function's credentials stand for.
type Identity struct {
	Role     *Role
	Function string // the role session name, which for Lambda is the function name
}

// Use is one authorization the proxy decided for a function, for least-privilege
// checks: Usage lists each distinct one once.
type Use struct {
	Action, Resource string
	Allowed          bool
	// Statement is the deciding statement (nil for an implicit deny).
	Statement *Statement
	Count     int // how many times it was decided
}

// Proxy is an http.Handler in front of a DynamoDB endpoint that enforces each
// caller's role, as IAM would, before forwarding.
type Proxy struct {
	backend         *url.URL
	region, account string
	rp              *httputil.ReverseProxy

	logMu sync.Mutex
	logs  io.Writer

	mu        sync.Mutex
	ids       map[string]Identity // by access key id
	forwardAs string
	usage     map[string][]Use    // by function
	regions   map[string][]string // by function: the other regions its calls were signed for
	faults    map[string]*fault
	fnLogs    map[string]func(string)
	traffic   map[string]Traffic

	meter meter // the cost of the calls, by access key (meter.go)

	collideMu  sync.Mutex
	collisions map[string]string // armed by Collide: marker attribute by function
}

// NewProxy returns a proxy to backend (http://127.0.0.1:PORT) that builds ARNs with
// region and account and writes one line to logs per denial.
func NewProxy(backend, region, account string, logs io.Writer) (*Proxy, error) {
	u, err := url.Parse(backend)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("IAM proxy: backend %q is not a URL like http://127.0.0.1:8000", backend)
	}
	if region == "" || account == "" {
		return nil, fmt.Errorf("IAM proxy: the region (%q) and account (%q) are needed to build ARNs", region, account)
	}
	if logs == nil {
		logs = io.Discard
	}
	p := &Proxy{
		backend: u, region: region, account: account, logs: logs,
		ids: map[string]Identity{}, usage: map[string][]Use{}, regions: map[string][]string{},
	}
	// No timeouts: a long Scan must be able to take its time. No HTTP proxy from the
	// environment: the backend is local.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	p.rp = &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(u) },
		Transport: tr,
		// FlushInterval stays 0: a DynamoDB answer (1 MB at most) goes out as the
		// backend sent it, status line, headers and body together. Flushing the
		// headers on their own (as -1 does, at once) makes every answer two writes,
		// and the Go SDK loses the body when its connection closes in between:
		// see TestProxySDKRace.
		ModifyResponse: p.seeAnswer,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			c, _ := r.Context().Value(callKey{}).(call)
			p.fnLogf(c.function, "IAM proxy: DynamoDB at %s did not answer %s: %v", backend, c, err)
			writeError(w, http.StatusBadGateway, "com.amazon.coral.service#InternalFailure", "message",
				"the local DynamoDB at "+backend+" did not answer: "+err.Error())
		},
	}
	return p, nil
}

// Register gives accessKeyID (letters and digits only, as DynamoDB Local requires)
// to a function: requests signed with it are decided with id.Role.
func (p *Proxy) Register(accessKeyID string, id Identity) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ids[accessKeyID] = id
}

// ForwardAs makes allowed requests reach the backend with this access key id instead
// of the function's own. DynamoDB Local (without -sharedDb) keeps tables per access
// key id, so this is how every function sees the stack's tables. Only the key id
// inside the Authorization header's Credential is rewritten, which leaves the
// signature wrong: DynamoDB Local and the embedded backend do not verify signatures,
// so they accept it. "" forwards requests with their own key.
func (p *Proxy) ForwardAs(accessKeyID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forwardAs = accessKeyID
}

// Usage returns what function did, each distinct decision once, in first-seen order.
func (p *Proxy) Usage(function string) []Use {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Use(nil), p.usage[function]...)
}

// ServeHTTP authenticates the caller by its access key id, decides every
// authorization the request needs, and forwards it or answers AccessDeniedException.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	akid, region, ok := credentialScope(auth)
	if !ok {
		writeError(w, http.StatusBadRequest, "com.amazon.coral.service#MissingAuthenticationTokenException",
			"message", "Request is missing Authentication Token")
		return
	}
	p.mu.Lock()
	id, known := p.ids[akid]
	forwardAs := p.forwardAs
	p.mu.Unlock()
	if !known {
		p.logf("IAM: UnrecognizedClientException: access key id %s is not one the local stack gave a function", akid)
		writeError(w, http.StatusBadRequest, "com.amazon.coral.service#UnrecognizedClientException",
			"message", "The security token included in the request is invalid.")
		return
	}
	p.count(r, id.Function)

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "com.amazon.coral.service#SerializationException", "Message",
			"cannot read the request body: "+err.Error())
		return
	}
	// One X-Amz-Target: with two, the proxy and the backend could each take another.
	var target string
	if ts := r.Header.Values("X-Amz-Target"); len(ts) == 1 {
		target = ts[0]
	}
	// The proxy stands for the regional endpoint the request was signed for, as
	// the SDK would have sent it there without AWS_ENDPOINT_URL_DYNAMODB: its
	// ARNs name that region, and only the stack's region has the stack's tables.
	if region != p.region {
		p.noteRegion(id.Function, region)
	}
	req, err := ParseDynamoDB(target, body, region, p.account)
	if err != nil {
		// Never forwarded: what the proxy cannot read, it cannot authorize.
		var re *RequestError
		if !errors.As(err, &re) {
			re = &RequestError{Status: http.StatusBadRequest, Type: "com.amazon.coral.service#SerializationException", Key: "Message", Why: err.Error()}
		}
		p.fnLogf(id.Function, "IAM: refused for function %s, as DynamoDB would: %v", id.Function, re)
		writeError(w, re.Status, re.Type, re.Key, re.Message)
		return
	}
	if c, d, denied := p.authorize(id, req); denied {
		p.deny(w, id, c, d)
		return
	}
	if region != p.region {
		p.logf("IAM: %s for function %s was signed for region %s, but the stack is deployed in %s: DynamoDB in %s has none of its tables; answered ResourceNotFoundException",
			req.Operation, id.Function, region, p.region, region)
		writeError(w, http.StatusBadRequest, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "message", "Requested resource not found")
		return
	}
	if req.Elsewhere != "" {
		p.fnLogf(id.Function, "IAM: %s on %s for function %s: the local stack has no resource outside region %s and account %s; answered ResourceNotFoundException",
			req.Operation, req.Elsewhere, id.Function, p.region, p.account)
		writeError(w, http.StatusBadRequest, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "message", "Requested resource not found")
		return
	}

	c := callOf(id, req)
	if f, ok := p.takeFault(id.Function); ok {
		p.fnLogf(id.Function, "%s", errorLine(c, f.answer.status, f.answer.typ, f.answer.message, " (a fault the check injected: "+f.name+")"))
		writeError(w, f.answer.status, f.answer.typ, "message", f.answer.message)
		return
	}

	// The backend gets the request as it was read and authorized, not as sent.
	out := r.Clone(context.WithValue(r.Context(), callKey{}, c))
	out.Body = io.NopCloser(bytes.NewReader(req.Body))
	out.ContentLength = int64(len(req.Body))
	out.GetBody = nil
	out.Header.Set("X-Amz-Target", targetPrefix+req.Operation)
	out.Header.Set("Content-Type", "application/x-amz-json-1.0")
	out.Header.Del("Content-Encoding")
	out.Header.Del("Content-Length")
	if forwardAs != "" {
		out.Header.Set("Authorization", strings.Replace(auth, "Credential="+akid+"/", "Credential="+forwardAs+"/", 1))
	}
	p.forwardMetered(w, out, akid, req)
}

// authorize decides req's checks in order, records them, and stops at the first one
// denied, which it returns.
func (p *Proxy) authorize(id Identity, req Request) (Check, Decision, bool) {
	for _, c := range req.Checks {
		d := id.Role.Evaluate(c.Action, c.Resource)
		p.record(id.Function, c, d)
		if !d.Allowed {
			return c, d, true
		}
		if deny := skippedDenies(d); deny != "" {
			p.fnLogf(id.Function, "IAM: %s on %s for role %s (function %s) allowed by %s, but %s",
				c.Action, c.Resource, roleName(id), id.Function, d.Matched.Source, deny)
		}
	}
	return Check{}, Decision{}, false
}

func (p *Proxy) record(function string, c Check, d Decision) {
	p.mu.Lock()
	defer p.mu.Unlock()
	uses := p.usage[function]
	for i := range uses {
		if uses[i].Action == c.Action && uses[i].Resource == c.Resource && uses[i].Allowed == d.Allowed {
			uses[i].Count++
			return
		}
	}
	p.usage[function] = append(uses, Use{Action: c.Action, Resource: c.Resource, Allowed: d.Allowed, Statement: d.Matched, Count: 1})
}

// deny answers as DynamoDB does and says why in the logs.
func (p *Proxy) deny(w http.ResponseWriter, id Identity, c Check, d Decision) {
	msg := DenialMessage(p.account, roleName(id), id.Function, c.Action, c.Resource, d)
	var why string
	switch {
	case d.ExplicitDeny && d.By == Boundary:
		why = "explicitly denied by " + d.Matched.Source + ", in the role's permissions boundary; an explicit Deny wins over any Allow"
	case d.ExplicitDeny:
		why = "explicitly denied by " + d.Matched.Source + "; an explicit Deny wins over any Allow"
	case d.BoundaryUnknown != "":
		why = "its permissions boundary cannot be read offline (" + d.BoundaryUnknown + "), so the role is allowed nothing here (fail closed)"
	case d.By == Boundary:
		why = "its policies allow it, but " + id.Role.Boundary.Name + " does not: a role may do only what both allow; allow " +
			c.Action + " on " + c.Resource + " in the boundary too, or do without it"
	default:
		why = "no statement allows it; allow " + c.Action + " on " + c.Resource + " in the policies of its execution role, " + roleName(id)
	}
	var notes []string
	for _, s := range d.Skipped {
		if s.Effect == "Allow" {
			notes = append(notes, s.Source+" has a Condition, which is not evaluated offline, so it grants nothing")
		}
	}
	if deny := skippedDenies(d); deny != "" {
		notes = append(notes, deny)
	}
	if len(notes) > 0 {
		why += " (" + strings.Join(notes, "; ") + ")"
	}
	p.fnLogf(id.Function, "IAM: AccessDenied %s on %s for role %s (function %s): %s", c.Action, c.Resource, roleName(id), id.Function, why)
	writeError(w, http.StatusBadRequest, "com.amazon.coral.service#AccessDeniedException", "Message", msg)
}

// skippedDenies says which Deny statements were ignored for their Condition.
func skippedDenies(d Decision) string {
	var s []string
	for _, st := range d.Skipped {
		if st.Effect == "Deny" {
			s = append(s, st.Source)
		}
	}
	if len(s) == 0 {
		return ""
	}
	return strings.Join(s, ", ") + " (a Deny with a Condition, which is not evaluated offline) is ignored"
}

func roleName(id Identity) string {
	if id.Role == nil {
		return ""
	}
	return id.Role.Name
}

func (p *Proxy) logf(format string, args ...any) {
	p.logMu.Lock()
	defer p.logMu.Unlock()
	fmt.Fprintf(p.logs, format+"\n", args...)
}

// DenialMessage is the text AWS puts in an AccessDeniedException for a role session
// (for Lambda the session name is the function name), e.g.
//
//	User: arn:aws:sts::123456789012:assumed-role/R/F is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/T because no identity-based policy allows the dynamodb:PutItem action
//
// and, for an explicit deny, "... on resource: ARN with an explicit deny in an
// identity-based policy"; a permissions boundary is named the same way ("because
// no permissions boundary allows the ... action", "with an explicit deny in a
// permissions boundary"), as in AWS's "Troubleshoot access denied error messages".
func DenialMessage(account, roleName, session, action, resource string, d Decision) string {
	msg := fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/%s/%s is not authorized to perform: %s on resource: %s",
		account, roleName, session, action, resource)
	by := cmp.Or(d.By, IdentityBased)
	if d.ExplicitDeny {
		article := "an"
		if by == Boundary {
			article = "a"
		}
		return msg + " with an explicit deny in " + article + " " + by
	}
	return msg + " because no " + by + " allows the " + action + " action"
}

// credentialScope returns the access key id and the region of a SigV4 Authorization header:
// AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=..., Signature=...
func credentialScope(auth string) (akid, region string, ok bool) {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "", "", false
	}
	rest, _, _ = strings.Cut(rest, ",")
	scope := strings.Split(strings.TrimSpace(rest), "/")
	if len(scope) != 5 || scope[0] == "" || scope[2] == "" {
		return "", "", false
	}
	return scope[0], scope[2], true
}

func (p *Proxy) noteRegion(function, region string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !slices.Contains(p.regions[function], region) {
		p.regions[function] = append(p.regions[function], region)
	}
}

// OtherRegions lists the regions other than the stack's that function signed
// DynamoDB calls for, in first-seen order: a region written in its code, which
// finds none of the stack's tables once the stack is deployed elsewhere.
func (p *Proxy) OtherRegions(function string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.regions[function])
}

// writeError answers as DynamoDB does: JSON 1.0 with __type first, a request id in
// its format (52 upper-case letters and digits) and the CRC32 the SDKs verify.
// key is "Message" for AccessDeniedException and SerializationException and
// "message" for the others, as DynamoDB sends them; some errors have no message.
func writeError(w http.ResponseWriter, status int, typ, key, msg string) {
	body := []byte(`{"__type":` + jsonString(typ) + `}`)
	if msg != "" {
		body = []byte(`{"__type":` + jsonString(typ) + `,` + jsonString(key) + `:` + jsonString(msg) + `}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("x-amzn-RequestId", requestID())
	h.Set("x-amz-crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

func requestID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 52)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
