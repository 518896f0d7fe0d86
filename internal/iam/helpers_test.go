package iam

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

// authorization is the Authorization header of a request signed with akid
// for DynamoDB in region. The proxy reads only the credential scope, so the
// signature is none.
func authorization(akid, region string) string {
	return "AWS4-HMAC-SHA256 Credential=" + akid + "/20260101/" + region + "/dynamodb/aws4_request, SignedHeaders=host, Signature=00"
}

// startProxy starts a proxy in front of endpoint for a stack in region of the
// test account, and serves it as the stack does (connections counted) until
// the test ends.
func startProxy(t *testing.T, endpoint, region string, logs io.Writer) (*Proxy, *httptest.Server) {
	t.Helper()
	p, err := NewProxy(endpoint, region, account, logs)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewUnstartedServer(p)
	front.Config.ConnContext = p.ConnContext
	front.Start()
	t.Cleanup(front.Close)
	return p, front
}

// startPerKeyBackend serves a perKeyBackend until the test ends.
func startPerKeyBackend(t *testing.T) *httptest.Server {
	backend := httptest.NewServer(&perKeyBackend{servers: map[string]http.Handler{}})
	t.Cleanup(backend.Close)
	return backend
}

// startBackend starts the backend WORKSHOP_DYNAMODB selects (embedded
// minidyn, or DynamoDB Local) until the test ends, and returns it with a
// client under the stack's access key.
func startBackend(t *testing.T, stackKey string) (*dynamo.Backend, *dynamodb.Client) {
	t.Helper()
	b, err := dynamo.Start(t.Context(), dynamo.Options{})
	tool.SkipMissing(t, err)
	t.Cleanup(func() { b.Close() })
	db, err := b.Client(t.Context(), stackKey, region)
	if err != nil {
		t.Fatal(err)
	}
	return b, db
}

// send posts a hand-made DynamoDB request (op, JSON body) signed with akid
// for the test region, as the iam-bypass case's function does; newConn sends
// it on a connection of its own. It returns the answer's status and body.
func send(t *testing.T, endpoint, akid, op, body string, newConn bool) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Close = newConn
	req.Header.Set("X-Amz-Target", targetPrefix+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("Authorization", authorization(akid, region))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
