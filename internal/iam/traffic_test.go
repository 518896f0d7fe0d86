package iam

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
)

// TestProxyFaultsAndErrorLines: a fault is answered as DynamoDB answers it,
// to the SDK's every attempt; each error answer, the backend's or the
// proxy's own, leaves a line in the function's log; connections are counted.
func TestProxyFaultsAndErrorLines(t *testing.T) {
	ctx := context.Background()
	backend := startPerKeyBackend(t)
	var proxyLog logbuf.Buffer
	p, front := startProxy(t, backend.URL, region, &proxyLog)
	role := &Role{Name: "FunctionRole", Policies: []Policy{mustPolicy(t, "inline policy Writes", allow("dynamodb:PutItem", table))}}
	p.Register("fnkey1", Identity{Role: role, Function: "Fn"})
	p.ForwardAs("stackkey1")
	var fnLog []string
	p.LogTo("Fn", func(line string) { fnLog = append(fnLog, line) })
	c := client(front.URL, "fnkey1")
	put := &dynamodb.PutItemInput{
		TableName: aws.String("dva-01-001-Table"),
		Item:      map[string]types.AttributeValue{"dt": &types.AttributeValueMemberS{Value: "x"}},
	}

	// The backend has no such table: its error answer is logged.
	_, err := c.PutItem(ctx, put)
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("PutItem on a missing table: %v; want ResourceNotFoundException", err)
	}
	if len(fnLog) != 1 || !strings.HasPrefix(fnLog[0], "[local DynamoDB] PutItem on "+table+" answered 400 ResourceNotFoundException") {
		t.Errorf("the function's log got %q; want one line for the backend's error", fnLog)
	}

	createTable(t, client(backend.URL, "stackkey1"))

	// A throttle is answered to every attempt: the SDK gives up after three.
	fnLog = nil
	if err := p.Fault("Fn", "ProvisionedThroughputExceededException", 0); err != nil {
		t.Fatal(err)
	}
	c3 := dynamodb.NewFromConfig(aws.Config{Region: region, Credentials: c.Options().Credentials, RetryMaxAttempts: 3,
		Retryer: nil}, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(front.URL)
		o.Retryer = noDelay{o.Retryer}
	})
	_, err = c3.PutItem(ctx, put)
	var pte *types.ProvisionedThroughputExceededException
	if !errors.As(err, &pte) || !strings.Contains(err.Error(), "exceeded maximum number of attempts, 3") {
		t.Fatalf("PutItem under a throttle fault: %v; want ProvisionedThroughputExceededException after 3 attempts", err)
	}
	if len(fnLog) != 3 || !strings.Contains(fnLog[0], "answered 400 ProvisionedThroughputExceededException: The level of configured provisioned throughput") {
		t.Errorf("the function's log got %q; want a line per attempt", fnLog)
	}

	// The exact bodies and statuses, and N.
	for name, want := range map[string]struct {
		status int
		body   string
	}{
		"InternalServerError":       {500, `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`},
		"ResourceNotFoundException": {400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`},
		"ThrottlingException":       {400, `{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Throughput exceeds the current capacity`},
	} {
		if err := p.Fault("Fn", name, 1); err != nil {
			t.Fatal(err)
		}
		body := `{"TableName":"dva-01-001-Table","Item":{"dt":{"S":"x"}}}`
		status, got := send(t, front.URL, "fnkey1", "PutItem", body, true)
		if status != want.status || !strings.HasPrefix(got, want.body) {
			t.Errorf("fault %s: %d %s; want %d %s", name, status, got, want.status, want.body)
		}
		// Only the next call: the one after reaches the backend again.
		if status, got := send(t, front.URL, "fnkey1", "PutItem", body, true); status != 200 {
			t.Errorf("fault %s with N=1: the second call got %d %s; want it to reach the backend", name, status, got)
		}
	}
	if err := p.Fault("Fn", "Throttled", 1); err == nil {
		t.Error("an unknown fault was accepted")
	}

	// A denial is the proxy's own answer: its line goes to the function's log too.
	fnLog = nil
	if _, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("dva-01-001-Table")}); err == nil {
		t.Fatal("a Scan the role does not allow was not denied")
	}
	if len(fnLog) != 1 || !strings.HasPrefix(fnLog[0], "IAM: AccessDenied dynamodb:Scan") {
		t.Errorf("the function's log got %q; want the denial", fnLog)
	}
	if s := proxyLog.String(); s != "" {
		t.Errorf("lines about Fn went to the proxy's log: %q", s)
	}

	// Each send above opened a connection of its own.
	tr := p.Traffic("Fn")
	if tr.Calls != 1+3+6+1 {
		t.Errorf("Traffic counted %d calls; want 11", tr.Calls)
	}
	// The SDK closes an idle connection now and then: at most one per call.
	if tr.Conns < 1+6 || tr.Conns > 5+6 {
		t.Errorf("Traffic counted %d connections; want 6 for the raw PutItems and 1 to 5 for the SDK's 5 calls", tr.Conns)
	}
}

// noDelay is a retryer without backoff, so the test does not wait.
type noDelay struct{ aws.Retryer }

func (n noDelay) RetryDelay(int, error) (time.Duration, error) { return 0, nil }

// TestMissingLogActions: a role logs with AWSLambdaBasicExecutionRole, or
// with the scoped policy AWS documents for Lambda; not without them.
func TestMissingLogActions(t *testing.T) {
	scoped := `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"logs:CreateLogGroup","Resource":"arn:aws:logs:us-east-1:123456789012:*"},
	  {"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/Fn:*"]}]}`
	tests := []struct {
		name string
		role *Role
		want string
	}{
		{"basic execution", &Role{Policies: []Policy{mustManaged(t, "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")}}, ""},
		{"scoped as documented", &Role{Policies: []Policy{mustPolicy(t, "inline policy Logs", scoped)}}, ""},
		{"DynamoDB only", &Role{Policies: []Policy{mustPolicy(t, "inline policy Writes", allow("dynamodb:PutItem", table))}}, "logs:CreateLogGroup logs:CreateLogStream logs:PutLogEvents"},
		{"another function's group", &Role{Policies: []Policy{mustPolicy(t, "inline policy Logs", strings.ReplaceAll(scoped, "/Fn:", "/Other:"))}}, "logs:CreateLogStream logs:PutLogEvents"},
	}
	for _, tt := range tests {
		if got := strings.Join(tt.role.MissingLogActions(region, account, "Fn"), " "); got != tt.want {
			t.Errorf("%s: missing %q; want %q", tt.name, got, tt.want)
		}
	}
}
