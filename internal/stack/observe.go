package stack

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/lambdart"
)

// Undelivered starts each function log line that CloudWatch Logs would not
// get, because the execution role cannot write it there: the local console
// still shows the line, marked; the checks do not count it as logged.
const Undelivered = "[not delivered to CloudWatch Logs] "

// undelivered marks every line written through it.
type undelivered struct{ w io.Writer }

func (u undelivered) Write(p []byte) (int, error) {
	var b strings.Builder
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if line != "" {
			b.WriteString(Undelivered + line)
		}
	}
	if _, err := io.WriteString(u.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// functionLogs is where a function's log lines go: the stack's log, marked
// when its role lacks the CloudWatch Logs actions (then a line says so first).
func (s *Stack) functionLogs(id string, logs io.Writer) io.Writer {
	role, ok := s.Roles[id]
	if !ok || s.IAM == nil {
		return logs
	}
	missing := role.MissingLogActions(s.Env.Region, s.Env.AccountID, s.Env.Refs[id])
	if len(missing) == 0 {
		return logs
	}
	fmt.Fprintf(logs, "CloudWatch Logs: role %s of %s lacks %s (AWSLambdaBasicExecutionRole grants them): on AWS its log lines reach no log group; here they show marked %q\n",
		role.Name, id, strings.Join(missing, ", "), strings.TrimSpace(Undelivered))
	return undelivered{logs}
}

// Reuse is how a function's warm invocations used connections to DynamoDB.
type Reuse struct {
	Warm int // warm invocations that called DynamoDB
	// Dialers are the request ids of the warm invocations that opened a new
	// connection and used it. A client reused across invocations does so
	// now and then too: Go's HTTP client dials when its idle connection is
	// not back in the pool yet. A client made per invocation does it every time.
	Dialers []string
}

// reuse tallies Reuse by function logical id.
type reuse struct {
	mu sync.Mutex
	by map[string]*Reuse
}

// Reuse returns what the function's warm invocations did so far.
func (s *Stack) Reuse(id string) Reuse {
	s.reuse.mu.Lock()
	defer s.reuse.mu.Unlock()
	if r := s.reuse.by[id]; r != nil {
		return Reuse{Warm: r.Warm, Dialers: append([]string(nil), r.Dialers...)}
	}
	return Reuse{}
}

// Invoke invokes the function of logical id, as API Gateway and the checks do.
// It notes whether a warm invocation opened a new connection to DynamoDB: a
// client made once per execution environment reuses its own. Invocations in
// parallel may be credited each other's connections.
func (s *Stack) Invoke(ctx context.Context, id string, payload []byte) (*lambdart.Result, error) {
	if s.IAM == nil {
		return s.invokeCurrent(ctx, id, payload)
	}
	name := s.Env.Refs[id]
	before, start := s.IAM.Traffic(name), time.Now()
	r, err := s.invokeCurrent(ctx, id, payload)
	if err != nil || r.InitDuration > 0 {
		return r, err
	}
	after := s.IAM.Traffic(name)
	if after.Calls == before.Calls {
		return r, nil
	}
	s.reuse.mu.Lock()
	defer s.reuse.mu.Unlock()
	if s.reuse.by == nil {
		s.reuse.by = map[string]*Reuse{}
	}
	t := s.reuse.by[id]
	if t == nil {
		t = &Reuse{}
		s.reuse.by[id] = t
	}
	t.Warm++
	if after.Conns > before.Conns && !after.Newest.Before(start) {
		t.Dialers = append(t.Dialers, r.RequestID)
	}
	return r, nil
}

// invokeCurrent invokes the function's current version: one swapped out
// (Swap) as the request came in hands it to the new version.
func (s *Stack) invokeCurrent(ctx context.Context, id string, payload []byte) (*lambdart.Result, error) {
	for {
		f, ok := s.Function(id)
		if !ok {
			return nil, fmt.Errorf("the stack has no function %s", id)
		}
		r, err := f.Invoke(ctx, payload)
		if err != nil {
			if g, _ := s.Function(id); g != f {
				continue
			}
			return nil, err
		}
		return r, nil
	}
}
