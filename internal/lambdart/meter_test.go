package lambdart

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// countingMeter gives each environment a numbered key and writes it back.
type countingMeter struct {
	mu sync.Mutex
	n  int
}

func (m *countingMeter) Vars() map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	return map[string]string{"AWS_ACCESS_KEY_ID": fmt.Sprintf("KEY%d", m.n)}
}

func (m *countingMeter) Line(id string, vars map[string]string) string {
	return "COST RequestId: " + id + "\tkey " + vars["AWS_ACCESS_KEY_ID"]
}

// The meter's line comes right after REPORT, for the environment that ran
// the invocation, whose own variables the process sees.
func TestMeterLine(t *testing.T) {
	f := start(t, Config{Meter: &countingMeter{}, Env: map[string]string{"AWS_ACCESS_KEY_ID": "FUNCTIONKEY"}})
	for range 2 { // cold, then warm: the same environment
		res := invoke(t, f, `{"mode":"env"}`)
		if got := decode(t, res).Env["AWS_ACCESS_KEY_ID"]; got != "KEY1" {
			t.Errorf("the process sees AWS_ACCESS_KEY_ID=%s, want its environment's KEY1", got)
		}
		lines := strings.Split(strings.TrimSpace(res.Log), "\n")
		i := len(lines) - 1
		if !strings.HasPrefix(lines[i-1], "REPORT RequestId: "+res.RequestID) || lines[i] != "COST RequestId: "+res.RequestID+"\tkey KEY1" {
			t.Errorf("log does not end with REPORT then the COST line:\n%s", res.Log)
		}
	}
}

// A request payload over 6 MB never reaches the function, as in Lambda.
func TestRequestTooLarge(t *testing.T) {
	f := start(t, Config{})
	big := `{"pad":"` + strings.Repeat("x", maxRequest) + `"}`
	_, err := f.Invoke(context.Background(), []byte(big))
	var tooLarge *RequestTooLargeError
	if !errors.As(err, &tooLarge) || !strings.Contains(err.Error(), "RequestEntityTooLargeException") {
		t.Fatalf("Invoke of %d bytes: %v, want RequestEntityTooLargeException", len(big), err)
	}
	fits := `{"pad":"` + strings.Repeat("x", maxRequest-len(`{"pad":""}`)) + `"}`
	if _, err := f.Invoke(context.Background(), []byte(fits)); err != nil {
		t.Fatalf("Invoke of exactly %d bytes: %v", len(fits), err)
	}
}
