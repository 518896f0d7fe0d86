package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
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
		w.run(ctx, 200*time.Millisecond, nil, func(files []string) {
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

// TestReloader applies saves to a running stack as `workshop run` does: a
// code edit is rebuilt and swapped (the next request runs it), a compile
// error keeps the last good build and says where, and a template edit
// beyond code says how to deploy it.
func TestReloader(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a function")
	}
	root := repotest.Root(t)
	dir := repotest.ScratchDir(t, "reload-")
	files := map[string]string{}
	for _, name := range []string{"main.go", "template.yaml"} {
		data, err := os.ReadFile(filepath.Join(root, "solutions", "01-hello-api", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(data)
	}
	edit := func(name, old, new string) string {
		t.Helper()
		if !strings.Contains(files[name], old) {
			t.Fatalf("%s has no %q", name, old)
		}
		files[name] = strings.Replace(files[name], old, new, 1)
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	edit("main.go", "", "")
	edit("template.yaml", "", "")
	var logs logbuf.Buffer
	s, err := stack.Deploy(t.Context(), stack.Options{Dir: dir, Logs: &logs})
	if err != nil {
		t.Fatal(err)
	}
	l := newLive(s, io.Discard, nil)
	defer func() { l.Stack().Close() }()
	tgt, err := checks.Locate(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	r := &reloader{t: tgt, live: l, out: &out}
	hello := func() string {
		rec := httptest.NewRecorder()
		l.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hello", nil))
		return rec.Body.String()
	}

	r.changed(t.Context(), []string{edit("main.go", "Hello from Lambda!", "Hello again!")})
	if !regexp.MustCompile(`main.go changed: rebuilt HelloFunction in \d+\.\d s; the next request is a cold start of the new code`).MatchString(out.String()) {
		t.Errorf("after a code edit, the output is:\n%s", out.String())
	}
	if got := hello(); !strings.Contains(got, "Hello again!") {
		t.Errorf("after the swap GET /hello = %s, want the new code's answer", got)
	}

	out.Reset()
	r.changed(t.Context(), []string{edit("main.go", "lambda.Start(handler)", "lambda.Start(handler2)")})
	rel := strings.TrimPrefix(dir, root+string(filepath.Separator))
	for _, want := range []string{"main.go changed: it does not compile, so HelloFunction keeps serving the last good build", rel + "/main.go:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("after a compile error, the output lacks %q:\n%s", want, out.String())
		}
	}
	if got := hello(); !strings.Contains(got, "Hello again!") {
		t.Errorf("after a compile error GET /hello = %s, want the last good build's answer", got)
	}

	out.Reset()
	// A template edit is deployed, as sam deploy would, with the code as it
	// is now (still not compiling: the redeploy waits for it).
	r.changed(t.Context(), []string{edit("template.yaml", "Timeout: 5", "Timeout: 6")})
	for _, want := range []string{"template.yaml changed (resource HelloFunction): deploying the template again", "the template was not deployed", rel + "/main.go:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("after a template edit with code that does not compile, the output lacks %q:\n%s", want, out.String())
		}
	}
	if l.Stack() != s {
		t.Error("a failed redeploy replaced the stack")
	}
	out.Reset()
	r.changed(t.Context(), []string{edit("main.go", "lambda.Start(handler2)", "lambda.Start(handler)")})
	if !regexp.MustCompile(`deployed in \d+\.\d s: the next request runs the new template and code`).MatchString(out.String()) {
		t.Errorf("after the code compiles again, the pending template is not deployed:\n%s", out.String())
	}
	if l.Stack() == s {
		t.Error("the stack was not replaced")
	}
	if got := l.Stack().Functions["HelloFunction"]; got == nil {
		t.Fatal("the new stack has no HelloFunction")
	}
	if got := hello(); !strings.Contains(got, "Hello again!") {
		t.Errorf("after the redeploy GET /hello = %s, want the code's answer", got)
	}
	out.Reset()
	r.changed(t.Context(), []string{edit("template.yaml", "Timeout: 6", "Timeout: 6 # longer")})
	if !strings.Contains(out.String(), "nothing the local stack runs changed") {
		t.Errorf("after a comment edit, the output is:\n%s", out.String())
	}
}

// TestReloaderChecks: with the checks, a code edit shows the swap's line and
// then the verdict of a run of the checks that began with it; a compile error
// shows the compiler's message once (the swap's) and no verdict.
func TestReloaderChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a function and the checks of step 01")
	}
	root := repotest.Root(t)
	dir := filepath.Join(repotest.ScratchDir(t, "watch-"), "steps", "01-hello-api")
	files := map[string]string{}
	for _, name := range []string{"main.go", "template.yaml"} {
		data, err := os.ReadFile(filepath.Join(root, "solutions", "01-hello-api", name))
		if err != nil {
			t.Fatal(err)
		}
		files["steps/01-hello-api/"+name] = string(data)
	}
	repotest.WriteFiles(t, filepath.Dir(filepath.Dir(dir)), files)
	main := filepath.Join(dir, "main.go")
	edit := func(old, new string) []string {
		t.Helper()
		data, err := os.ReadFile(main)
		if err != nil || !strings.Contains(string(data), old) {
			t.Fatalf("main.go has no %q (%v)", old, err)
		}
		if err := os.WriteFile(main, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		return []string{main}
	}
	s, err := stack.Deploy(t.Context(), stack.Options{Dir: dir, Logs: &logbuf.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	l := newLive(s, io.Discard, nil)
	defer func() { l.Stack().Close() }()
	tgt, err := checks.Resolve(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	r := &reloader{t: tgt, live: l, out: &out, check: true}

	r.changed(t.Context(), edit("Hello from Lambda!", "Hello again!"))
	order := []string{"main.go changed: rebuilding HelloFunction", "main.go changed: rebuilt HelloFunction", "checking 01-hello-api ...", "checks pass", "checked in ", "progress: 01 ✓"}
	at := -1
	for _, want := range order {
		i := strings.Index(out.String(), want)
		if i <= at {
			t.Fatalf("after a code edit, %q is missing or out of order %q:\n%s", want, order, out.String())
		}
		at = i
	}
	if !regexp.MustCompile(`all [1-9]\d* checks pass`).MatchString(out.String()) {
		t.Errorf("after a code edit, no verdict of the step's checks:\n%s", out.String())
	}

	// A save while the checks run: their verdict is on the code before it.
	out.Reset()
	c := r.startChecks(t.Context())
	<-c.started
	edit("Hello again!", "Hello once more!")
	r.show(t.Context(), c)
	if got := out.String(); !strings.Contains(got, "a file changed while these checks ran") || strings.Contains(got, "checks pass") {
		t.Errorf("after a save during the checks, want no verdict and a word that they run again:\n%s", got)
	}

	out.Reset()
	r.changed(t.Context(), edit("lambda.Start(handler)", "lambda.Start(handler2)"))
	r.checking.Lock() // the dropped run is over
	defer r.checking.Unlock()
	got := out.String()
	rel := filepath.ToSlash(strings.TrimPrefix(dir, root+string(filepath.Separator)))
	if !strings.Contains(got, "it does not compile") || strings.Count(got, rel+"/main.go:") != 1 || strings.Contains(got, "checking ") {
		t.Errorf("after a compile error, want the compiler's message once and no verdict:\n%s", got)
	}
	if !strings.Contains(got, "hint: nothing named handler2 is declared") {
		t.Errorf("after a compile error, want the compiler hint for it:\n%s", got)
	}
}

// TestFileWatcherSince finds a learner file saved after a moment (while the
// stack was starting), and not the files saved before or not the learner's.
func TestFileWatcherSince(t *testing.T) {
	dir := t.TempDir()
	write := func(name string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("template.yaml")
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "template.yaml"), old, old); err != nil {
		t.Fatal(err)
	}
	mark := time.Now().Add(-time.Minute)
	write("main.go")
	write("notes.txt")
	w, err := newFileWatcher([]string{dir, dir}, learnerFile(dir, []string{dir}))
	if err != nil {
		t.Fatal(err)
	}
	defer w.w.Close()
	if got := relAll(dir, w.since(mark)); !slices.Equal(got, []string{"main.go"}) {
		t.Errorf("since = %q, want [main.go]", got)
	}
}

// TestTookLine names the two slowest checks, slowest first: what the wait
// for a verdict is made of.
func TestTookLine(t *testing.T) {
	tests := []struct {
		results []checks.Result
		want    string
	}{
		{[]checks.Result{{Name: "lint", Took: 100 * time.Millisecond}, {Name: "errors", Took: 2100 * time.Millisecond}, {Name: "build", Took: 1800 * time.Millisecond}},
			"checked in 2.3 s (slowest: errors 2.1 s, build 1.8 s)"},
		{[]checks.Result{{Name: "lint", Took: 100 * time.Millisecond}}, "checked in 2.3 s (slowest: lint 0.1 s)"},
	}
	for _, tt := range tests {
		if got := tookLine(2300*time.Millisecond, tt.results); got != tt.want {
			t.Errorf("tookLine = %q, want %q", got, tt.want)
		}
	}
}

// waitForSave returns at a save of a learner file, not of another file.
func TestWaitForSave(t *testing.T) {
	dir := t.TempDir()
	done := make(chan error, 1)
	go func() { done <- waitForSave(t.Context(), dir) }()
	time.Sleep(300 * time.Millisecond) // the watch begins
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("returned (%v) at a save of notes.txt", err)
	case <-time.After(time.Second):
	}
	// Saved again until it returns: on a busy machine the watch may begin late.
	deadline := time.After(30 * time.Second)
	for {
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return
		case <-deadline:
			t.Fatal("no return after saves of main.go")
		case <-time.After(500 * time.Millisecond):
		}
	}
}
