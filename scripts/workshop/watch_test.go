package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestFileWatcherDebounces saves main.go several times in a burst, as an
// editor does, with a test file and an editor's swap file among them: the
// watcher must call back once, with main.go only; a later save is a second call.
func TestFileWatcherDebounces(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.go", "package main\n")
	w, err := newFileWatcher([]string{dir}, learnerFile(dir, []string{dir}))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var calls [][]string
	got := make(chan struct{}, 10)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.run(ctx, 200*time.Millisecond, func(files []string) {
			mu.Lock()
			calls = append(calls, relAll(dir, files))
			mu.Unlock()
			got <- struct{}{}
		})
	}()
	defer func() { cancel(); <-done }()

	for i := range 5 {
		write("main.go", "package main\n// save "+string(rune('0'+i))+"\n")
		write("step_test.go", "package main\n")
		write(".main.go.swp", "x")
		time.Sleep(20 * time.Millisecond)
	}
	wait := func(n int) {
		t.Helper()
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			t.Fatalf("no callback %d within 10 s", n)
		}
	}
	wait(1)
	// Another burst would have come within the quiet time; wait longer than it.
	time.Sleep(600 * time.Millisecond)
	mu.Lock()
	if len(calls) != 1 || !slices.Equal(calls[0], []string{"main.go"}) {
		t.Fatalf("callbacks after one burst = %q, want one with [main.go]", calls)
	}
	mu.Unlock()

	write("template.yaml", "Resources: {}\n")
	write("util.go", "package main\n")
	wait(2)
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 || !slices.Equal(calls[1], []string{"template.yaml", "util.go"}) {
		t.Fatalf("callbacks = %q, want a second one with [template.yaml util.go]", calls)
	}
}
