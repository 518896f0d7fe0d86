package lambdart

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
	"github.com/serverless-dva/sam-dynamodb-go/internal/proc"
)

// bootstrap is testdata/fn built for this machine.
var bootstrap string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lambdart-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bootstrap = filepath.Join(dir, proc.ExeName("bootstrap", runtime.GOOS))
	out, err := exec.Command("go", "build", "-o", bootstrap, "./testdata/fn").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building testdata/fn: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func start(t *testing.T, cfg Config) *Function {
	t.Helper()
	cfg.Bootstrap = bootstrap
	if cfg.Name == "" {
		cfg.Name = "fn-test"
	}
	f, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func invoke(t *testing.T, f *Function, event string) *Result {
	t.Helper()
	res, err := f.Invoke(context.Background(), []byte(event))
	if err != nil {
		t.Fatalf("Invoke(%s): %v", event, err)
	}
	return res
}

// invoked is the outcome of an Invoke run in another goroutine. Only the test
// goroutine may call t.Fatal, so other goroutines send what they got.
type invoked struct {
	res *Result
	err error
}

// invokeAsync invokes in a new goroutine and sends the outcome.
func invokeAsync(ctx context.Context, f *Function, event string) <-chan invoked {
	ch := make(chan invoked, 1)
	go func() {
		res, err := f.Invoke(ctx, []byte(event))
		ch <- invoked{res, err}
	}()
	return ch
}

// answerLimit bounds every wait for an invocation, so a lost answer fails the
// test instead of hanging it until go test's timeout. It is far above what any
// answer needs, even on a loaded machine: it only decides when to give up.
const answerLimit = 2 * time.Minute

// receive waits for a value from ch, at most answerLimit.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(answerLimit):
		t.Fatalf("%s: no answer after %v", what, answerLimit)
		var zero T
		return zero
	}
}

// result receives an invocation's outcome and fails the test on an error.
func result(t *testing.T, ch <-chan invoked, what string) *Result {
	t.Helper()
	got := receive(t, ch, what)
	if got.err != nil {
		t.Fatalf("%s: %v", what, got.err)
	}
	return got.res
}

type reply struct {
	Text     string            `json:"text"`
	PID      int               `json:"pid"`
	Env      map[string]string `json:"env"`
	Cwd      string            `json:"cwd"`
	ARN      string            `json:"arn"`
	Request  string            `json:"request"`
	Deadline int64             `json:"deadline"`
}

func decode(t *testing.T, res *Result) reply {
	t.Helper()
	if res.FunctionError != "" {
		t.Fatalf("FunctionError %q, payload %s\nlog:\n%s", res.FunctionError, res.Payload, res.Log)
	}
	var r reply
	if err := json.Unmarshal(res.Payload, &r); err != nil {
		t.Fatalf("payload %s: %v", res.Payload, err)
	}
	return r
}

type lambdaError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

func decodeError(t *testing.T, res *Result) lambdaError {
	t.Helper()
	if res.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError = %q, want Unhandled; payload %s", res.FunctionError, res.Payload)
	}
	var e lambdaError
	if err := json.Unmarshal(res.Payload, &e); err != nil {
		t.Fatalf("error payload %s: %v", res.Payload, err)
	}
	return e
}

func TestInvokeOutcomes(t *testing.T) {
	tests := []struct {
		name     string
		timeout  time.Duration
		event    string
		wantType string // "" for success
		wantMsg  string // %s is the request id
		wantLog  []string
		wantWarm bool // the next invocation reuses the process
	}{
		{name: "success", event: `{"mode":"echo","text":"hi"}`, wantWarm: true},
		{name: "handler error", event: `{"mode":"error"}`, wantType: "errorString", wantMsg: "bad input",
			wantLog: []string{`{"errorMessage":"bad input","errorType":"errorString"}`}, wantWarm: true},
		{name: "panic", event: `{"mode":"panic"}`, wantType: "string", wantMsg: "boom",
			wantLog: []string{"RequestId: %s Error: Runtime exited with error: exit status 1\nRuntime.ExitError\nEND RequestId: %s"}},
		{name: "os.Exit", event: `{"mode":"exit","n":3}`, wantType: "Runtime.ExitError",
			wantMsg: "RequestId: %s Error: Runtime exited with error: exit status 3",
			wantLog: []string{"exiting\nRequestId: %s Error: Runtime exited with error: exit status 3\nRuntime.ExitError\n"}},
		// The echo invocations before and after must finish within the
		// timeout too: 2 s holds on a loaded machine, 300 ms could be missed.
		{name: "timeout", timeout: 2 * time.Second, event: `{"mode":"sleep"}`, wantType: "Sandbox.Timedout",
			wantMsg: "RequestId: %s Error: Task timed out after 2.00 seconds",
			wantLog: []string{"\tStatus: timeout\n", " %s Task timed out after 2.00 seconds\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, Config{Timeout: tt.timeout})
			before := decode(t, invoke(t, f, `{"mode":"echo"}`))

			res := invoke(t, f, tt.event)
			id := res.RequestID
			if res.InitDuration != 0 {
				t.Errorf("InitDuration = %v on a warm environment", res.InitDuration)
			}
			if tt.wantType == "" {
				if r := decode(t, res); r.PID != before.PID || r.Text != "hi" {
					t.Errorf("reply %+v, want text hi from pid %d", r, before.PID)
				}
			} else {
				e := decodeError(t, res)
				if e.Type != tt.wantType || e.Message != strings.ReplaceAll(tt.wantMsg, "%s", id) {
					t.Errorf("error = %+v, want type %q message %q", e, tt.wantType, tt.wantMsg)
				}
			}
			for _, w := range tt.wantLog {
				if w = strings.ReplaceAll(w, "%s", id); !strings.Contains(res.Log, w) {
					t.Errorf("log lacks %q:\n%s", w, res.Log)
				}
			}

			after := invoke(t, f, `{"mode":"echo"}`)
			warm := decode(t, after).PID == before.PID
			if warm != tt.wantWarm || (after.InitDuration == 0) != tt.wantWarm {
				t.Errorf("next invocation warm = %v (InitDuration %v), want warm %v", warm, after.InitDuration, tt.wantWarm)
			}
		})
	}
}

func TestInitFailures(t *testing.T) {
	defer func(d time.Duration) { initTimeout = d }(initTimeout)
	tests := []struct {
		init        string
		initTimeout time.Duration // 0: Lambda's 10 s
		wantType    string
		wantMsg     string // %s is the request id
		wantLog     []string
	}{
		{init: "exit", wantType: "Runtime.ExitError", wantMsg: "RequestId: %s Error: Runtime exited with error: exit status 1",
			wantLog: []string{"init: starting\n", "init: cannot load configuration\nINIT_REPORT Init Duration: ", "\tPhase: init\tStatus: error\tError Type: Runtime.ExitError\nSTART RequestId: %s"}},
		{init: "initerror", wantType: "InitError", wantMsg: "missing TABLE_NAME",
			wantLog: []string{"init: posting an init error\n", "\tStatus: error\tError Type: InitError\n"}},
		// A hanging init always reaches the timeout, so a short one cannot be missed;
		// the others must end before it, so they keep Lambda's.
		{init: "hang", initTimeout: 300 * time.Millisecond, wantType: "Sandbox.Timedout",
			wantMsg: "RequestId: %s Error: Init phase timed out after 0.30 seconds",
			wantLog: []string{"\tPhase: init\tStatus: timeout\t"}},
	}
	for _, tt := range tests {
		t.Run(tt.init, func(t *testing.T) {
			initTimeout = cmp.Or(tt.initTimeout, 10*time.Second)
			f := start(t, Config{Env: map[string]string{"FN_INIT": tt.init}})
			for range 2 { // no environment survives a failed init
				res := invoke(t, f, `{"mode":"echo"}`)
				e := decodeError(t, res)
				if e.Type != tt.wantType || e.Message != strings.ReplaceAll(tt.wantMsg, "%s", res.RequestID) {
					t.Errorf("error = %+v, want type %q message %q", e, tt.wantType, tt.wantMsg)
				}
				if res.InitDuration <= 0 {
					t.Errorf("InitDuration = %v, want > 0", res.InitDuration)
				}
				for _, w := range tt.wantLog {
					if w = strings.ReplaceAll(w, "%s", res.RequestID); !strings.Contains(res.Log, w) {
						t.Errorf("log lacks %q:\n%s", w, res.Log)
					}
				}
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.all) != 0 {
				t.Errorf("%d environments left after failed inits", len(f.all))
			}
		})
	}
}

func TestEnvironment(t *testing.T) {
	t.Setenv("HOST_ONLY", "leaked")
	cfg := Config{
		Name:      "hello-fn",
		Handler:   "bootstrap",
		MemoryMB:  256,
		Timeout:   5 * time.Second,
		Region:    "eu-west-3",
		AccountID: "111122223333",
		Env: map[string]string{
			"TABLE_NAME":                "items",
			"AWS_ACCESS_KEY_ID":         "ASIALOCALKEY",
			"AWS_SECRET_ACCESS_KEY":     "secret",
			"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000",
			"TZ":                        "Europe/Paris", // unreserved: the template's value wins
		},
	}
	f := start(t, cfg)
	t0 := time.Now()
	res := invoke(t, f, `{"mode":"env"}`)
	t1 := time.Now()
	r := decode(t, res)

	root := filepath.Dir(bootstrap)
	want := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "hello-fn",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/hello-fn",
		"AWS_REGION":                      "eu-west-3",
		"AWS_DEFAULT_REGION":              "eu-west-3",
		"AWS_EXECUTION_ENV":               "", // not set in OS-only runtimes
		"AWS_ACCESS_KEY":                  "ASIALOCALKEY",
		"_HANDLER":                        "bootstrap",
		"LAMBDA_TASK_ROOT":                root,
		"LANG":                            "en_US.UTF-8",
		"TZ":                              "Europe/Paris",
		"TABLE_NAME":                      "items",
		"AWS_ACCESS_KEY_ID":               "ASIALOCALKEY",
		"AWS_SECRET_ACCESS_KEY":           "secret",
		"AWS_ENDPOINT_URL_DYNAMODB":       "http://127.0.0.1:8000",
		"HOST_ONLY":                       "",
		"HOME":                            "",
	}
	for k, v := range want {
		if r.Env[k] != v {
			t.Errorf("%s = %q, want %q", k, r.Env[k], v)
		}
	}
	if !regexp.MustCompile(`^127\.0\.0\.1:\d+$`).MatchString(r.Env["AWS_LAMBDA_RUNTIME_API"]) {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q, want 127.0.0.1:PORT", r.Env["AWS_LAMBDA_RUNTIME_API"])
	}
	if !regexp.MustCompile(`^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$`).MatchString(r.Env["AWS_LAMBDA_LOG_STREAM_NAME"]) {
		t.Errorf("AWS_LAMBDA_LOG_STREAM_NAME = %q", r.Env["AWS_LAMBDA_LOG_STREAM_NAME"])
	}
	if r.Cwd != root {
		t.Errorf("working directory %q, want %q", r.Cwd, root)
	}
	if r.ARN != "arn:aws:lambda:eu-west-3:111122223333:function:hello-fn" || r.ARN != f.ARN() {
		t.Errorf("function ARN %q", r.ARN)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(res.RequestID) || r.Request != res.RequestID {
		t.Errorf("request id %q seen as %q", res.RequestID, r.Request)
	}
	lo, hi := t0.Add(cfg.Timeout).UnixMilli(), t1.Add(cfg.Timeout).UnixMilli()
	if r.Deadline < lo || r.Deadline > hi {
		t.Errorf("context deadline %d, want between %d and %d (invoke time + Timeout)", r.Deadline, lo, hi)
	}
}

func TestLogShape(t *testing.T) {
	logs := &logbuf.Buffer{}
	f := start(t, Config{Logs: logs, MemoryMB: 512})
	cold := invoke(t, f, `{"mode":"log"}`)
	warm := invoke(t, f, `{"mode":"log"}`)

	report := `REPORT RequestId: %[1]s\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 512 MB\tMax Memory Used: \d+ MB`
	body := `START RequestId: %[1]s Version: \$LATEST\n` +
		`hello from stdout\n` +
		`\d{4}/\d\d/\d\d \d\d:\d\d:\d\d hello from stderr\n` +
		`no newline at the end\n` +
		`END RequestId: %[1]s\n` + report
	tests := []struct {
		name string
		res  *Result
		want string
	}{
		{"cold", cold, `^init: starting\n` + body + `\tInit Duration: \d+\.\d\d ms\n$`},
		{"warm", warm, `^` + body + `\n$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re := fmt.Sprintf(tt.want, regexp.QuoteMeta(tt.res.RequestID))
			if !regexp.MustCompile(re).MatchString(tt.res.Log) {
				t.Errorf("log does not match %s:\n%s", re, tt.res.Log)
			}
		})
	}
	if got := logs.String(); got != cold.Log+warm.Log {
		t.Errorf("Config.Logs got:\n%s\nwant both invocations' logs:\n%s", got, cold.Log+warm.Log)
	}
}

// waitFiles waits until dir holds n files (an environment reached a barrier).
func waitFiles(t *testing.T, dir string, n int) {
	t.Helper()
	for deadline := time.Now().Add(answerLimit); time.Now().Before(deadline); {
		if names, _ := os.ReadDir(dir); len(names) >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s did not hold %d files after %v", dir, n, answerLimit)
}

// barrierTimeout is the function timeout of tests whose invocations wait at a
// barrier for the test or another cold start: only an upper bound, far above
// what a loaded machine needs.
const barrierTimeout = time.Minute

func TestConcurrency(t *testing.T) {
	t.Run("two environments", func(t *testing.T) {
		f := start(t, Config{MaxConcurrency: 2, Timeout: barrierTimeout})
		event := fmt.Sprintf(`{"mode":"barrier","dir":%q,"n":2}`, t.TempDir())
		chans := []<-chan invoked{invokeAsync(context.Background(), f, event), invokeAsync(context.Background(), f, event)}
		results := make([]*Result, len(chans))
		for i, ch := range chans {
			results[i] = result(t, ch, fmt.Sprintf("invocation %d", i))
		}
		a, b := decode(t, results[0]), decode(t, results[1])
		if a.PID == b.PID {
			t.Errorf("both invocations ran in pid %d, want two environments", a.PID)
		}
		for _, r := range results {
			if r.InitDuration == 0 {
				t.Errorf("invocation %s was not a cold start", r.RequestID)
			}
		}
	})

	t.Run("waits for a free environment", func(t *testing.T) {
		f := start(t, Config{MaxConcurrency: 1, Timeout: barrierTimeout})
		dir := t.TempDir()
		busy := invokeAsync(context.Background(), f, fmt.Sprintf(`{"mode":"barrier","dir":%q,"n":2}`, dir))
		waitFiles(t, dir, 1)

		// The error says where Invoke was: waiting for the busy environment,
		// not starting a second one.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := f.Invoke(ctx, []byte(`{"mode":"echo"}`))
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "waiting for a free execution environment") {
			t.Errorf("Invoke with every environment busy and ctx canceled: err = %v, want context.Canceled while waiting for a free execution environment", err)
		}

		waiting := invokeAsync(context.Background(), f, `{"mode":"echo"}`)
		if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		first := decode(t, result(t, busy, "the busy invocation"))
		if second := decode(t, result(t, waiting, "the waiting invocation")); second.PID != first.PID {
			t.Errorf("second invocation ran in pid %d, want the one environment (pid %d)", second.PID, first.PID)
		}
	})
}

// TestShutdown: Close lets the invocation in progress finish, as Ctrl-C in
// `workshop run` must; a context that ends stops everything at once.
func TestShutdown(t *testing.T) {
	// busy starts an invocation that waits until its dir holds a second file.
	busy := func(t *testing.T, f *Function) (dir string, done <-chan invoked) {
		dir = t.TempDir()
		done = invokeAsync(context.Background(), f, fmt.Sprintf(`{"mode":"barrier","dir":%q,"n":2}`, dir))
		waitFiles(t, dir, 1)
		return dir, done
	}

	t.Run("waits for the invocation in flight", func(t *testing.T) {
		f := start(t, Config{MaxConcurrency: 2, Timeout: time.Minute})
		dir, done := busy(t, f)
		closed := make(chan error, 1)
		go func() { closed <- f.Close() }()
		for !f.isDraining() {
			time.Sleep(time.Millisecond)
		}
		if _, err := f.Invoke(context.Background(), []byte(`{"mode":"echo"}`)); !errors.Is(err, errClosed) {
			t.Errorf("Invoke while Close waits: err = %v, want %v", err, errClosed)
		}
		select {
		case err := <-closed:
			t.Fatalf("Close returned (%v) while an invocation was in flight", err)
		case <-time.After(200 * time.Millisecond):
		}
		os.WriteFile(filepath.Join(dir, "release"), nil, 0o644)
		r := receive(t, done, "the invocation in flight during Close")
		if r.err != nil {
			t.Fatalf("invocation in flight during Close: %v", r.err)
		}
		pid := decode(t, r.res).PID
		if err := receive(t, closed, "Close"); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if !processGone(pid) {
			t.Errorf("process %d still runs after Close", pid)
		}
		if err := f.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})

	t.Run("an ended context stops at once", func(t *testing.T) {
		f := start(t, Config{MaxConcurrency: 2, Timeout: time.Minute})
		pid := decode(t, invoke(t, f, `{"mode":"echo"}`)).PID // one warm environment
		dir, done := busy(t, f)
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // the second Ctrl-C
		if err := f.Shutdown(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Shutdown with the context ended: err = %v, want context.Canceled", err)
		}
		if r := receive(t, done, "the invocation in flight"); !errors.Is(r.err, errClosed) {
			t.Errorf("invocation in flight: err = %v, want %v", r.err, errClosed)
		}
		for _, name := range mustReadDir(t, dir) {
			if pid, err := strconv.Atoi(name); err == nil && !processGone(pid) {
				t.Errorf("busy process %d still runs after Shutdown", pid)
			}
		}
		if !processGone(pid) {
			t.Errorf("warm process %d still runs after Shutdown", pid)
		}
		if _, err := f.Invoke(context.Background(), []byte(`{"mode":"echo"}`)); !errors.Is(err, errClosed) {
			t.Errorf("Invoke after Shutdown: err = %v, want %v", err, errClosed)
		}
	})
}

func (f *Function) isDraining() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.draining
}

// processGone reports whether pid has exited (and was waited for).
func processGone(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	return errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

func mustReadDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestStartRejects(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, []byte("not a program"), 0o644)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no name", Config{Bootstrap: bootstrap}, "no name"},
		{"missing bootstrap", Config{Name: "fn", Bootstrap: filepath.Join(dir, "bootstrap")}, "bootstrap not found"},
		{"not executable", Config{Name: "fn", Bootstrap: plain}, "not an executable file"},
		{"a directory", Config{Name: "fn", Bootstrap: dir}, "not an executable file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Start(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start: err = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestInvalidEntrypoint(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "bootstrap")
	os.WriteFile(fake, []byte("\x7fELF not really"), 0o755)
	f, err := Start(Config{Name: "fn", Bootstrap: fake})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := f.Invoke(context.Background(), []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if e := decodeError(t, res); e.Type != "Runtime.InvalidEntrypoint" || !strings.Contains(e.Message, "exec format error") {
		t.Errorf("error = %+v, want Runtime.InvalidEntrypoint about the exec format", e)
	}
}

// TestRuntimeAPI drives one environment's Runtime API by hand, as a runtime would.
func TestRuntimeAPI(t *testing.T) {
	f := start(t, Config{Env: map[string]string{"FN_INIT": "hang"}}) // the process never calls the API
	e, err := f.startEnv(&logBuf{})
	if err != nil {
		t.Fatal(err)
	}
	var base string
	for _, kv := range e.cmd.Env {
		if v, ok := strings.CutPrefix(kv, "AWS_LAMBDA_RUNTIME_API="); ok {
			base = "http://" + v + apiPrefix
		}
	}
	call := func(method, path, body string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}

	if code, _, _ := call("POST", "/invocation/nope/response", "{}"); code != http.StatusBadRequest {
		t.Errorf("response before any event: status %d, want 400", code)
	}

	inv := &invocation{id: newRequestID(), payload: []byte(`{"k":1}`), deadline: time.Now().Add(time.Minute), done: make(chan struct{})}
	ran := make(chan outcome, 1)
	go func() { ran <- e.run(context.Background(), inv) }()

	code, h, body := call("GET", "/invocation/next", "")
	if code != http.StatusOK || body != `{"k":1}` || h.Get("Lambda-Runtime-Aws-Request-Id") != inv.id ||
		h.Get("Lambda-Runtime-Deadline-Ms") != fmt.Sprint(inv.deadline.UnixMilli()) ||
		h.Get("Lambda-Runtime-Invoked-Function-Arn") != f.ARN() || !strings.HasPrefix(h.Get("Lambda-Runtime-Trace-Id"), "Root=1-") {
		t.Fatalf("next: status %d, body %s, headers %v", code, body, h)
	}
	steps := []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/init/error", `{"errorMessage":"late","errorType":"X"}`, http.StatusForbidden},
		{"POST", "/invocation/other-id/response", `{}`, http.StatusBadRequest},
		{"POST", "/invocation/" + inv.id + "/response", strings.Repeat("x", maxResponse+1), http.StatusRequestEntityTooLarge},
		{"POST", "/invocation/" + inv.id + "/response", `"ok"`, http.StatusForbidden}, // already answered
		{"GET", "/invocation/" + inv.id + "/response", ``, http.StatusMethodNotAllowed},
	}
	for _, s := range steps {
		if code, _, body := call(s.method, s.path, s.body); code != s.want {
			t.Errorf("%s %s: status %d (%s), want %d", s.method, s.path, code, body, s.want)
		}
	}
	var le lambdaError
	if json.Unmarshal(inv.resp, &le); le.Type != "Function.ResponseSizeTooLarge" || inv.errType == "" {
		t.Errorf("oversized response recorded as %s", inv.resp)
	}

	go func() { // ends the invocation; blocks until teardown
		if resp, err := http.Get(base + "/invocation/next"); err == nil {
			resp.Body.Close()
		}
	}()
	if out := receive(t, ran, "the run"); out != warm {
		t.Errorf("run = %v, want warm after the runtime asked for the next event", out)
	}
	e.teardown()
}

func TestMemorySize(t *testing.T) {
	if !memoryEnforced() {
		t.Skip("MemorySize is not enforced on this platform (no /proc)")
	}
	maxUsed := regexp.MustCompile(`Memory Size: (\d+) MB\tMax Memory Used: (\d+) MB`)
	tests := []struct {
		name     string
		memoryMB int
		allocMB  int
		oom      bool
	}{
		{name: "400 MB touched at 128 MB", memoryMB: 128, allocMB: 400, oom: true},
		{name: "50 MB touched at 256 MB", memoryMB: 256, allocMB: 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := start(t, Config{MemoryMB: tt.memoryMB, Timeout: 20 * time.Second})
			before := decode(t, invoke(t, f, `{"mode":"echo"}`))
			res := invoke(t, f, fmt.Sprintf(`{"mode":"alloc","n":%d}`, tt.allocMB))
			m := maxUsed.FindStringSubmatch(res.Log)
			if m == nil {
				t.Fatalf("no REPORT line with Max Memory Used:\n%s", res.Log)
			}
			used, _ := strconv.Atoi(m[2])
			after := decode(t, invoke(t, f, `{"mode":"echo"}`))
			if !tt.oom {
				decode(t, res)
				if used < tt.allocMB || used >= tt.memoryMB {
					t.Errorf("Max Memory Used = %d MB, want between %d and %d", used, tt.allocMB, tt.memoryMB)
				}
				if after.PID != before.PID {
					t.Errorf("the environment was replaced after a function within its memory")
				}
				return
			}
			e := decodeError(t, res)
			wantMsg := "RequestId: " + res.RequestID + " Error: Runtime exited with error: signal: killed"
			if e.Type != "Runtime.OutOfMemory" || e.Message != wantMsg {
				t.Errorf("error = %+v, want Runtime.OutOfMemory %q", e, wantMsg)
			}
			if used != tt.memoryMB {
				t.Errorf("Max Memory Used = %d MB, want the limit %d MB", used, tt.memoryMB)
			}
			for _, w := range []string{wantMsg + "\nRuntime.OutOfMemory\nEND RequestId: ", "\tStatus: error\tError Type: Runtime.OutOfMemory\n"} {
				if !strings.Contains(res.Log, w) {
					t.Errorf("log lacks %q:\n%s", w, res.Log)
				}
			}
			if after.PID == before.PID {
				t.Errorf("the environment that ran out of memory served the next invocation")
			}
		})
	}
}

// An init phase that touches more than MemorySize is stopped as Lambda stops it.
func TestInitOutOfMemory(t *testing.T) {
	if !memoryEnforced() {
		t.Skip("MemorySize is not enforced on this platform (no /proc)")
	}
	f := start(t, Config{MemoryMB: 128, Env: map[string]string{"FN_INIT": "alloc"}})
	res := invoke(t, f, `{"mode":"echo"}`)
	e := decodeError(t, res)
	want := "RequestId: " + res.RequestID + " Error: Runtime exited with error: signal: killed"
	if e.Type != "Runtime.OutOfMemory" || e.Message != want {
		t.Errorf("error = %+v, want Runtime.OutOfMemory %q", e, want)
	}
	for _, w := range []string{"\tPhase: init\tStatus: error\tError Type: Runtime.OutOfMemory\n", want + "\nRuntime.OutOfMemory\n", "Max Memory Used: 128 MB"} {
		if !strings.Contains(res.Log, w) {
			t.Errorf("log lacks %q:\n%s", w, res.Log)
		}
	}
}
