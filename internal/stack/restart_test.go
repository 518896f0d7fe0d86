package stack

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

// TestDynamoDBLocalRestart kills DynamoDB Local under a running stack (step 05's
// solution: GET /hello puts an item, then scans): the logs must say so within a
// second, and once it has restarted the table is there again, empty, and the
// API works.
func TestDynamoDBLocalRestart(t *testing.T) {
	if dynamo.KindFromEnv() != dynamo.KindLocal && !tool.Strict() {
		t.Skip("DynamoDB Local tests run with WORKSHOP_DYNAMODB=local (or WORKSHOP_STRICT=1, CI=true)")
	}
	ctx := t.Context()
	logs := &logbuf.Buffer{} // the backend's and the stack's
	b, err := dynamo.Start(ctx, dynamo.Options{Kind: dynamo.KindLocal, Logs: logs})
	tool.SkipMissing(t, err)
	t.Cleanup(func() { b.Close() })
	s, _ := deployed(t, Options{Dir: solution(t, step05), Backend: b, Logs: logs})
	table, err := s.TableName("Table")
	if err != nil {
		t.Fatal(err)
	}
	hello := func(when string) {
		t.Helper()
		rec := get(s, "/hello")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: GET /hello answered %d %s\nlogs:\n%s", when, rec.Code, rec.Body, logs.String())
		}
	}
	items := func(want int, when string) {
		t.Helper()
		got, err := dynamo.ScanAll(ctx, s.DB, table)
		if err != nil {
			t.Fatalf("%s: scanning %s: %v\nlogs:\n%s", when, table, err, logs.String())
		}
		if len(got) != want {
			t.Fatalf("%s: %s holds %d items, want %d", when, table, len(got), want)
		}
	}
	// waitLog waits until the logs say want, for at most limit.
	waitLog := func(want string, limit time.Duration) time.Duration {
		t.Helper()
		took, ok := logs.WaitFor(want, 1, limit)
		if !ok {
			t.Fatalf("the logs do not say %q after %s:\n%s", want, limit, logs.String())
		}
		return took
	}

	hello("before the kill")
	items(1, "before the kill")
	if why := b.Exited(); why != "" {
		t.Errorf("Exited() = %q before the kill, want \"\"", why)
	}
	pid := b.PID()
	proc, err := os.FindProcess(pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Kill(); err != nil {
		t.Fatal(err)
	}
	took := waitLog(fmt.Sprintf("DynamoDB Local exited (pid %d, killed by SIGKILL", pid), time.Second)
	t.Logf("the exit was reported %s after the kill", took.Round(time.Millisecond))
	if why := b.Exited(); !strings.Contains(why, "SIGKILL") {
		t.Errorf("Exited() = %q, want the signal", why)
	}
	waitLog("every table and item it held is gone", time.Second)

	// Restarting takes seconds (minutes on a busy machine).
	waitLog("the stack's tables are back, empty", 3*time.Minute)
	if b.PID() == pid {
		t.Errorf("PID() = %d after the restart, the killed process's", pid)
	}
	items(0, "after the restart")
	hello("after the restart")
	items(1, "after the restart and a GET /hello")
	t.Logf("logs:\n%s", logs.String())
}
