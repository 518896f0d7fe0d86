package lambdart

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/proc"
)

const (
	apiPrefix = "/2018-06-01/runtime"
	// maxResponse is Lambda's limit for a synchronous invocation's response.
	maxResponse = 6291556
	// flushMarker is written into the function's output pipe by the service;
	// reading it back proves everything the function printed before is read.
	flushMarker = "\x00lambdart-flush\x00"
)

// invocation is one event handed to a runtime.
type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	done     chan struct{} // closed when the runtime posted a response or an error

	// Written under env.mu before done is closed; read after.
	answered bool
	resp     []byte
	errType  string // set when the runtime posted an error
}

func (inv *invocation) isAnswered() bool {
	select {
	case <-inv.done:
		return true
	default:
		return false
	}
}

type initError struct {
	errType string
	payload []byte
}

// env is one execution environment: a bootstrap process and its own Runtime
// API server.
type env struct {
	f          *Function
	cmd        *exec.Cmd
	srv        *http.Server
	pipeW      *os.File         // the service's copy of the output pipe, for flush markers
	ready      chan struct{}    // a token each time the runtime asks for the next event
	events     chan *invocation // handed to the waiting /next
	initErr    chan initError   // posted to /init/error
	flushed    chan struct{}    // the reader saw the flush marker
	readerDone chan struct{}
	exited     chan struct{} // closed when the process has exited
	exitErr    error         // read only after exited is closed
	stop       chan struct{} // closed on teardown
	stopOnce   sync.Once

	mu     sync.Mutex
	inited bool        // the runtime asked for an event at least once
	cur    *invocation // the event last handed out
	sink   *logBuf     // where the function's output goes; nil: straight to Config.Logs
	memMB  int         // peak resident memory seen, in MB
	oom    bool        // killed for using more than MemorySize

	vars map[string]string // this environment's own variables (Config.Meter), fixed at start
}

type outcome int

const (
	warm     outcome = iota // answered and asked for the next event: keep the environment
	exited                  // the process exited
	timedOut                // the deadline passed
	canceled                // the caller's context ended
)

// startEnv starts the server and the process; init output goes to sink.
func (f *Function) startEnv(sink *logBuf) (*env, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API listener: %w", err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("output pipe: %w", err)
	}
	e := &env{
		f:          f,
		pipeW:      pw,
		ready:      make(chan struct{}, 1),
		events:     make(chan *invocation),
		initErr:    make(chan initError, 1),
		flushed:    make(chan struct{}, 1),
		readerDone: make(chan struct{}),
		exited:     make(chan struct{}),
		stop:       make(chan struct{}),
		sink:       sink,
	}
	if f.cfg.Meter != nil {
		e.vars = f.cfg.Meter.Vars()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"/invocation/next", e.handleNext)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/response", e.handleAnswer(false))
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/error", e.handleAnswer(true))
	mux.HandleFunc("POST "+apiPrefix+"/init/error", e.handleInitError)
	e.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.srv.Serve(ln) }()
	go e.readOutput(pr)

	cmd := exec.Command(f.abs)
	cmd.Dir = filepath.Dir(f.abs)
	cmd.Env = f.environ(ln.Addr().String(), e.vars)
	cmd.Stdout, cmd.Stderr = pw, pw // one stream, as Lambda merges them
	proc.Isolate(cmd)
	e.cmd = cmd

	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		e.closeIO()
		return nil, fmt.Errorf("invoke %s: %w", f.cfg.Name, errClosed)
	}
	err = cmd.Start()
	if err == nil {
		f.all[e] = true
	}
	f.mu.Unlock()
	if err != nil {
		e.closeIO()
		return nil, err
	}
	go func() {
		e.exitErr = cmd.Wait()
		close(e.exited)
	}()
	return e, nil
}

// run hands inv to the waiting runtime and waits until it has answered and
// asked for the next event, or exited, or the deadline passed.
func (e *env) run(ctx context.Context, inv *invocation) outcome {
	timer := time.NewTimer(time.Until(inv.deadline))
	defer timer.Stop()
	select {
	case e.events <- inv:
	case <-e.exited:
		return exited
	case <-timer.C:
		return timedOut
	case <-ctx.Done():
		return canceled
	}
	select {
	case <-inv.done:
	case <-e.exited:
		return exited // an answer posted just before exiting is kept by the caller
	case <-timer.C:
		return timedOut // the caller keeps an answer that raced the deadline
	case <-ctx.Done():
		return canceled
	}
	// Lambda ends an invocation when the runtime asks for the next one.
	select {
	case <-e.ready:
		return warm
	case <-e.exited:
		return exited
	case <-timer.C:
		return timedOut
	}
}

// handleNext blocks until an event is handed to this environment.
func (e *env) handleNext(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	e.inited = true
	e.mu.Unlock()
	select {
	case e.ready <- struct{}{}:
	default:
	}
	select {
	case inv := <-e.events:
		e.mu.Lock()
		e.cur = inv
		e.mu.Unlock()
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", e.f.arn)
		h.Set("Lambda-Runtime-Trace-Id", fmt.Sprintf("Root=1-%08x-%x;Parent=%x;Sampled=0", time.Now().Unix(), randomBytes(12), randomBytes(8)))
		_, _ = w.Write(inv.payload)
	case <-e.stop:
		panic(http.ErrAbortHandler) // the environment is gone: no answer at all
	case <-r.Context().Done():
	}
}

// handleAnswer takes a runtime's response, or its error when isError.
func (e *env) handleAnswer(isError bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		inv := e.cur
		e.mu.Unlock()
		if inv == nil || inv.id != r.PathValue("id") {
			apiError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
			return
		}
		var payload []byte
		var errType string
		if isError {
			errType, payload = readError(r)
		} else {
			payload, _ = io.ReadAll(io.LimitReader(r.Body, maxResponse+1))
			if len(payload) > maxResponse {
				errType = "Function.ResponseSizeTooLarge"
				payload = errorPayload(errType, fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxResponse))
			}
		}
		switch {
		case !e.answer(inv, payload, errType):
			apiError(w, http.StatusForbidden, "InvalidStateTransition", "this invocation already has a response")
		case errType == "Function.ResponseSizeTooLarge":
			apiError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", maxResponse))
		default:
			accepted(w)
		}
	}
}

func (e *env) handleInitError(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	inited := e.inited
	e.mu.Unlock()
	if inited {
		apiError(w, http.StatusForbidden, "InvalidStateTransition", "init/error is only allowed before the first invocation/next")
		return
	}
	errType, payload := readError(r)
	select {
	case e.initErr <- initError{errType, payload}:
	default: // only the first one counts
	}
	accepted(w)
}

// answer records the runtime's answer once; it reports false for a second one.
func (e *env) answer(inv *invocation, payload []byte, errType string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if inv.answered {
		return false
	}
	inv.answered, inv.resp, inv.errType = true, payload, errType
	close(inv.done)
	return true
}

// readError reads a posted error: {errorMessage, errorType, stackTrace?}, its
// type also in the Lambda-Runtime-Function-Error-Type header.
func readError(r *http.Request) (string, []byte) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxResponse))
	var fields struct {
		Type string `json:"errorType"`
	}
	errType := r.Header.Get("Lambda-Runtime-Function-Error-Type")
	if err := json.Unmarshal(body, &fields); err != nil {
		if errType == "" {
			errType = "Runtime.Unknown"
		}
		return errType, errorPayload(errType, strings.TrimSpace(string(body)))
	}
	if errType == "" {
		errType = cmp.Or(fields.Type, "Runtime.Unknown")
	}
	return errType, body
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func apiError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(errorPayload(errType, msg))
}

// readOutput splits the function's output into log lines.
func (e *env) readOutput(r *os.File) {
	defer close(e.readerDone)
	defer r.Close()
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		line = strings.TrimSuffix(line, "\n")
		if before, ok := strings.CutSuffix(line, flushMarker); ok {
			if before != "" {
				e.emit(before)
			}
			select {
			case e.flushed <- struct{}{}:
			default:
			}
		} else if line != "" || err == nil {
			e.emit(line)
		}
		if err != nil {
			return
		}
	}
}

func (e *env) emit(line string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sink != nil {
		e.sink.add("%s", line)
		return
	}
	e.f.writeLogs(line + "\n") // printed between invocations
}

func (e *env) setSink(b *logBuf) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sink = b
}

// flush waits until everything the function printed so far has been read.
func (e *env) flush() {
	select {
	case <-e.flushed: // a late token from an earlier flush
	default:
	}
	if _, err := e.pipeW.WriteString(flushMarker + "\n"); err != nil {
		return
	}
	select {
	case <-e.flushed:
	case <-e.readerDone:
	case <-time.After(time.Second): // a reader stuck on a huge line; do not hang
	}
}

// teardown kills the process and stops the server; it is idempotent.
func (e *env) teardown() {
	e.stopOnce.Do(func() {
		proc.Kill(e.cmd)
		<-e.exited
		e.flush()
		close(e.stop)
		e.closeIO()
		e.f.forget(e)
	})
}

func (e *env) closeIO() {
	e.pipeW.Close()
	select {
	case <-e.readerDone:
	case <-time.After(time.Second): // a leftover child may hold the pipe
	}
	e.srv.Close()
}

// exitMessage says how the process ended, in Lambda's words.
func (e *env) exitMessage() string {
	var ee *exec.ExitError
	switch {
	case e.exitErr == nil:
		return "Runtime exited without providing a reason"
	case errors.As(e.exitErr, &ee):
		return "Runtime exited with error: " + ee.ProcessState.String()
	default:
		return "Runtime exited with error: " + e.exitErr.Error()
	}
}
