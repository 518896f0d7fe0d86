package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// live is the stack `workshop run` serves. A template change deploys a new
// stack in its place, as `sam deploy` updates a stack: requests go to the new
// one as soon as it runs, while the old one finishes those it has.
type live struct {
	cur    atomic.Pointer[stack.Stack]
	mu     sync.Mutex // one redeploy at a time
	out    io.Writer
	routes func(*stack.Stack) // prints what the new stack serves
}

func newLive(s *stack.Stack, out io.Writer, routes func(*stack.Stack)) *live {
	l := &live{out: out, routes: routes}
	l.cur.Store(s)
	return l
}

// Stack is the stack serving now.
func (l *live) Stack() *stack.Stack { return l.cur.Load() }

func (l *live) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.cur.Load().API.ServeHTTP(w, r)
}

// redeploy deploys the template as it is now; on an error the stack serving
// stays as it was.
func (l *live) redeploy(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.cur.Load()
	n, err := old.Redeploy(ctx)
	if err != nil {
		return err
	}
	l.cur.Store(n)
	if l.routes != nil {
		l.routes(n)
	}
	// The old stack's invocations in flight finish, each within its timeout.
	if err := old.Shutdown(ctx); err != nil {
		fmt.Fprintf(l.out, "stopping the previous deployment: %v\n", err)
	}
	// Only now, as CloudFormation's cleanup does: the tables it replaced or dropped.
	if err := n.Cleanup(ctx, l.out); err != nil {
		fmt.Fprintf(l.out, "cleaning up the previous deployment: %v\n", err)
	}
	return nil
}
