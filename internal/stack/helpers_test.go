package stack

import (
	"path/filepath"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// solution is the directory of a step's solution.
func solution(t *testing.T, step string) string {
	return filepath.Join(repotest.Root(t), "solutions", step)
}

// deployed deploys opts and stops the stack when the test ends, unless the
// test has stopped it itself. The logs go to opts.Logs, a *logbuf.Buffer
// (one the test shares with its backend) or nil for a new one; deployed
// returns it for the test's messages. Cleanups run last first: a backend the
// test closes with t.Cleanup before calling deployed outlives the stack.
func deployed(t *testing.T, opts Options) (*Stack, *logbuf.Buffer) {
	t.Helper()
	logs, ok := opts.Logs.(*logbuf.Buffer)
	if !ok {
		logs = &logbuf.Buffer{}
		opts.Logs = logs
	}
	s, err := Deploy(t.Context(), opts)
	if err != nil {
		t.Fatalf("deploying %s: %v\nlogs:\n%s", opts.Dir, err, logs.String())
	}
	t.Cleanup(func() {
		s.mu.Lock()
		stopped := s.stopped
		s.mu.Unlock()
		if !stopped {
			s.Close()
		}
	})
	return s, logs
}
