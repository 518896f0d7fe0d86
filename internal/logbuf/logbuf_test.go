package logbuf

import (
	"fmt"
	"testing"
	"time"
)

func TestWaitFor(t *testing.T) {
	var l Buffer
	go func() {
		for i := range 3 {
			time.Sleep(5 * time.Millisecond)
			fmt.Fprintf(&l, "line %d: ready\n", i)
		}
	}()
	if _, ok := l.WaitFor("ready", 3, time.Minute); !ok {
		t.Fatalf("WaitFor(ready, 3) gave up; log:\n%s", l.String())
	}
	if took, ok := l.WaitFor("ready", 4, 20*time.Millisecond); ok || took < 20*time.Millisecond {
		t.Errorf("WaitFor(ready, 4) = %v, %v: want false after the limit", took, ok)
	}
	if took, ok := l.WaitFor("line 0", 1, 0); !ok || took > time.Second {
		t.Errorf("WaitFor of what is there = %v, %v: want true at once", took, ok)
	}
}
