package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/gobuild"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// debounce is how long the files must stay quiet before a rebuild: an
// editor's save is several events (write, rename, chmod), sometimes on
// several files, all within a few milliseconds; each millisecond more is
// one more before the verdict.
const debounce = 20 * time.Millisecond

// started is when this command started, before it read any learner file.
var started = time.Now()

// watch is run that also re-runs the step's checks on each save. Without a
// step it watches the first step not done.
func watch(args []string) error {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // run parses them again and says what is wrong
	fs.Bool("solution", false, "")
	fs.Int("port", 0, "")
	fs.Bool("no-iam", false, "")
	if step, err := checks.StepArgs(fs, args); err == nil && step == "" {
		step, err := firstNotDone(os.Stdout)
		if err != nil {
			return err
		}
		args = append([]string{step}, args...)
	}
	return run("watch", args)
}

// watchStep watches the learner's files of the running stack l: on each
// change it rebuilds and swaps the functions whose code changed, deploys the
// template again when it changed, and with withChecks re-runs the step's
// checks. It stops when ctx ends.
func watchStep(ctx context.Context, t checks.Target, l *live, withChecks bool) error {
	s := l.Stack()
	dirs := []string{t.Dir}
	for _, d := range s.CodeDirs() {
		if !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	w, err := newFileWatcher(dirs, learnerFile(t.Dir, s.CodeDirs()))
	if err != nil {
		return err
	}
	what := "rebuilds and swaps the code"
	if withChecks {
		what += ", then checks the step again"
	}
	fmt.Printf("watching %s: each save %s\n", strings.Join(relAll(t.Root, dirs), ", "), what)
	r := &reloader{t: t, live: l, out: os.Stdout, check: withChecks}
	if withChecks {
		go func() {
			r.checkStep(ctx)
			fillVerdicts(ctx, t.Root)
		}()
	}
	// Saved while the stack was starting: the deployment may predate them.
	early := w.since(started)
	go w.run(ctx, debounce, early, func(files []string) { r.changed(ctx, files) })
	return nil
}

// waitForSave returns once a learner file of stepDir is saved, or ctx ends.
func waitForSave(ctx context.Context, stepDir string) error {
	w, err := newFileWatcher([]string{stepDir}, learnerFile(stepDir, []string{stepDir}))
	if err != nil {
		return err
	}
	saved, cancel := context.WithCancel(ctx)
	defer cancel()
	go w.run(saved, debounce, nil, func([]string) { cancel() })
	<-saved.Done()
	return nil
}

// learnerFile reports whether a path is one the learner edits: main.go and
// template.yaml in the step, any Go file (not a test) in a CodeUri.
func learnerFile(stepDir string, codeDirs []string) func(string) bool {
	return func(path string) bool {
		dir, base := filepath.Dir(path), filepath.Base(path)
		if dir == stepDir && (base == "main.go" || base == stack.TemplateFile) {
			return true
		}
		return slices.Contains(codeDirs, dir) && strings.HasSuffix(base, ".go") &&
			!strings.HasSuffix(base, "_test.go") && !strings.HasPrefix(base, ".")
	}
}

// fileWatcher reports changes to the matching files of some directories.
type fileWatcher struct {
	w     *fsnotify.Watcher
	dirs  []string
	match func(path string) bool
}

// since lists the matching files modified after t: a save during the first
// build, before the watch began, must not go unnoticed.
func (fw *fileWatcher) since(t time.Time) []string {
	var out []string
	for _, d := range fw.dirs {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			path := filepath.Join(d, e.Name())
			if info, err := e.Info(); err == nil && info.ModTime().After(t) && fw.match(path) && !slices.Contains(out, path) {
				out = append(out, path)
			}
		}
	}
	return out
}

// newFileWatcher watches the directories (not their files: an editor that
// saves by renaming a new file over the old one would end a file's watch).
func newFileWatcher(dirs []string, match func(string) bool) (*fileWatcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watching the files: %w", err)
	}
	for _, d := range dirs {
		if err := w.Add(d); err != nil {
			w.Close()
			return nil, fmt.Errorf("watching %s: %w", d, err)
		}
	}
	return &fileWatcher{w: w, dirs: dirs, match: match}, nil
}

// run calls onChange with the changed files, sorted, once the matching
// events have been quiet for quiet; one call at a time. The files in
// initial count as changed at once. It returns when ctx ends.
func (fw *fileWatcher) run(ctx context.Context, quiet time.Duration, initial []string, onChange func([]string)) {
	defer fw.w.Close()
	pending := map[string]bool{}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for _, f := range initial {
		pending[f] = true
		timer.Reset(quiet)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-fw.w.Events:
			if !ok {
				return
			}
			if ev.Op == fsnotify.Chmod || !fw.match(ev.Name) {
				continue // a chmod alone (touch, some editors) changes no content
			}
			pending[ev.Name] = true
			timer.Reset(quiet)
		case err, ok := <-fw.w.Errors:
			if !ok {
				return
			}
			fmt.Println("workshop: watching the files:", err)
		case <-timer.C:
			files := slices.Sorted(func(yield func(string) bool) {
				for f := range pending {
					if !yield(f) {
						return
					}
				}
			})
			clear(pending)
			onChange(files)
		}
	}
}

// reloader applies the learner's saves to the running stack.
type reloader struct {
	t     checks.Target
	live  *live
	out   io.Writer
	stale []string // what the template changed that the stack does not run yet
	check bool     // re-run the step's checks after each save

	// checking is held by one run of the checks, from its start until it
	// is shown or dropped: runs take turns (the first runs at start) and
	// their verdicts never interleave.
	checking sync.Mutex
	legend   bool // the progress line's legend was shown
	// staleTemplate is len(stale) > 0, for the first check's goroutine.
	staleTemplate atomic.Bool
}

func (r *reloader) changed(ctx context.Context, files []string) {
	names := relAll(r.t.Dir, files)
	head := strings.Join(names, " and ") + " changed"
	var swap []string
	for _, fn := range r.live.Stack().App.Functions {
		if slices.ContainsFunc(files, func(f string) bool { return strings.HasSuffix(f, ".go") && filepath.Dir(f) == fn.CodeDir }) {
			swap = append(swap, fn.ID)
		}
	}
	templ := slices.Contains(files, filepath.Join(r.t.Dir, stack.TemplateFile))
	if templ || len(r.stale) > 0 { // a redeploy that failed is tried again on each save
		if r.templateChanged(ctx, head) {
			swap = nil // the new deployment runs the code as it is now
		}
	}
	if len(swap) == 0 {
		if r.check && ctx.Err() == nil {
			r.checkStep(ctx)
		}
		return
	}
	// The checks start with the swap, not after it: their build of the
	// code is the swap's (the build cache builds a key once, the other
	// waits and takes it), so the verdict comes a build sooner. It is shown
	// after the swap's line, and not at all when the swap fails: the
	// compiler's message is shown once, by the swap.
	var run *checkRun
	if r.check {
		run = r.startChecks(ctx)
	}
	if !r.swap(ctx, head, swap, names) || ctx.Err() != nil {
		run.drop(r)
		return
	}
	r.show(ctx, run)
}

// templateChanged deploys the template again when what the stack runs
// changed, as `sam deploy` would; true when it did.
func (r *reloader) templateChanged(ctx context.Context, head string) bool {
	changes, err := r.live.Stack().TemplateChanges()
	switch {
	case err != nil:
		fmt.Fprintf(r.out, "%s: %s cannot be deployed, so the stack keeps the template it runs:\n%s\n", head, stack.TemplateFile, indentLines(err.Error()))
		return false
	case len(changes) == 0:
		if len(r.stale) == 0 {
			fmt.Fprintf(r.out, "%s: nothing the local stack runs changed (comments or layout)\n", head)
		}
		r.stale = nil
		r.staleTemplate.Store(false)
		return false
	}
	r.stale = changes
	r.staleTemplate.Store(true)
	fmt.Fprintf(r.out, "%s (%s): deploying the template again, as sam deploy would (until it is done, requests reach the previous deployment)\n", head, strings.Join(changes, ", "))
	start := time.Now()
	if err := r.live.redeploy(ctx); err != nil {
		fmt.Fprintf(r.out, "the template was not deployed, so the stack keeps the one it runs; fix this and save again:\n%s\n", indentLines(deployMessage(err)))
		return false
	}
	r.stale = nil
	r.staleTemplate.Store(false)
	fmt.Fprintf(r.out, "deployed in %.1f s: the next request runs the new template and code\n", time.Since(start).Seconds())
	return true
}

// again is the command that starts this stack again.
func (r *reloader) again() string {
	cmd, arg := "run", r.t.Step.Number()
	if r.check {
		cmd = "watch"
	}
	if r.t.Step.LearnerFiles == nil { // a folder, not a step
		arg = "./" + rel(r.t.Root, r.t.Dir)
	}
	if r.t.Mode == checks.Solution {
		arg += " -solution"
	}
	return "go run ./scripts/workshop " + cmd + " " + arg
}

// swap rebuilds the functions and swaps them in; false when the code does
// not compile.
func (r *reloader) swap(ctx context.Context, head string, ids, names []string) bool {
	// Requests until the swap still reach the old code: say so.
	fmt.Fprintf(r.out, "%s: rebuilding %s (until it is done, requests run the previous code)\n", head, strings.Join(ids, ", "))
	var took time.Duration
	for _, id := range ids {
		d, err := r.live.Stack().Swap(ctx, id)
		took += d
		if ctx.Err() != nil {
			return false
		}
		if err != nil {
			var ce *gobuild.CompileError
			if errors.As(err, &ce) {
				fmt.Fprintf(r.out, "%s: it does not compile, so %s keeps serving the last good build:\n%s\n", head, id, indentLines(ce.Output))
				for _, h := range ce.Hints() { // what the compiler means, not the step's task
					fmt.Fprintln(r.out, "  "+h)
				}
			} else {
				fmt.Fprintf(r.out, "%s: could not swap %s, which keeps serving the last good build: %v\n", head, id, err)
			}
			return false
		}
	}
	fmt.Fprintf(r.out, "%s: rebuilt %s in %.1f s; the next request is a cold start of the new code\n", head, strings.Join(ids, ", "), took.Seconds())
	return true
}

// checkStep runs the step's checks and prints the first failure with its
// hint, and the progress of every step.
func (r *reloader) checkStep(ctx context.Context) {
	r.show(ctx, r.startChecks(ctx))
}

// checkRun is one run of the step's checks, begun by startChecks and ended
// by show or drop.
type checkRun struct {
	t         checks.Target
	untouched bool          // the starter: the checks say what is left to do
	started   chan struct{} // closed once the run holds r.checking
	done      chan struct{} // closed once results, took and err are set
	results   []checks.Result
	took      time.Duration
	err       error
	stale     bool // a learner file was saved while it ran
}

// startChecks begins a run of the step's checks in the background, once the
// run before it has been shown or dropped; nil when the step cannot be
// checked (it says why).
func (r *reloader) startChecks(ctx context.Context) *checkRun {
	t, err := checks.Resolve(r.t.Dir)
	if err != nil {
		fmt.Fprintln(r.out, "workshop: checking:", err)
		return nil
	}
	c := &checkRun{t: t, untouched: t.Mode == checks.Verify, started: make(chan struct{}), done: make(chan struct{})}
	if c.untouched {
		c.t.Mode = checks.Learner // what is left to do, not the maintainers' verdict
	}
	go func() {
		defer close(c.done)
		r.checking.Lock()                // show or drop unlocks it
		key := verdictKey(t.Dir, t.Step) // the files the checks are about to read
		close(c.started)
		start := time.Now()
		c.results, c.err = c.t.Check(nil, time.Now().Add(2*time.Minute))
		c.took = time.Since(start)
		c.stale = verdictKey(t.Dir, t.Step) != key
		if c.err == nil && ctx.Err() == nil && !c.stale {
			verdicts.Lock()
			verdicts.m[key] = verdictOf(c.results)
			verdicts.Unlock()
		}
	}()
	return c
}

// drop ends a run without showing it, once it is done.
func (c *checkRun) drop(r *reloader) {
	if c == nil {
		return
	}
	go func() {
		<-c.done
		r.checking.Unlock()
	}()
}

// show waits for the run and prints the first failure with its hint, and the
// progress of every step.
func (r *reloader) show(ctx context.Context, c *checkRun) {
	if c == nil {
		return
	}
	<-c.started
	defer r.checking.Unlock()
	t := c.t
	fmt.Fprintf(r.out, "checking %s ...\n", t.Step.Slug)
	if c.untouched {
		fmt.Fprintf(r.out, "not started: the failing checks wait for your work at the TODO(step %s) markers\n", t.Step.Number())
	}
	<-c.done
	if c.err != nil {
		fmt.Fprintln(r.out, "workshop: checking:", c.err)
		return
	}
	if ctx.Err() != nil {
		return
	}
	if c.stale {
		// Its verdict is on the files before that save: the run the save
		// started comes next.
		fmt.Fprintf(r.out, "a file changed while these checks ran, so their verdict is on your code before that save: checking again\n")
		return
	}
	results := c.results
	lines := checks.Judge(t, results)
	if i := slices.IndexFunc(lines, func(l checks.Line) bool { return l.Fail }); i >= 0 {
		fmt.Fprintln(r.out, lines[i].Text)
		// Only the first failure is shown: name the others, as a hint may
		// point to them.
		var others []string
		for _, res := range results {
			if res.Failed && !strings.HasPrefix(lines[i].Text, "✗ "+res.Name+"\n") {
				others = append(others, res.Name)
			}
		}
		if len(others) > 0 {
			fmt.Fprintf(r.out, "also failing: %s (all the messages: go run ./scripts/workshop check %s)\n", strings.Join(others, ", "), t.Step.Number())
		}
		fmt.Fprintf(r.out, "stuck? go run ./scripts/workshop hint %s (the concept; then 2: where, 3: the code)\n", t.Step.Number())
	} else if len(lines) > 0 {
		fmt.Fprintln(r.out, lines[len(lines)-1].Text)
		if r.staleTemplate.Load() {
			// The checks deploy the template afresh; the stack on the port could not.
			fmt.Fprintf(r.out, "the app this command serves still runs the last template that deployed: fix what the redeploy said, or Ctrl-C, then %s\n", r.again())
		}
		if next := nextStep(t); next != "" {
			fmt.Fprintf(r.out, "next: Ctrl-C, then go run ./scripts/workshop watch %s\n", next)
		}
	}
	fmt.Fprintln(r.out, tookLine(c.took, results))
	fmt.Fprintln(r.out, progressLine(t))
	if !r.legend {
		r.legend = true
		fmt.Fprintln(r.out, "  (✓ done, ✗ failing, … started, · not started, ? not checked yet)")
	}
}

// tookLine says how long the checks took and which took longest: what the
// wait for a verdict is made of.
func tookLine(took time.Duration, results []checks.Result) string {
	slowest := slices.SortedFunc(slices.Values(results), func(a, b checks.Result) int { return cmp.Compare(b.Took, a.Took) })
	var parts []string
	for _, r := range slowest[:min(2, len(slowest))] {
		parts = append(parts, fmt.Sprintf("%s %.1f s", r.Name, r.Took.Seconds()))
	}
	return fmt.Sprintf("checked in %.1f s (slowest: %s)", took.Seconds(), strings.Join(parts, ", "))
}

// nextStep is the number of the step after t's, "" after the last.
func nextStep(t checks.Target) string {
	m, err := checks.LoadManifest(t.Root)
	if err != nil {
		return ""
	}
	if i := m.Index(t.Step.Slug); i >= 0 && i+1 < len(m.Steps) {
		return m.Steps[i+1].Number()
	}
	return ""
}

// verdict is one step's state in the progress line.
type verdict struct {
	untouched    bool
	pass, checks int
}

func verdictOf(results []checks.Result) verdict {
	v := verdict{checks: len(results)}
	for _, r := range results {
		if !r.Failed && !r.Skipped {
			v.pass++
		}
	}
	return v
}

func (v verdict) done() bool { return !v.untouched && v.pass == v.checks }

// verdicts caches each step's verdict by the content of its learner files:
// the progress line re-checks only what changed.
var verdicts = struct {
	sync.Mutex
	m map[string]verdict
}{m: map[string]verdict{}}

// verdictKey is the directory and the hashes of its learner files.
func verdictKey(dir string, st checks.Step) string {
	key := dir
	for _, name := range slices.Sorted(maps.Keys(st.LearnerFiles)) {
		h, _ := checks.HashFile(filepath.Join(dir, name))
		key += " " + h
	}
	return key
}

func cachedVerdict(key string) (verdict, bool) {
	verdicts.Lock()
	defer verdicts.Unlock()
	v, ok := verdicts.m[key]
	return v, ok
}

// stepVerdict checks a step folder (an untouched starter needs no run).
func stepVerdict(dir string) (verdict, error) {
	t, err := checks.Resolve(dir)
	if err != nil {
		return verdict{}, err
	}
	key := verdictKey(dir, t.Step)
	if v, ok := cachedVerdict(key); ok {
		return v, nil
	}
	v := verdict{untouched: t.Mode == checks.Verify}
	if !v.untouched {
		results, err := t.Check(nil, time.Now().Add(2*time.Minute))
		if err != nil {
			return verdict{}, err
		}
		v = verdictOf(results)
	}
	if verdictKey(dir, t.Step) == key { // not saved again while checking
		verdicts.Lock()
		verdicts.m[key] = v
		verdicts.Unlock()
	}
	return v, nil
}

// fillVerdicts checks the steps whose verdict is not known yet, one at a time.
func fillVerdicts(ctx context.Context, root string) {
	m, err := checks.LoadManifest(root)
	if err != nil {
		return
	}
	for _, st := range m.Steps {
		if ctx.Err() != nil {
			return
		}
		_, _ = stepVerdict(filepath.Join(root, "steps", st.Slug))
	}
}

// progressLine is the progress of all steps, for example
// "01 ✓ 02 ✓ 03 … 04 ✗ (2 of 7 pass) 05 · 06 ·": ✓ done, ✗ the watched step
// not done, … started and not done, · not started, ? not checked yet.
func progressLine(t checks.Target) string {
	m, err := checks.LoadManifest(t.Root)
	if err != nil {
		return ""
	}
	var parts []string
	for _, st := range m.Steps {
		dir := filepath.Join(t.Root, "steps", st.Slug)
		if st.Slug == t.Step.Slug {
			dir = t.Dir
		}
		v, known := cachedVerdict(verdictKey(dir, st))
		if !known {
			if untouched, err := st.Untouched(dir); err == nil && untouched && dir != t.Dir {
				v, known = verdict{untouched: true}, true
			}
		}
		mark := "?"
		switch {
		case !known:
		case v.untouched:
			mark = "·"
		case v.done():
			mark = "✓"
		case st.Slug == t.Step.Slug:
			mark = fmt.Sprintf("✗ (%d of %d pass)", v.pass, v.checks)
		default:
			mark = "…"
		}
		parts = append(parts, st.Number()+" "+mark)
	}
	return "progress: " + strings.Join(parts, " ")
}

// firstNotDone is the number of the first step not done: untouched, or with a
// failing check.
func firstNotDone(out io.Writer) (string, error) {
	root, m, err := manifest()
	if err != nil {
		return "", err
	}
	for _, st := range m.Steps {
		fmt.Fprintf(out, "workshop: is %s done? ", st.Slug)
		v, err := stepVerdict(filepath.Join(root, "steps", st.Slug))
		if err != nil {
			fmt.Fprintln(out)
			return "", err
		}
		switch {
		case v.untouched:
			fmt.Fprintln(out, "not started: watching it")
		case !v.done():
			fmt.Fprintf(out, "%d of %d checks pass: watching it\n", v.pass, v.checks)
		default:
			fmt.Fprintln(out, "yes")
			continue
		}
		return st.Number(), nil
	}
	last := m.Steps[len(m.Steps)-1]
	fmt.Fprintf(out, "workshop: every step is done; watching the last one, %s\n", last.Slug)
	return last.Number(), nil
}

func relAll(base string, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = rel(base, p)
		if out[i] == "." {
			out[i] = rel(filepath.Dir(base), p)
		}
	}
	return out
}

func indentLines(s string) string {
	s = strings.TrimRight(s, "\n")
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// deployMessage is err with a compile error's hints, as run shows them.
func deployMessage(err error) string {
	var ce *gobuild.CompileError
	if errors.As(err, &ce) {
		return fmt.Sprintf("the function's Go code does not compile:\n%v\n%s", err, strings.Join(ce.Hints(), "\n"))
	}
	return err.Error()
}
