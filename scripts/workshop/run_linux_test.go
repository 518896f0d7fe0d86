package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
)

// TestRunCtrlC runs `workshop run` on testdata/slow and presses Ctrl-C as a
// terminal does (SIGINT to the whole foreground process group) while a
// request is in flight. The request must still answer 200, the command exit
// 0, and nothing it started may be left running. A second Ctrl-C stops at
// once. The bounds are generous: what is checked is the answers, not speed.
func TestRunCtrlC(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the workshop command")
	}
	// Orphans of the workshop become this process's children, so the test
	// sees any process it leaves behind.
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		t.Fatalf("prctl(PR_SET_CHILD_SUBREAPER): %v", errno)
	}
	bin := filepath.Join(t.TempDir(), "workshop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	t.Run("lets the request in flight finish", func(t *testing.T) {
		w := startWorkshop(t, bin)
		if code, body := w.get(t, "sleep=0s"); code != http.StatusOK {
			t.Fatalf("GET /slow before Ctrl-C: %d %s\n%s", code, body, w.out)
		}
		mark := filepath.Join(t.TempDir(), "began")
		answer := w.getAsync(t, "sleep=2s&mark="+url.QueryEscape(mark))
		w.waitFile(t, mark)
		time.Sleep(500 * time.Millisecond)
		w.ctrlC(t)

		a := <-answer
		if a.err != nil || a.code != http.StatusOK {
			t.Fatalf("the request in flight at Ctrl-C: %d %s %v, want 200\n%s", a.code, a.body, a.err, w.out)
		}
		var reply struct {
			PID    int  `json:"pid"`
			Stored bool `json:"stored"`
		}
		if err := json.Unmarshal([]byte(a.body), &reply); err != nil || !reply.Stored {
			t.Fatalf("answer %s: want the pid and stored:true (%v)", a.body, err)
		}
		if err := w.wait(t, 2*time.Minute); err != nil {
			t.Fatalf("workshop run after Ctrl-C: %v, want exit status 0\n%s", err, w.out)
		}
		for _, want := range []string{"stopping: waiting for 1 request in flight (up to 60 s)", "workshop: stopped everything it started"} {
			if !strings.Contains(w.out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, w.out)
			}
		}
		noneLeft(t, reply.PID)
	})

	t.Run("a second Ctrl-C stops at once", func(t *testing.T) {
		w := startWorkshop(t, bin)
		mark := filepath.Join(t.TempDir(), "began")
		answer := w.getAsync(t, "sleep=50s&mark="+url.QueryEscape(mark))
		w.waitFile(t, mark)
		w.ctrlC(t)
		w.waitOutput(t, "Ctrl-C again stops at once")
		w.ctrlC(t)
		// The request sleeps 50 s: an exit well before means it did not wait.
		if err := w.wait(t, 30*time.Second); err != nil {
			t.Fatalf("workshop run after a second Ctrl-C: %v\n%s", err, w.out)
		}
		if a := <-answer; a.err == nil && a.code == http.StatusOK {
			t.Errorf("the request in flight at the second Ctrl-C answered 200, want it stopped")
		}
		noneLeft(t, 0)
	})
}

const prSetChildSubreaper = 36

type workshopRun struct {
	cmd    *exec.Cmd
	out    *logbuf.Buffer
	base   string
	exited chan error
}

// startWorkshop runs `workshop run ./testdata/slow` in its own process group,
// as a shell runs a foreground job, and waits until it serves.
func startWorkshop(t *testing.T, bin string) *workshopRun {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	w := &workshopRun{out: &logbuf.Buffer{}, base: fmt.Sprintf("http://127.0.0.1:%d/slow?", port), exited: make(chan error, 1)}
	w.cmd = exec.Command(bin, "run", "./testdata/slow", "-port", strconv.Itoa(port))
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.exited <- w.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-w.exited:
		default:
			_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
			<-w.exited
		}
	})
	w.waitOutput(t, "API Gateway (local) listening on")
	return w
}

// ctrlC sends SIGINT to the workshop's process group, as the terminal does.
func (w *workshopRun) ctrlC(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-w.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
}

func (w *workshopRun) wait(t *testing.T, limit time.Duration) error {
	t.Helper()
	select {
	case err := <-w.exited:
		w.exited <- err // for Cleanup
		return err
	case <-time.After(limit):
		return fmt.Errorf("still running after %s", limit)
	}
}

// poll calls ok until it reports true; it fails when the workshop exits or
// after 3 minutes (the first build and deployment on a loaded machine).
func (w *workshopRun) poll(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
		select {
		case err := <-w.exited:
			w.exited <- err
			t.Fatalf("workshop run exited (%v) before %s\n%s", err, what, w.out)
		default:
		}
	}
	t.Fatalf("no %s after 3 minutes\n%s", what, w.out)
}

func (w *workshopRun) waitOutput(t *testing.T, s string) {
	t.Helper()
	w.poll(t, fmt.Sprintf("%q in the output", s), func() bool { return strings.Contains(w.out.String(), s) })
}

func (w *workshopRun) waitFile(t *testing.T, path string) {
	t.Helper()
	w.poll(t, "invocation", func() bool { _, err := os.Stat(path); return err == nil })
}

type answer struct {
	code int
	body string
	err  error
}

func (w *workshopRun) get(t *testing.T, query string) (int, string) {
	t.Helper()
	a := <-w.getAsync(t, query)
	if a.err != nil {
		t.Fatalf("GET /slow?%s: %v\n%s", query, a.err, w.out)
	}
	return a.code, a.body
}

func (w *workshopRun) getAsync(t *testing.T, query string) <-chan answer {
	ch := make(chan answer, 1)
	go func() {
		c := &http.Client{Timeout: 2 * time.Minute}
		resp, err := c.Get(w.base + query)
		if err != nil {
			ch <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		ch <- answer{resp.StatusCode, string(body), err}
	}()
	return ch
}

// noneLeft checks that pid (if not 0) is gone and that no process the
// workshop started was left behind (orphans are reparented to this test).
func noneLeft(t *testing.T, pid int) {
	t.Helper()
	var left []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		left = children()
		if pid != 0 {
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				left = append(left, fmt.Sprintf("the function's process %d", pid))
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(left) > 0 {
		t.Errorf("still running after workshop run exited: %s", strings.Join(left, "; "))
	}
}

// children lists this process's living children (zombies are reaped).
func children() []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at the last ')'.
		i := strings.LastIndexByte(string(stat), ')')
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		if fields[0] == "Z" {
			var ws syscall.WaitStatus
			_, _ = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		out = append(out, fmt.Sprintf("pid %d: %s", pid, strings.ReplaceAll(strings.TrimSpace(string(cmdline)), "\x00", " ")))
	}
	return out
}
