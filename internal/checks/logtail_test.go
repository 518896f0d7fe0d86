package checks

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestLogTail proves a failure's log tail keeps the line that says what
// panicked: under go test the stack of main has the test binary's frames
// too, and 15 lines of frames pushed out "panic: boom in main".
func TestLogTail(t *testing.T) {
	frames := func(n int) []string {
		var l []string
		for i := range n {
			l = append(l, fmt.Sprintf("\tframe%d.go:%d", i, i))
		}
		return l
	}
	report := []string{"INIT_REPORT Init Duration: 58.01 ms", "START", "END", "REPORT"}
	long := slices.Concat([]string{"building HelloFunction", "panic: boom in main", "", "goroutine 1 [running]:"}, frames(12), report)
	tests := []struct {
		name  string
		lines []string
		first string
		n     int
	}{
		{"short: all", frames(10), "\tframe0.go:0", 10},
		{"a panic before the last 15 lines", long, "panic: boom in main", len(long) - 1},
		{"no panic: the last 15", frames(30), "\tframe15.go:15", 15},
		{"a panic too far back: the last 15", slices.Concat([]string{"panic: old"}, frames(60)), "\tframe45.go:45", 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := logTail(tt.lines)
			if len(got) != tt.n || got[0] != tt.first {
				t.Errorf("logTail gave %d lines from %q; want %d from %q", len(got), got[0], tt.n, tt.first)
			}
		})
	}
}

// TestRecentLogsKeepsThePanic: the log tail of a failure under go test,
// where the stack of main also holds steptest.Main, TestMain and
// _testmain.go, still shows what panicked.
func TestRecentLogsKeepsThePanic(t *testing.T) {
	st := &state{}
	fmt.Fprint(&st.logs, `building HelloFunction from steps/05-put-then-scan
panic: boom in main

goroutine 1 [running]:
github.com/serverless-dva/sam-dynamodb-go/steps/05-put-then-scan.main()
	steps/05-put-then-scan/main.go:113 +0x25
github.com/serverless-dva/sam-dynamodb-go/internal/checks/steptest.Main(0x3bfae375e280, 0x9fcb08?)
	internal/checks/steptest/steptest.go:36 +0x92
github.com/serverless-dva/sam-dynamodb-go/steps/05-put-then-scan.TestMain(...)
	steps/05-put-then-scan/step_test.go:11
main.main()
	_testmain.go:48 +0xad
INIT_REPORT Init Duration: 58.01 ms	Phase: init	Status: error	Error Type: Runtime.ExitError
START RequestId: 651ddf9a Version: $LATEST
RequestId: 651ddf9a Error: Runtime exited with error: exit status 2
Runtime.ExitError
END RequestId: 651ddf9a
REPORT RequestId: 651ddf9a	Duration: 0.00 ms
GET /hello -> HelloFunction 502 (60.9 ms)
`)
	if got := st.recentLogs(); !strings.Contains(got, "panic: boom in main") {
		t.Errorf("the log tail lost the panic's message:%s", got)
	}
}
