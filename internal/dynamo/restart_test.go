package dynamo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
)

// fakeLocalEnv makes the test binary a stand-in for DynamoDB Local: it answers
// every request as DynamoDB answers an unknown table, on 127.0.0.1 at the port of
// its -port argument, for a minute at most.
const fakeLocalEnv = "DYNAMO_TEST_FAKE_LOCAL"

func runFakeLocal() {
	port := ""
	for i, a := range os.Args {
		if a == "-port" && i+1 < len(os.Args) {
			port = os.Args[i+1]
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake DynamoDB Local:", err)
		os.Exit(3)
	}
	fmt.Println("fake DynamoDB Local on", ln.Addr())
	go func() {
		time.Sleep(time.Minute)
		os.Exit(0)
	}()
	_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"fake"}`)
	}))
}

// TestLocalRestarts kills a (fake) DynamoDB Local again and again under a
// Backend: each exit is told within a second with its cause, the process comes
// back on the same endpoint and the OnRestart hooks run, until it exits too
// often; then the next Start launches a new one.
func TestLocalRestarts(t *testing.T) {
	shared.mu.Lock()
	busy := shared.servers[true] != nil
	shared.mu.Unlock()
	if busy {
		t.Fatal("a -sharedDb DynamoDB Local is running: this test needs its own")
	}
	root, bin := fakeRepo(t, "")
	scripts := map[string]string{
		"javac": `: >"$6/LoopbackLauncher.class"`, // javac --release 17 -cp JAR -d DIR SRC
		"java":  fmt.Sprintf("%s=1 exec %q \"$@\"", fakeLocalEnv, os.Args[0]),
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())

	var logs logbuf.Buffer
	b, err := Start(t.Context(), Options{Kind: KindLocal, SharedDB: true, RepoRoot: root, Logs: &logs})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var hooks atomic.Int32
	b.OnRestart(func(ctx context.Context) error { hooks.Add(1); return nil })
	removed := b.OnRestart(func(ctx context.Context) error { t.Error("a removed hook ran"); return nil })
	removed()

	waitLog := func(want string, n int, limit time.Duration) {
		t.Helper()
		if _, ok := logs.WaitFor(want, n, limit); !ok {
			t.Fatalf("the logs do not say %q %d times after %s:\n%s", want, n, limit, logs.String())
		}
	}
	for i := 1; i <= maxQuickExits; i++ {
		pid := b.PID()
		proc, err := os.FindProcess(pid)
		if err != nil {
			t.Fatal(err)
		}
		if err := proc.Kill(); err != nil {
			t.Fatal(err)
		}
		waitLog(fmt.Sprintf("DynamoDB Local exited (pid %d, killed by SIGKILL", pid), 1, time.Second)
		if !strings.Contains(b.Exited(), fmt.Sprint(pid)) {
			t.Errorf("Exited() = %q, want pid %d", b.Exited(), pid)
		}
		if i == maxQuickExits {
			waitLog("could not be restarted: it exited 3 times within 1m0s", 1, time.Second)
			break
		}
		waitLog("DynamoDB Local restarted on "+b.Endpoint(), i, 30*time.Second)
		for hooks.Load() < int32(i) {
			time.Sleep(10 * time.Millisecond) // the hooks run right after the line
		}
		if b.PID() == pid {
			t.Fatalf("PID() = %d after restart %d, the killed one's", pid, i)
		}
		if err := probe(t.Context(), b.Endpoint(), 5*time.Second); err != nil {
			t.Fatalf("after restart %d: %v", i, err)
		}
	}
	if got := hooks.Load(); got != maxQuickExits-1 {
		t.Errorf("the OnRestart hook ran %d times, want %d", got, maxQuickExits-1)
	}

	again, err := Start(t.Context(), Options{Kind: KindLocal, SharedDB: true, RepoRoot: root, Logs: &logs})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.PID() == b.PID() {
		t.Errorf("Start after the restarts gave up joined the dead DynamoDB Local")
	}
	if err := probe(t.Context(), again.Endpoint(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("logs:\n%s", logs.String())
}
