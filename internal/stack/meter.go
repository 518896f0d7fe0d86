package stack

import (
	"sync"

	"github.com/serverless-dva/sam-dynamodb-go/internal/iam"
)

// Invocation is what one invocation cost, as its COST line shows it.
type Invocation struct {
	RequestID string
	Cost      iam.Cost
}

// costs keeps the last invocation's cost of each function.
type costs struct {
	mu   sync.Mutex
	last map[string]Invocation // by function logical id
}

// LastCost is the cost of the function's invocation that ended last (ok is
// false before any, or without IAM, which is what meters the calls).
func (s *Stack) LastCost(functionID string) (Invocation, bool) {
	s.costs.mu.Lock()
	defer s.costs.mu.Unlock()
	inv, ok := s.costs.last[functionID]
	return inv, ok
}

// meter gives each execution environment of a function its own access key,
// which the IAM proxy maps to the function's role as it does the function's
// key: the proxy's cost for that key, taken when an invocation ends, is that
// invocation's, since an environment handles one invocation at a time.
type meter struct {
	s    *Stack
	fnID string
	id   iam.Identity
}

func (m meter) Vars() map[string]string {
	key := NewAccessKey()
	m.s.IAM.Register(key, m.id)
	return map[string]string{"AWS_ACCESS_KEY_ID": key}
}

func (m meter) Line(requestID string, vars map[string]string) string {
	c := m.s.IAM.TakeCost(vars["AWS_ACCESS_KEY_ID"])
	m.s.costs.mu.Lock()
	if m.s.costs.last == nil {
		m.s.costs.last = map[string]Invocation{}
	}
	m.s.costs.last[m.fnID] = Invocation{RequestID: requestID, Cost: c}
	m.s.costs.mu.Unlock()
	return "COST RequestId: " + requestID + "\t" + c.String()
}
