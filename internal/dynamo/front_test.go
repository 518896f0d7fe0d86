package dynamo

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestEmbeddedMalformedChunkedBody: a request whose chunked body breaks off gets
// DynamoDB's JSON error, not a 200 with an empty body.
func TestEmbeddedMalformedChunkedBody(t *testing.T) {
	b := startBackend(t, KindEmbedded)
	for _, op := range []string{"PutItem", "DescribeTable", "ListTables"} {
		t.Run(op, func(t *testing.T) {
			conn, err := net.DialTimeout("tcp", strings.TrimPrefix(b.Endpoint(), "http://"), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			req := "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n" +
				"X-Amz-Target: DynamoDB_20120810." + op + "\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"5\r\n{\"Tab\r\nzz\r\n" // the second chunk size is not hexadecimal
			if _, err := io.WriteString(conn, req); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			var v map[string]string
			if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(body, &v) != nil ||
				v["__type"] != typeSerialization || v["message"] == "" {
				t.Errorf("answer = %d %s, want 400 with __type %s and a message", resp.StatusCode, body, typeSerialization)
			}
			if resp.Header.Get("X-Amzn-Requestid") == "" {
				t.Error("no x-amzn-RequestId")
			}
		})
	}
}

// TestEnvelopeRecoversPanics: a panic below the envelope answers DynamoDB's 500
// InternalServerError in JSON, with a request id and a CRC32, instead of
// dropping the connection; FuzzEmbedded fails on that message.
func TestEnvelopeRecoversPanics(t *testing.T) {
	h := withEnvelope(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, &http.Request{Method: http.MethodPost, Header: http.Header{}})
	var v map[string]string
	if err := json.Unmarshal(rec.body.Bytes(), &v); err != nil || rec.status != http.StatusInternalServerError ||
		v["__type"] != typeDynamoDB+"InternalServerError" || !strings.Contains(v["message"], "the embedded DynamoDB failed: boom") {
		t.Errorf("answer = %d %s, want 500 InternalServerError naming the panic", rec.status, rec.body.Bytes())
	}
	if rec.header.Get("x-amzn-RequestId") == "" || rec.header.Get("x-amz-crc32") == "" {
		t.Errorf("headers = %v, want x-amzn-RequestId and x-amz-crc32", rec.header)
	}
}
