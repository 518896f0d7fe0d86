package dynamo

import (
	"context"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestEmbeddedSendsCRC32: the Go SDK verifies x-amz-crc32 on every answer and
// logs a warning inside the learner's function when it does not match.
func TestEmbeddedSendsCRC32(t *testing.T) {
	b, err := Start(context.Background(), Options{Kind: KindEmbedded})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, target := range []string{"ListTables", "DescribeTable", "NoSuchOperation"} {
		req, err := http.NewRequest("POST", b.Endpoint(), strings.NewReader(`{"TableName":"missing"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
		if got := resp.Header.Get("x-amz-crc32"); got != want {
			t.Errorf("%s: x-amz-crc32 = %q, want %q (CRC32 of %s)", target, got, want, body)
		}
	}
}
