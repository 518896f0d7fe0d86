package iam

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// What the proxy sees of each function's traffic besides authorization: the
// errors DynamoDB answers (written into the function's log, since code that
// swallows them leaves no trace otherwise), the connections it opens (a client
// made once per execution environment reuses its connections), and the faults
// a check asks it to answer instead of DynamoDB.

// dynamoError is an error answer as DynamoDB sends it.
type dynamoError struct {
	status  int
	typ     string // __type
	message string
}

// faultAnswers are the errors Fault can answer, with DynamoDB's status, __type
// and message. ThrottlingException is what an on-demand table (the steps'
// tables) answers when it cannot keep up; ProvisionedThroughputExceededException
// what a provisioned one answers. The SDKs retry both and InternalServerError
// (three attempts in all for the Go SDK, with backoff), not ResourceNotFoundException.
var faultAnswers = map[string]dynamoError{
	"ProvisionedThroughputExceededException": {http.StatusBadRequest, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
		"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."},
	"ThrottlingException": {http.StatusBadRequest, "com.amazonaws.dynamodb.v20120810#ThrottlingException",
		"Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html"},
	"InternalServerError":       {http.StatusInternalServerError, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error"},
	"ResourceNotFoundException": {http.StatusBadRequest, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "Requested resource not found"},
}

// FaultNames lists the errors Fault accepts, sorted.
func FaultNames() []string {
	var names []string
	for n := range faultAnswers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// fault is one function's pending fault.
type fault struct {
	answer dynamoError
	name   string
	left   int // calls still to answer; < 0: every call
}

// Traffic is what a function sent through the proxy.
type Traffic struct {
	Calls int // DynamoDB requests
	Conns int // TCP connections they came on
	// Newest is when the newest of those connections was accepted. An HTTP
	// client may dial a connection and first use it for a later request.
	Newest time.Time
}

// Fault makes the proxy answer errName (one of FaultNames) to the function's
// next n DynamoDB calls once they are authorized, instead of forwarding them;
// n <= 0 answers every call from now on. A later Fault replaces it.
func (p *Proxy) Fault(function, errName string, n int) error {
	a, ok := faultAnswers[errName]
	if !ok {
		return fmt.Errorf("no fault %q (known: %s)", errName, strings.Join(FaultNames(), ", "))
	}
	if n <= 0 {
		n = -1
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.faults == nil {
		p.faults = map[string]*fault{}
	}
	p.faults[function] = &fault{answer: a, name: errName, left: n}
	return nil
}

func (p *Proxy) takeFault(function string) (*fault, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.faults[function]
	if f == nil || f.left == 0 {
		return nil, false
	}
	if f.left > 0 {
		f.left--
	}
	return f, true
}

// LogTo sends the proxy's lines about function (its denials and the errors
// DynamoDB answered it) to log, the log of its invocation in progress, rather
// than to the proxy's own log.
func (p *Proxy) LogTo(function string, log func(line string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fnLogs == nil {
		p.fnLogs = map[string]func(string){}
	}
	p.fnLogs[function] = log
}

// fnLogf writes a line about function where LogTo said, or to the proxy's log.
func (p *Proxy) fnLogf(function, format string, args ...any) {
	p.mu.Lock()
	log := p.fnLogs[function]
	p.mu.Unlock()
	if log == nil {
		p.logf(format, args...)
		return
	}
	log(fmt.Sprintf(format, args...))
}

// Traffic returns what function sent so far.
func (p *Proxy) Traffic(function string) Traffic {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.traffic[function]
}

type connKey struct{}

// connSeen marks a connection once its first request was counted.
type connSeen struct {
	once sync.Once
	at   time.Time // accepted
}

// ConnContext is for http.Server.ConnContext: it lets the proxy count the
// connections each function opens.
func (p *Proxy) ConnContext(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, &connSeen{at: time.Now()})
}

// count records one request of function, and its connection if it is new.
func (p *Proxy) count(r *http.Request, function string) {
	c, _ := r.Context().Value(connKey{}).(*connSeen)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.traffic == nil {
		p.traffic = map[string]Traffic{}
	}
	t := p.traffic[function]
	t.Calls++
	if c != nil {
		c.once.Do(func() {
			t.Conns++
			if c.at.After(t.Newest) {
				t.Newest = c.at
			}
		})
	}
	p.traffic[function] = t
}

type callKey struct{}

// call is the forwarded request, for the lines about its answer.
type call struct{ function, operation, resource string }

func (c call) String() string {
	if c.resource == "" || c.resource == "*" {
		return c.operation
	}
	return c.operation + " on " + c.resource
}

func callOf(id Identity, req Request) call {
	c := call{function: id.Function, operation: req.Operation}
	if len(req.Checks) > 0 {
		c.resource = req.Checks[0].Resource
	}
	return c
}

// seeAnswer writes a line into the function's log for each error DynamoDB
// answers it: the SDK returns the error to the code, which may drop it.
func (p *Proxy) seeAnswer(resp *http.Response) error {
	if resp.StatusCode < 400 {
		return nil
	}
	c, _ := resp.Request.Context().Value(callKey{}).(call)
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
	if err != nil {
		return nil // the client reads the same error
	}
	var e struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(body, &e) // what does not parse is shown as the status alone
	p.fnLogf(c.function, "%s", errorLine(c, resp.StatusCode, e.Type, e.Message+e.MessageU, ""))
	return nil
}

// errorLine is the line the function's log gets for an error answer.
func errorLine(c call, status int, typ, msg, why string) string {
	if i := strings.LastIndex(typ, "#"); i >= 0 {
		typ = typ[i+1:]
	}
	line := fmt.Sprintf("[local DynamoDB] %s answered %d %s", c, status, typ)
	if msg != "" {
		line += ": " + msg
	}
	return line + why
}
