// Package logbuf is a log that several goroutines write (a function's
// environments, the API front, the IAM proxy) while a check reads it.
package logbuf

import (
	"strings"
	"sync"
	"time"
)

// Buffer is a strings.Builder safe for concurrent use.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// WaitFor waits until the log holds want at least n times, for at most limit,
// and says how long that took and whether it came.
func (l *Buffer) WaitFor(want string, n int, limit time.Duration) (time.Duration, bool) {
	began := time.Now()
	for strings.Count(l.String(), want) < n {
		if time.Since(began) > limit {
			return time.Since(began), false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(began), true
}
