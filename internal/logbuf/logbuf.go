// Package logbuf is a log that several goroutines write (a function's
// environments, the API front, the IAM proxy) while a check reads it.
package logbuf

import (
	"strings"
	"sync"
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
