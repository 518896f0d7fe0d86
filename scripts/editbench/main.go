// Command editbench measures the learner's loop on step 05: how long from
// saving a one-line edit of main.go to seeing the new verdict, through
// `workshop watch 05` and through `go test ./steps/05-*`.
//
//	go run ./scripts/editbench               # 10 edits each way
//	go run ./scripts/editbench -n 5 -only watch
//	go run ./scripts/editbench -compare HEAD~3  # the same, on a copy of that revision too, edit by edit
//
// It works in temporary copies of the repository (the files git knows, as
// they are in the working tree, or as they were at -compare's revision), with
// the solution's learner files in steps/05-put-then-scan, so nothing in the
// tree changes. Each edit changes the text of a log line in main.go to one
// never built before, so no cache has seen it. watch is started once per
// copy and its output read: a sample ends at the line after the verdict (the
// progress line) of the check run that began after the write. go test's
// sample ends when it exits. It prints each sample, the median, the 90th
// percentile and the goal, and the CPU time each edit cost (the process and
// the children it waited for: go build, the functions): on a busy machine the
// wall time says more about the other users than about the code, the CPU time
// much less. Everything listens on 127.0.0.1 and stops when the command ends
// (after -timeout at the latest).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
)

const (
	slug = "05-put-then-scan"
	// The goals of issue 12, as medians on a quiet machine.
	watchGoal  = 1500 * time.Millisecond
	goTestGoal = 2500 * time.Millisecond
)

func main() {
	n := flag.Int("n", 10, "edits measured each way")
	only := flag.String("only", "", "measure only watch or gotest")
	compare := flag.String("compare", "", "also measure a copy of this git revision, edit by edit beside the working tree's")
	timeout := flag.Duration("timeout", 15*time.Minute, "stop everything after this long")
	keep := flag.Bool("keep", false, "keep the temporary copies (their paths are printed)")
	flag.Parse()
	if *only != "" && *only != "watch" && *only != "gotest" {
		fmt.Fprintln(os.Stderr, "editbench: -only is watch or gotest")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := bench(ctx, *n, *only, *compare, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "editbench:", err)
		os.Exit(1)
	}
}

// tree is one temporary copy of the repository under test.
type tree struct {
	name string // "working tree" or the revision
	dir  string
	exe  string // its workshop command, built
	main string // steps/05-put-then-scan/main.go
	w    *watcher

	watch, gotest       []time.Duration
	watchCPU, gotestCPU []time.Duration // CPU time of watch or go test and their children, per edit
}

func bench(ctx context.Context, n int, only, compare string, keep bool) error {
	root, err := repo.Root(".")
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "editbench-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("editbench: the copies stay in", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	fmt.Printf("editbench: load average %s at start; %d edits of %s/main.go each way\n", loadavg(), n, "steps/"+slug)

	trees := []*tree{{name: "working tree"}}
	if compare != "" {
		trees = append(trees, &tree{name: compare})
	}
	for i, t := range trees {
		t.dir = filepath.Join(tmp, fmt.Sprintf("repo%d", i))
		rev := ""
		if i > 0 {
			rev = compare
		}
		if err := t.setUp(ctx, root, rev); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	nonce := fmt.Sprintf("%x", time.Now().UnixNano())
	edit := 0
	next := func(t *tree) error {
		edit++
		return t.edit(fmt.Sprintf("%s-%d", nonce, edit))
	}

	if only != "gotest" {
		for _, t := range trees {
			if err := t.startWatch(ctx); err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			defer t.w.stop()
		}
		for i := range n {
			for _, t := range trees {
				cpu0 := processCPU(t.w.cmd.Process.Pid)
				start := time.Now()
				if err := next(t); err != nil {
					return err
				}
				verdict, err := t.w.verdictAfter(ctx, start, time.Minute)
				if err != nil {
					return fmt.Errorf("%s: watch, edit %d: %w", t.name, i+1, err)
				}
				d := time.Since(start)
				cpu := processCPU(t.w.cmd.Process.Pid) - cpu0
				t.watch, t.watchCPU = append(t.watch, d), append(t.watchCPU, cpu)
				fmt.Printf("watch  %-14s edit %2d/%d: %5.2f s  cpu %5.2f s  %s\n", t.name, i+1, n, d.Seconds(), cpu.Seconds(), verdict)
				time.Sleep(500 * time.Millisecond) // let the watcher settle
			}
		}
		for _, t := range trees {
			t.w.stop()
		}
	}
	if only != "watch" {
		for i := range n {
			for _, t := range trees {
				start := time.Now()
				if err := next(t); err != nil {
					return err
				}
				last, cpu, err := t.goTest(ctx)
				if err != nil {
					return fmt.Errorf("%s: go test, edit %d: %w", t.name, i+1, err)
				}
				d := time.Since(start)
				t.gotest, t.gotestCPU = append(t.gotest, d), append(t.gotestCPU, cpu)
				fmt.Printf("gotest %-14s edit %2d/%d: %5.2f s  cpu %5.2f s  %s\n", t.name, i+1, n, d.Seconds(), cpu.Seconds(), last)
			}
		}
	}

	fmt.Printf("\neditbench: load average %s at the end\n", loadavg())
	for _, t := range trees {
		report("workshop watch 05", t.name, t.watch, t.watchCPU, watchGoal)
		report("go test ./steps/05-*", t.name, t.gotest, t.gotestCPU, goTestGoal)
	}
	if len(trees) == 2 {
		a, b := trees[0], trees[1]
		for _, kind := range []struct {
			name             string
			a, b, aCPU, bCPU []time.Duration
		}{{"workshop watch 05", a.watch, b.watch, a.watchCPU, b.watchCPU}, {"go test ./steps/05-*", a.gotest, b.gotest, a.gotestCPU, b.gotestCPU}} {
			if len(kind.a) > 0 && len(kind.b) > 0 {
				fmt.Printf("%-22s working tree / %s: median wall %.2f, median cpu %.2f\n", kind.name, b.name,
					median(kind.a).Seconds()/median(kind.b).Seconds(), median(kind.aCPU).Seconds()/median(kind.bCPU).Seconds())
			}
		}
	}
	return nil
}

func report(what, name string, ds, cpu []time.Duration, goal time.Duration) {
	if len(ds) == 0 {
		return
	}
	verdict := "meets the goal"
	if median(ds) > goal {
		verdict = "MISSES the goal"
	}
	fmt.Printf("%-22s %-14s median %5.2f s  p90 %5.2f s  cpu median %5.2f s  (n=%d; goal: median ≤ %.1f s: %s)\n",
		what, name, median(ds).Seconds(), percentile(ds, 90).Seconds(), median(cpu).Seconds(), len(ds), goal.Seconds(), verdict)
}

// processCPU is the CPU time of a running process and of the children it
// has waited for (go build, the functions' processes once stopped), from
// /proc; 0 where there is none.
func processCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses: utime is
	// the 14th field of the line, then stime, cutime, cstime, in clock ticks.
	i := strings.LastIndexByte(string(data), ')')
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 15 {
		return 0
	}
	var ticks int64
	for _, s := range f[11:15] {
		n, _ := strconv.ParseInt(s, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// clockTicks is USER_HZ, 100 on Linux.
const clockTicks = 100

func median(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// percentile is the nearest-rank percentile.
func percentile(ds []time.Duration, p int) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	i := (p*len(s)+99)/100 - 1
	return s[max(i, 0)]
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// setUp copies the repository (rev "" is the working tree) to t.dir, puts
// the solution's learner files in the step and builds the workshop command.
func (t *tree) setUp(ctx context.Context, root, rev string) error {
	fmt.Printf("editbench: copying the %s to %s\n", t.name, t.dir)
	if err := os.MkdirAll(t.dir, 0o755); err != nil {
		return err
	}
	if rev == "" {
		out, err := exec.CommandContext(ctx, "git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
		if err != nil {
			return fmt.Errorf("listing the repository's files with git: %w", err)
		}
		for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
			if name == "" || strings.HasPrefix(name, "node_modules") {
				continue
			}
			if err := copyFile(filepath.Join(root, name), filepath.Join(t.dir, name)); err != nil {
				return err
			}
		}
	} else {
		archive := exec.CommandContext(ctx, "git", "-C", root, "archive", rev)
		untar := exec.CommandContext(ctx, "tar", "-x", "-C", t.dir)
		pipe, err := archive.StdoutPipe()
		if err != nil {
			return err
		}
		untar.Stdin = pipe
		if err := untar.Start(); err != nil {
			return err
		}
		if err := archive.Run(); err != nil {
			return fmt.Errorf("git archive %s: %w", rev, err)
		}
		if err := untar.Wait(); err != nil {
			return fmt.Errorf("unpacking git archive %s: %w", rev, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules")); err == nil {
		// DynamoDB Local, for WORKSHOP_DYNAMODB=local
		if err := os.Symlink(filepath.Join(root, "node_modules"), filepath.Join(t.dir, "node_modules")); err != nil {
			return err
		}
	}
	m, err := checks.LoadManifest(t.dir)
	if err != nil {
		return err
	}
	st, err := m.Find(slug)
	if err != nil {
		return err
	}
	for name := range st.LearnerFiles {
		if err := copyFile(filepath.Join(t.dir, "solutions", slug, name), filepath.Join(t.dir, "steps", slug, name)); err != nil {
			return err
		}
	}
	t.main = filepath.Join(t.dir, "steps", slug, "main.go")
	t.exe = filepath.Join(t.dir, ".editbench", "workshop")
	fmt.Printf("editbench: building %s's workshop command\n", t.name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", t.exe, "./scripts/workshop")
	cmd.Dir = t.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./scripts/workshop: %w\n%s", err, out)
	}
	return nil
}

func copyFile(src, dst string) error {
	info, err := os.Lstat(src)
	if errors.Is(err, os.ErrNotExist) {
		return nil // deleted in the working tree, not yet in git
	}
	if err != nil || !info.Mode().IsRegular() {
		return err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, info.Mode().Perm())
}

// logLine is the line each edit changes: the handler's first log line.
var logLine = regexp.MustCompile(`(?m)^(\s*log\.Printf\(")(?:\[edit [^\]]*\] )?`)

// edit rewrites the handler's log line with a new mark, as an editor saves.
func (t *tree) edit(mark string) error {
	data, err := os.ReadFile(t.main)
	if err != nil {
		return err
	}
	loc := logLine.FindSubmatchIndex(data)
	if loc == nil {
		return fmt.Errorf("%s has no log.Printf line to edit", t.main)
	}
	out := slices.Concat(data[:loc[3]], []byte("[edit "+mark+"] "), data[loc[1]:])
	return os.WriteFile(t.main, out, 0o644)
}

// goTest runs go test on the step and returns its last line and the CPU
// time of go test and its children.
func (t *tree) goTest(ctx context.Context) (string, time.Duration, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "./steps/"+slug)
	cmd.Dir = t.dir
	out, err := cmd.CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	last := lines[len(lines)-1]
	if err != nil {
		return "", 0, fmt.Errorf("%w:\n%s", err, out)
	}
	if strings.Contains(last, "(cached)") {
		return "", 0, fmt.Errorf("go test answered from its cache after an edit: %s", last)
	}
	return last, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// watcher is a running `workshop watch 05` and its output, line by line.
type watcher struct {
	cmd   *exec.Cmd
	lines chan line
	done  chan struct{}
	once  sync.Once
}

type line struct {
	at   time.Time
	text string
}

func (t *tree) startWatch(ctx context.Context) error {
	fmt.Printf("editbench: starting %s's workshop watch 05\n", t.name)
	cmd := exec.Command(t.exe, "watch", "05", "-port", "0")
	cmd.Dir = t.dir
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	w := &watcher{cmd: cmd, lines: make(chan line, 1000), done: make(chan struct{})}
	t.w = w
	go func() {
		defer close(w.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			w.lines <- line{time.Now(), sc.Text()}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() {
		select {
		case <-ctx.Done():
			w.stop()
		case <-w.done:
		}
	}()
	// The first verdict: the check watch runs at start.
	v, err := w.verdictAfter(ctx, time.Time{}, 3*time.Minute)
	if err != nil {
		return fmt.Errorf("watch did not give its first verdict: %w", err)
	}
	fmt.Printf("editbench: %s's watch is up; first verdict: %s\n", t.name, v)
	return nil
}

// verdictAfter waits for the verdict of a check run that began after start
// and returns its text; the progress line after it ends the wait.
func (w *watcher) verdictAfter(ctx context.Context, start time.Time, limit time.Duration) (string, error) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	checking := false
	verdict := ""
	for {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-timer.C:
			return "", fmt.Errorf("no verdict within %s", limit)
		case l, ok := <-w.lines:
			if !ok {
				return "", errors.New("watch ended")
			}
			if l.at.Before(start) {
				continue // an earlier run's
			}
			switch {
			case strings.Contains(l.text, "does not compile") || strings.Contains(l.text, "could not swap"):
				return "", fmt.Errorf("watch: %s", l.text)
			case strings.HasPrefix(l.text, "checking "):
				checking = true
			case checking && verdict == "" && (strings.HasPrefix(l.text, "step ") || strings.HasPrefix(l.text, "✗ ")):
				verdict = l.text
			case checking && strings.HasPrefix(l.text, "checked in "):
				verdict += " (" + l.text + ")"
			case checking && strings.HasPrefix(l.text, "progress:"):
				return verdict, nil
			}
		}
	}
}

// stop interrupts watch as Ctrl-C does, and kills it if it has not stopped
// within 20 s.
func (w *watcher) stop() { w.once.Do(w.interrupt) }

func (w *watcher) interrupt() {
	close(w.done)
	_ = w.cmd.Process.Signal(syscall.SIGINT)
	exited := make(chan struct{})
	go func() {
		_ = w.cmd.Wait()
		close(exited)
	}()
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		fmt.Println("editbench: watch did not stop within 20 s: killing it")
		_ = w.cmd.Process.Kill()
		<-exited
	}
}
