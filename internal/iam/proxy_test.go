package iam

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
	"github.com/truora/minidyn/server"
)

// perKeyBackend behaves as DynamoDB Local without -sharedDb: each access key id has
// its own tables (one minidyn server per key).
type perKeyBackend struct {
	mu      sync.Mutex
	servers map[string]http.Handler
}

func (b *perKeyBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	akid, _, ok := credentialScope(r.Header.Get("Authorization"))
	if !ok {
		http.Error(w, "unsigned", http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	s, ok := b.servers[akid]
	if !ok {
		s = server.NewServer()
		b.servers[akid] = s
	}
	b.mu.Unlock()
	s.ServeHTTP(w, r)
}

func client(endpoint, akid string) *dynamodb.Client {
	return dynamodb.NewFromConfig(aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: akid, SecretAccessKey: "s"}, nil
		}),
	}, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

func TestProxyWithSDK(t *testing.T) {
	ctx := context.Background()
	backend := startPerKeyBackend(t)
	var logs logbuf.Buffer
	p, front := startProxy(t, backend.URL, region, &logs)

	// The stack's tables live under the stack's key.
	const stackKey, writerKey, readerKey = "stackkey1", "writerkey1", "readerkey1"
	stack := client(backend.URL, stackKey)
	createTable(t, stack)

	writerRole := &Role{Name: "WriterRole", Policies: []Policy{mustPolicy(t, "inline policy Writes", allow("dynamodb:PutItem", table))}}
	seedRole := &Role{Name: "FunctionRole", Policies: []Policy{
		mustManaged(t, "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
		mustPolicy(t, "inline policy HelloWorldFunctionPolicies", seedPolicy),
	}}
	p.Register(writerKey, Identity{Role: writerRole, Function: "Writer"})
	p.Register(readerKey, Identity{Role: seedRole, Function: "HelloWorldFunction"})
	p.ForwardAs(stackKey)

	put := &dynamodb.PutItemInput{
		TableName: aws.String("dva-01-001-Table"),
		Item:      map[string]types.AttributeValue{"dt": &types.AttributeValueMemberS{Value: "2024-01-01 00:00:00"}},
	}

	t.Run("allowed PutItem lands in the ForwardAs key's tables", func(t *testing.T) {
		logged := len(logs.String())
		defer func() {
			if own := logs.String()[logged:]; own != "" {
				t.Errorf("an allowed call logged %q, want nothing", own)
			}
		}()
		if _, err := client(front.URL, writerKey).PutItem(ctx, put); err != nil {
			t.Fatalf("PutItem through the proxy: %v", err)
		}
		out, err := stack.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("dva-01-001-Table")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Items) != 1 {
			t.Fatalf("the stack's table holds %d items, want 1", len(out.Items))
		}
		// Nothing reached the backend under the function's own key.
		if _, err := client(backend.URL, writerKey).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("dva-01-001-Table")}); err == nil {
			t.Fatal("the function's own key sees the table: the request was not re-keyed")
		}
	})

	t.Run("allowed Scan streams the answer back", func(t *testing.T) {
		out, err := client(front.URL, readerKey).Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("dva-01-001-Table")})
		if err != nil {
			t.Fatalf("Scan through the proxy: %v", err)
		}
		if len(out.Items) != 1 {
			t.Fatalf("Scan returned %d items, want 1", len(out.Items))
		}
	})

	t.Run("denied PutItem is the AWS AccessDeniedException", func(t *testing.T) {
		logged := len(logs.String()) // the subtests share the proxy: read only this one's lines
		_, err := client(front.URL, readerKey).PutItem(ctx, put)
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("PutItem error = %v, want a smithy.APIError", err)
		}
		if apiErr.ErrorCode() != "AccessDeniedException" {
			t.Errorf("ErrorCode = %q, want AccessDeniedException", apiErr.ErrorCode())
		}
		want := "User: arn:aws:sts::123456789012:assumed-role/FunctionRole/HelloWorldFunction is not authorized to perform: dynamodb:PutItem" +
			" on resource: arn:aws:dynamodb:us-east-1:123456789012:table/dva-01-001-Table because no identity-based policy allows the dynamodb:PutItem action"
		if apiErr.ErrorMessage() != want {
			t.Errorf("ErrorMessage\n got %q\nwant %q", apiErr.ErrorMessage(), want)
		}
		var re interface{ HTTPStatusCode() int }
		if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest {
			t.Errorf("HTTP status: %v, want 400", err)
		}
		wantLog := "IAM: AccessDenied dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/dva-01-001-Table for role FunctionRole (function HelloWorldFunction): no statement allows it"
		if own := logs.String()[logged:]; !strings.Contains(own, wantLog) {
			t.Errorf("logs do not say %q:\n%s", wantLog, own)
		}
		out, err := stack.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("dva-01-001-Table")})
		if err != nil || len(out.Items) != 1 {
			t.Fatalf("after a denied PutItem the table holds %v items (%v), want still 1", len(out.Items), err)
		}
	})

	t.Run("unknown key is UnrecognizedClientException", func(t *testing.T) {
		_, err := client(front.URL, "strangerkey").Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("dva-01-001-Table")})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnrecognizedClientException" ||
			apiErr.ErrorMessage() != "The security token included in the request is invalid." {
			t.Fatalf("error = %v, want UnrecognizedClientException: The security token included in the request is invalid.", err)
		}
	})

	t.Run("usage records each decision", func(t *testing.T) {
		uses := p.Usage("HelloWorldFunction")
		if len(uses) != 2 {
			t.Fatalf("Usage = %+v, want Scan allowed and PutItem denied", uses)
		}
		if u := uses[0]; u.Action != "dynamodb:Scan" || u.Resource != table || !u.Allowed || u.Statement == nil ||
			u.Statement.Source != "inline policy HelloWorldFunctionPolicies, statement 2" || u.Count != 1 {
			t.Errorf("Usage[0] = %+v", u)
		}
		if u := uses[1]; u.Action != "dynamodb:PutItem" || u.Allowed || u.Statement != nil {
			t.Errorf("Usage[1] = %+v", u)
		}
		if uses := p.Usage("Writer"); len(uses) != 1 || !uses[0].Allowed {
			t.Errorf("Usage(Writer) = %+v", uses)
		}
	})
}

// The raw answers, as DynamoDB sends them: status, headers and body; and what
// reaches the backend.
func TestProxyRawAnswers(t *testing.T) {
	var (
		mu       sync.Mutex
		received []*http.Request // what reached the backend, with its body
		bodies   []string
	)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		received, bodies = append(received, r), append(bodies, string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		io.WriteString(w, `{}`)
	}))
	defer backend.Close()
	role := &Role{Name: "R", Policies: []Policy{
		mustPolicy(t, "inline policy P", `{Statement: [
			{Effect: Allow, Action: "dynamodb:*", Resource: "*"},
			{Effect: Deny, Action: "dynamodb:DeleteItem", Resource: "*"},
			{Effect: Allow, Action: "dynamodb:PutItem", Resource: "*", Condition: {Bool: {"aws:SecureTransport": "true"}}},
			{Effect: Deny, Action: "dynamodb:Scan", Resource: "*", Condition: {Bool: {"aws:SecureTransport": "false"}}}]}`),
	}}
	onlyCond := &Role{Name: "C", Policies: []Policy{mustPolicy(t, "inline policy Cond", `{Statement: {Sid: OnlyOverTLS, Effect: Allow, Action: "dynamodb:PutItem", Resource: "*", Condition: {Bool: {"aws:SecureTransport": "true"}}}}`)}}
	onlyA := &Role{Name: "A", Policies: []Policy{mustPolicy(t, "inline policy TableA", allow("dynamodb:*", "arn:aws:dynamodb:us-east-1:123456789012:table/TableA"))}}

	const denyB = `{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:sts::123456789012:assumed-role/A/FA is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/TableB because no identity-based policy allows the dynamodb:PutItem action"}`
	tests := []struct {
		name, akid, op, body string
		status               int
		wantBody             string
		wantLog              string // "" asserts that nothing is logged
		forwarded            string // the body the backend gets, when forwarded
	}{
		{"explicit deny", "key1", "DeleteItem", `{"TableName":"T"}`, 400,
			`{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:sts::123456789012:assumed-role/R/F is not authorized to perform: dynamodb:DeleteItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/T with an explicit deny in an identity-based policy"}`,
			"IAM: AccessDenied dynamodb:DeleteItem on arn:aws:dynamodb:us-east-1:123456789012:table/T for role R (function F): explicitly denied by inline policy P, statement 2", ""},
		{"condition grants nothing", "key2", "PutItem", `{"TableName":"T"}`, 400,
			`{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:sts::123456789012:assumed-role/C/G is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/T because no identity-based policy allows the dynamodb:PutItem action"}`,
			"no statement allows it; allow dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/T in the policies of its execution role, C (inline policy Cond, statement 1 (Sid OnlyOverTLS) has a Condition, which is not evaluated offline, so it grants nothing)", ""},
		{"conditional deny ignored", "key1", "Scan", `{"TableName":"T"}`, 200, `{}`,
			"IAM: dynamodb:Scan on arn:aws:dynamodb:us-east-1:123456789012:table/T for role R (function F) allowed by inline policy P, statement 1, but inline policy P, statement 4 (a Deny with a Condition, which is not evaluated offline) is ignored",
			`{"TableName":"T"}`},
		{"allowed, nothing logged", "key3", "PutItem", `{"TableName":"TableA","Item":{"id":{"S":"1"}}}`, 200, `{}`, "",
			`{"TableName":"TableA","Item":{"id":{"S":"1"}}}`},
		{"unknown key", "nobody", "Scan", `{"TableName":"T"}`, 400,
			`{"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"The security token included in the request is invalid."}`,
			"IAM: UnrecognizedClientException: access key id nobody", ""},
		{"unsigned", "", "Scan", `{"TableName":"T"}`, 400,
			`{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}`, "", ""},
		{"unparsable request is refused as DynamoDB does", "key1", "Scan", `{bad`, 400,
			`{"__type":"com.amazon.coral.service#SerializationException"}`,
			"IAM: refused for function F, as DynamoDB would: the body is not a JSON object (invalid character 'b') (SerializationException)", ""},
		{"unknown operation is refused", "key1", "DescribeEverything", `{}`, 400,
			`{"__type":"com.amazon.coral.service#UnknownOperationException"}`,
			`IAM: refused for function F, as DynamoDB would: X-Amz-Target "DynamoDB_20120810.DescribeEverything" is not a DynamoDB operation`, ""},
		{"bypass: IndexName 5 on PutItem", "key3", "PutItem", `{"TableName":"TableB","IndexName":5,"Item":{"id":{"S":"1"}}}`, 400, denyB,
			"IAM: AccessDenied dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/TableB for role A (function FA)", ""},
		{"bypass: TableArn 5 on PutItem", "key3", "PutItem", `{"TableName":"TableB","TableArn":5,"Item":{"id":{"S":"1"}}}`, 400, denyB,
			"IAM: AccessDenied dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/TableB for role A (function FA)", ""},
		{"bypass: case variant of TableName", "key3", "PutItem", `{"TableName":"TableB","tablename":"TableA","Item":{"id":{"S":"1"}}}`, 400, denyB,
			"IAM: AccessDenied dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/TableB for role A (function FA)", ""},
		{"case variant is dropped before forwarding", "key3", "PutItem", `{"tablename":"TableB","TableName":"TableA","Item":{"id":{"S":"1"}}}`, 200, `{}`, "",
			`{"TableName":"TableA","Item":{"id":{"S":"1"}}}`},
		{"number as TableName", "key3", "DeleteTable", `{"TableName":5}`, 400,
			`{"__type":"com.amazon.coral.service#SerializationException","Message":"NUMBER_VALUE cannot be converted to String"}`,
			"IAM: refused for function FA, as DynamoDB would: DeleteTable: TableName is a number (SerializationException: NUMBER_VALUE cannot be converted to String)", ""},
		{"another region's table", "key1", "PutItem", `{"TableName":"arn:aws:dynamodb:eu-west-1:123456789012:table/T"}`, 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`,
			"IAM: PutItem on arn:aws:dynamodb:eu-west-1:123456789012:table/T for function F: the local stack has no resource outside region us-east-1 and account 123456789012", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logbuf.Buffer
			p, err := NewProxy(backend.URL, region, account, &logs)
			if err != nil {
				t.Fatal(err)
			}
			p.Register("key1", Identity{Role: role, Function: "F"})
			p.Register("key2", Identity{Role: onlyCond, Function: "G"})
			p.Register("key3", Identity{Role: onlyA, Function: "FA"})
			mu.Lock()
			before := len(received)
			mu.Unlock()

			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			if tt.akid != "" {
				r.Header.Set("Authorization", authorization(tt.akid, region))
			}
			r.Header.Set("X-Amz-Target", targetPrefix+tt.op)
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			p.ServeHTTP(w, r)

			if w.Code != tt.status || w.Body.String() != tt.wantBody {
				t.Fatalf("answer %d %s\nwant %d %s", w.Code, w.Body.String(), tt.status, tt.wantBody)
			}
			mu.Lock()
			got := received[before:]
			gotBodies := bodies[before:]
			mu.Unlock()
			switch {
			case tt.forwarded == "" && len(got) != 0:
				t.Errorf("forwarded to the backend: %s", gotBodies[0])
			case tt.forwarded != "" && len(got) != 1:
				t.Errorf("forwarded %d requests, want 1", len(got))
			case tt.forwarded != "":
				h := got[0].Header
				if gotBodies[0] != tt.forwarded || h.Get("X-Amz-Target") != targetPrefix+tt.op || h.Get("Content-Type") != "application/x-amz-json-1.0" {
					t.Errorf("forwarded %s %s %s\nwant %s", h.Get("X-Amz-Target"), h.Get("Content-Type"), gotBodies[0], tt.forwarded)
				}
			}
			if tt.status == 400 {
				h := w.Header()
				if h.Get("Content-Type") != "application/x-amz-json-1.0" || len(h.Get("x-amzn-RequestId")) != 52 || h.Get("x-amz-crc32") == "" {
					t.Errorf("headers %v", h)
				}
			}
			if tt.wantLog == "" {
				if logs.String() != "" {
					t.Errorf("logged %q, want nothing", logs.String())
				}
			} else if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("logs do not say %q:\n%s", tt.wantLog, logs.String())
			}
		})
	}
}

// Two X-Amz-Target headers could be read differently by the proxy and the
// backend: the request is refused.
func TestProxyTwoTargets(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("forwarded: %v", r.Header)
	}))
	defer backend.Close()
	p, err := NewProxy(backend.URL, region, account, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Register("key1", Identity{Role: &Role{Name: "R", Policies: []Policy{mustPolicy(t, "P", allow("dynamodb:GetItem", "*"))}}, Function: "F"})
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"TableName":"T"}`))
	r.Header.Set("Authorization", authorization("key1", region))
	r.Header.Add("X-Amz-Target", targetPrefix+"GetItem")
	r.Header.Add("X-Amz-Target", targetPrefix+"DeleteTable")
	w := httptest.NewRecorder()
	p.ServeHTTP(w, r)
	if w.Code != 400 || w.Body.String() != `{"__type":"com.amazon.coral.service#UnknownOperationException"}` {
		t.Errorf("answer %d %s, want UnknownOperationException", w.Code, w.Body.String())
	}
}

func TestNewProxyErrors(t *testing.T) {
	for _, tt := range []struct{ backend, region, account string }{
		{"127.0.0.1:8000", region, account},
		{"ftp://x", region, account},
		{"http://127.0.0.1:8000", "", account},
		{"http://127.0.0.1:8000", region, ""},
	} {
		if _, err := NewProxy(tt.backend, tt.region, tt.account, nil); err == nil {
			t.Errorf("NewProxy(%q, %q, %q) accepted", tt.backend, tt.region, tt.account)
		}
	}
}
