// Package lambdart is a small local AWS Lambda: it runs a function's Go
// `bootstrap` executable through the Lambda Runtime API
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html), keeps the
// process warm between invocations, enforces the timeout and MemorySize, reports crashes as
// Lambda does and writes CloudWatch-like logs (START, END, REPORT).
package lambdart

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/account"
	"github.com/serverless-dva/sam-dynamodb-go/internal/proc"
)

// Config describes one function, as its template and the caller resolved it.
type Config struct {
	Name           string            // AWS_LAMBDA_FUNCTION_NAME
	Bootstrap      string            // path of the executable built for this machine
	Handler        string            // _HANDLER (e.g. "bootstrap")
	MemoryMB       int               // default 128; a limit where /proc is readable (Linux): past it, Runtime.OutOfMemory
	Timeout        time.Duration     // default 3s, enforced
	Region         string            // AWS_REGION and AWS_DEFAULT_REGION (default account.DefaultRegion)
	AccountID      string            // default account.ID
	Env            map[string]string // Environment.Variables (resolved), credentials, AWS_ENDPOINT_URL_DYNAMODB; no other reserved key (Start refuses it)
	Logs           io.Writer         // CloudWatch-like log lines; nil means io.Discard
	MaxConcurrency int               // execution environments at most (default 4)
	// Meter, when set, gives each execution environment variables of its own
	// and writes a line after each invocation's REPORT line (meter.go).
	Meter Meter
}

// Result is what a synchronous invoke returns.
type Result struct {
	RequestID     string
	Payload       []byte        // the function's response, or Lambda's error JSON
	FunctionError string        // "" on success, "Unhandled" when the function failed (X-Amz-Function-Error)
	Duration      time.Duration // from the event handed to the runtime to its next /next call
	InitDuration  time.Duration // >0 only on a cold start
	Log           string        // this invocation's log lines, also written to Config.Logs
}

// Function runs the execution environments of one Lambda function.
type Function struct {
	cfg   Config
	abs   string        // absolute path of the bootstrap
	arn   string        // arn:aws:lambda:REGION:ACCOUNT:function:NAME
	slots chan struct{} // one token per invocation in progress

	logMu sync.Mutex // serializes writes to cfg.Logs

	mu       sync.Mutex
	idle     []*env // warm environments, most recently used last
	all      map[*env]bool
	inflight int           // invocations accepted and not returned yet
	draining bool          // Shutdown began: no new invocations
	drained  chan struct{} // closed once draining with nothing in flight
	closed   bool          // the environments are stopped
}

// initTimeout is Lambda's limit for the init phase of an on-demand function.
var initTimeout = 10 * time.Second

var errClosed = errors.New("the local Lambda service was stopped")

// Start checks the configuration and returns the function. No process starts
// until the first Invoke (the cold start).
func Start(cfg Config) (*Function, error) {
	if cfg.Name == "" {
		return nil, errors.New("lambda function: the function has no name")
	}
	abs, err := filepath.Abs(cfg.Bootstrap)
	if err != nil || cfg.Bootstrap == "" {
		return nil, fmt.Errorf("lambda function %s: no bootstrap executable given; build the function first", cfg.Name)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("lambda function %s: bootstrap not found (build the function first): %w", cfg.Name, err)
	}
	if !proc.Executable(abs, st.Mode()) {
		return nil, fmt.Errorf("lambda function %s: %s is not an executable file; build it with `go build -o %s`", cfg.Name, abs, proc.ExeName("bootstrap", runtime.GOOS))
	}
	cfg.MemoryMB = cmp.Or(max(cfg.MemoryMB, 0), 128)
	cfg.Timeout = cmp.Or(max(cfg.Timeout, 0), 3*time.Second)
	cfg.Region = cmp.Or(cfg.Region, account.DefaultRegion)
	cfg.AccountID = cmp.Or(cfg.AccountID, account.ID)
	cfg.Logs = cmp.Or[io.Writer](cfg.Logs, io.Discard)
	cfg.MaxConcurrency = cmp.Or(max(cfg.MaxConcurrency, 0), 4)
	cfg.Env = maps.Clone(cfg.Env) // the caller may reuse its map
	if err := checkEnv(cfg.Name, cfg.Env); err != nil {
		return nil, err
	}
	if !memoryEnforced() {
		fmt.Fprintf(cfg.Logs, "lambda function %s: MemorySize (%d MB) is not enforced on %s: this platform has no /proc to read the function's memory from; on AWS a function that uses more is stopped (Runtime.OutOfMemory)\n",
			cfg.Name, cfg.MemoryMB, runtime.GOOS)
	}
	return &Function{
		cfg:     cfg,
		abs:     abs,
		arn:     fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", cfg.Region, cfg.AccountID, cfg.Name),
		slots:   make(chan struct{}, cfg.MaxConcurrency),
		all:     map[*env]bool{},
		drained: make(chan struct{}),
	}, nil
}

// ARN returns the function's ARN, as the runtime sees it.
func (f *Function) ARN() string { return f.arn }

// Timeout is the longest an invocation runs once its environment is ready.
func (f *Function) Timeout() time.Duration { return f.cfg.Timeout }

// InFlight is the number of invocations accepted and not finished yet.
func (f *Function) InFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inflight
}

// Invoke runs one synchronous invocation (RequestResponse). Function failures
// (errors, crashes, timeouts) are a Result with FunctionError "Unhandled"; the
// error is for the caller's own problems: ctx ended or the function was closed.
// When ctx ends during an invocation the environment is discarded.
func (f *Function) Invoke(ctx context.Context, payload []byte) (*Result, error) {
	if len(payload) > maxRequest {
		return nil, &RequestTooLargeError{Function: f.cfg.Name, Size: len(payload)}
	}
	if err := f.enter(); err != nil {
		return nil, err
	}
	defer f.leave()
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("invoke %s: waiting for a free execution environment: %w", f.cfg.Name, ctx.Err())
	}
	defer func() { <-f.slots }()

	e, err := f.takeIdle()
	if err != nil {
		return nil, err
	}
	inv := &invocation{id: newRequestID(), payload: payload, done: make(chan struct{})}
	b := &logBuf{}
	r := &report{inv: inv}
	if e != nil {
		r.vars = e.vars
	}
	if e == nil {
		if e, err = f.coldStart(ctx, b, r); err != nil || e == nil {
			if err != nil {
				return nil, err
			}
			return f.finish(b, r), nil // init failed; the failure is in r
		}
	}

	b.add("START RequestId: %s Version: $LATEST", inv.id)
	e.setSink(b)
	start := time.Now()
	inv.deadline = start.Add(f.cfg.Timeout)
	stopWatch := e.watchMemory()
	out := e.run(ctx, inv)
	if stopWatch() {
		out = exited // killed for its memory, whatever else happened
	}
	r.duration = time.Since(start)
	r.memMB = e.peakMemoryMB()
	if out == warm {
		e.flush()
		e.setSink(nil)
		f.release(e)
	} else {
		e.teardown()
	}
	if out == canceled || (out != warm && f.isClosed()) {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("invoke %s: %w", f.cfg.Name, ctx.Err())
		}
		return nil, fmt.Errorf("invoke %s: %w", f.cfg.Name, errClosed)
	}

	switch {
	case out == timedOut && !inv.isAnswered():
		r.timedOut = true
		r.fail("Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.id, f.cfg.Timeout.Seconds()))
	case out == exited && e.outOfMemory():
		// The kernel kills the process at once: any answer it posted is lost.
		msg := e.exitMessage()
		b.add("RequestId: %s Error: %s", inv.id, msg)
		b.add("Runtime.OutOfMemory")
		r.fail("Runtime.OutOfMemory", fmt.Sprintf("RequestId: %s Error: %s", inv.id, msg))
		r.errType = "Runtime.OutOfMemory"
	case out == exited:
		msg := e.exitMessage()
		b.add("RequestId: %s Error: %s", inv.id, msg)
		b.add("Runtime.ExitError")
		if !inv.isAnswered() {
			r.fail("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: %s", inv.id, msg))
		}
	}
	if r.payload == nil {
		r.payload, r.failed = inv.resp, inv.errType != ""
	}
	return f.finish(b, r), nil
}

// coldStart starts an environment and waits for its runtime to finish init
// (its first /next). It returns a nil env when init failed; r then holds the
// failure.
func (f *Function) coldStart(ctx context.Context, b *logBuf, r *report) (*env, error) {
	t0 := time.Now()
	e, err := f.startEnv(b)
	if err != nil {
		if errors.Is(err, errClosed) {
			return nil, err
		}
		// Lambda reports a bootstrap it cannot run (wrong architecture, say) as an invalid entrypoint.
		r.initDur = time.Since(t0)
		b.add("INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: error\tError Type: Runtime.InvalidEntrypoint", ms(r.initDur))
		b.add("START RequestId: %s Version: $LATEST", r.inv.id)
		r.fail("Runtime.InvalidEntrypoint", fmt.Sprintf("RequestId: %s Error: %v", r.inv.id, err))
		return nil, nil
	}
	timer := time.NewTimer(initTimeout)
	defer timer.Stop()
	stopWatch := e.watchMemory()
	var status, errType string
	select {
	case <-e.ready:
		if stopWatch() {
			status, errType = "error", "Runtime.OutOfMemory"
			break
		}
		r.initDur = time.Since(t0)
		r.vars = e.vars
		e.flush() // output printed during init comes before START
		return e, nil
	case ie := <-e.initErr:
		status, errType = "error", ie.errType
		r.payload, r.failed = ie.payload, true
	case <-e.exited:
		status, errType = "error", "Runtime.ExitError"
		if stopWatch() {
			errType = "Runtime.OutOfMemory"
			break
		}
		select {
		case ie := <-e.initErr: // it posted an init error, then exited
			errType = ie.errType
			r.payload, r.failed = ie.payload, true
		default:
		}
	case <-timer.C:
		status, errType = "timeout", "Sandbox.Timedout"
	case <-ctx.Done():
		stopWatch()
		e.teardown()
		return nil, fmt.Errorf("invoke %s: waiting for the function to initialize: %w", f.cfg.Name, ctx.Err())
	}
	stopWatch() // idempotent after the cases that stopped it
	r.initDur = time.Since(t0)
	r.memMB = e.peakMemoryMB()
	e.teardown()
	if f.isClosed() {
		return nil, fmt.Errorf("invoke %s: %w", f.cfg.Name, errClosed)
	}
	b.add("INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: %s\tError Type: %s", ms(r.initDur), status, errType)
	b.add("START RequestId: %s Version: $LATEST", r.inv.id)
	switch errType {
	case "Runtime.ExitError", "Runtime.OutOfMemory":
		msg := e.exitMessage()
		b.add("RequestId: %s Error: %s", r.inv.id, msg)
		b.add("%s", errType)
		r.fail(errType, fmt.Sprintf("RequestId: %s Error: %s", r.inv.id, msg))
		if errType == "Runtime.OutOfMemory" {
			r.errType = errType
		}
	case "Sandbox.Timedout":
		r.fail(errType, fmt.Sprintf("RequestId: %s Error: Init phase timed out after %.2f seconds", r.inv.id, initTimeout.Seconds()))
	}
	return nil, nil
}

// report gathers what the END and REPORT lines and the Result need.
type report struct {
	inv      *invocation
	payload  []byte
	failed   bool
	timedOut bool
	errType  string // shown in the REPORT line (Runtime.OutOfMemory)
	duration time.Duration
	initDur  time.Duration
	memMB    int
	vars     map[string]string // the environment's own variables (Config.Meter)
}

func (r *report) fail(errType, msg string) {
	r.payload, r.failed = errorPayload(errType, msg), true
}

// finish writes END and REPORT, sends the invocation's log to Config.Logs and
// builds the Result.
func (f *Function) finish(b *logBuf, r *report) *Result {
	id := r.inv.id
	b.add("END RequestId: %s", id)
	// Custom runtimes (provided.al2023) are billed for init too.
	billed := int64(math.Ceil(ms(r.duration + r.initDur)))
	line := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		id, ms(r.duration), billed, f.cfg.MemoryMB, r.memMB)
	if r.initDur > 0 {
		line += fmt.Sprintf("\tInit Duration: %.2f ms", ms(r.initDur))
	}
	if r.timedOut {
		line += "\tStatus: timeout"
	}
	if r.errType != "" {
		line += "\tStatus: error\tError Type: " + r.errType
	}
	b.add("%s", line)
	if f.cfg.Meter != nil && r.vars != nil {
		b.add("%s", f.cfg.Meter.Line(id, r.vars))
	}
	if r.timedOut {
		b.add("%s %s Task timed out after %.2f seconds", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), id, f.cfg.Timeout.Seconds())
	}
	res := &Result{RequestID: id, Payload: r.payload, Duration: r.duration, InitDuration: r.initDur, Log: b.String()}
	if r.failed {
		res.FunctionError = "Unhandled"
	}
	f.writeLogs(res.Log)
	return res
}

// Shutdown stops taking invocations, lets those in progress finish (each
// within the function's timeout, as they run), then stops every environment.
// When ctx ends first, it stops them at once: the invocations still running
// return an error. It is idempotent.
func (f *Function) Shutdown(ctx context.Context) error {
	f.mu.Lock()
	if !f.draining {
		f.draining = true
		if f.inflight == 0 {
			close(f.drained)
		}
	}
	f.mu.Unlock()
	var err error
	select {
	case <-f.drained:
	case <-ctx.Done():
		err = fmt.Errorf("stopping %s with invocations in progress: %w", f.cfg.Name, ctx.Err())
	}
	f.stop()
	return err
}

// Close is Shutdown without a limit: it waits for the invocations in
// progress, which end by their timeout.
func (f *Function) Close() error { return f.Shutdown(context.Background()) }

// stop kills every environment's process and stops their servers.
func (f *Function) stop() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	envs := make([]*env, 0, len(f.all))
	for e := range f.all {
		envs = append(envs, e)
	}
	f.idle = nil
	f.mu.Unlock()
	for _, e := range envs {
		e.teardown()
	}
}

// enter counts an invocation in, unless Shutdown began.
func (f *Function) enter() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.draining {
		return fmt.Errorf("invoke %s: %w", f.cfg.Name, errClosed)
	}
	f.inflight++
	return nil
}

// leave counts an invocation out; the last one out lets Shutdown go on.
func (f *Function) leave() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inflight--
	if f.draining && f.inflight == 0 {
		close(f.drained)
	}
}

// takeIdle returns a warm environment, or nil when a cold start is needed.
func (f *Function) takeIdle() (*env, error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, fmt.Errorf("invoke %s: %w", f.cfg.Name, errClosed)
	}
	var dead []*env
	var found *env
	for found == nil && len(f.idle) > 0 {
		e := f.idle[len(f.idle)-1]
		f.idle = f.idle[:len(f.idle)-1]
		select {
		case <-e.exited: // its process died while idle
			dead = append(dead, e)
		default:
			found = e
		}
	}
	f.mu.Unlock()
	for _, e := range dead {
		e.teardown()
	}
	return found, nil
}

func (f *Function) release(e *env) {
	f.mu.Lock()
	if !f.closed {
		f.idle = append(f.idle, e)
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	e.teardown()
}

func (f *Function) forget(e *env) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.all, e)
}

func (f *Function) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

// Note adds a line from the local stack, not from the function (a DynamoDB
// error the IAM proxy saw it receive), to the log of its invocation in
// progress, among the function's own lines. With none or several in progress
// it goes to Config.Logs at once.
func (f *Function) Note(line string) {
	f.mu.Lock()
	envs := make([]*env, 0, len(f.all))
	for e := range f.all {
		envs = append(envs, e)
	}
	f.mu.Unlock()
	var sinks []*logBuf
	for _, e := range envs {
		e.mu.Lock()
		if e.sink != nil {
			sinks = append(sinks, e.sink)
		}
		e.mu.Unlock()
	}
	if len(sinks) == 1 {
		sinks[0].add("%s", line)
		return
	}
	f.writeLogs(line + "\n")
}

func (f *Function) writeLogs(s string) {
	f.logMu.Lock()
	defer f.logMu.Unlock()
	_, _ = io.WriteString(f.cfg.Logs, s)
}

// logBuf collects one invocation's log lines.
type logBuf struct {
	mu    sync.Mutex
	lines []string
}

func (b *logBuf) add(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, fmt.Sprintf(format, args...))
}

func (b *logBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n") + "\n"
}

// errorPayload is the JSON Lambda returns for a failed invocation.
func errorPayload(errType, msg string) []byte {
	p, _ := json.Marshal(struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}{msg, errType})
	return p
}

// newRequestID returns a random (version 4) UUID, as Lambda's request ids are.
func newRequestID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails on supported platforms
	return b
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
