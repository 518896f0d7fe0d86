// Package checks runs a step's checks: the testscript files in
// steps/NN-slug/testdata, with the commands in this package.
//
// Three modes, chosen from where the test runs and the manifest:
//   - solution: solutions/NN-slug; every check must pass.
//   - verify: steps/NN-slug whose learner files still match the manifest's
//     hashes; exactly the checks listed in failOnStarter must fail, each
//     with the message recorded there.
//   - learner: steps/NN-slug once edited; each failing check is reported with
//     the file, the resource, what was expected and a hint.
package checks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Mode says how a step's checks are judged.
type Mode string

const (
	Solution Mode = "solution"
	Verify   Mode = "verify"
	Learner  Mode = "learner"
)

// Result is the outcome of one check.
type Result struct {
	Name    string
	Failed  bool
	Skipped bool
	Message string // why it failed or was skipped, in a learner's words
	Broken  bool   // it failed because the check itself is wrong: a misused command, a missing golden file
	Log     string // the script's full log, for maintainers
	Took    time.Duration
	// The Prefix and region the run deployed with (see PrefixEnv).
	Prefix, Region string
}

// Target is a step directory to check.
type Target struct {
	Root string // repository root
	Step Step
	Dir  string // the directory whose files are checked: steps/NN or solutions/NN
	Mode Mode
	// ScriptsDir holds the checks; steps/NN/testdata when empty.
	ScriptsDir string
	// Env adds variables the scripts see ($NAME).
	Env map[string]string
	// Bootstrap, when set, is an executable already built from Dir's code
	// for this machine (go test's test binary, see steptest): the checks run
	// it as the function whose CodeUri is Dir instead of building it again.
	Bootstrap string
}

func (t Target) scriptsDir() string {
	if t.ScriptsDir != "" {
		return t.ScriptsDir
	}
	return filepath.Join(t.Root, "steps", t.Step.Slug, "testdata")
}

// Resolve finds the step for a directory under steps/ or solutions/.
func Resolve(dir string) (Target, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Target{}, err
	}
	root, m, err := ManifestAround(abs)
	if err != nil {
		return Target{}, err
	}
	kind := filepath.Base(filepath.Dir(abs))
	step, err := m.Find(filepath.Base(abs))
	if err != nil {
		return Target{}, fmt.Errorf("%s is not a step listed in %s: %w", abs, ManifestFile, err)
	}
	t := Target{Root: root, Step: step, Dir: abs}
	switch kind {
	case "solutions":
		t.Mode = Solution
	case "steps":
		untouched, err := step.Untouched(abs)
		if err != nil {
			return Target{}, err
		}
		t.Mode = Learner
		if untouched {
			t.Mode = Verify
		}
	default:
		return Target{}, fmt.Errorf("%s is neither under steps/ nor solutions/", abs)
	}
	return t, nil
}

// Scripts lists the step's check names: those the manifest puts first, in
// its order, then the others, sorted.
func (t Target) Scripts() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(t.scriptsDir(), "*.txtar"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".txtar"))
	}
	sort.Strings(names)
	for _, n := range t.Step.First {
		if !slices.Contains(names, n) {
			return nil, fmt.Errorf("%s: step %s puts the check %s first, but it has no testdata/%s.txtar", ManifestFile, t.Step.Slug, n, n)
		}
	}
	rank := func(n string) int {
		if i := slices.Index(t.Step.First, n); i >= 0 {
			return i
		}
		return len(t.Step.First)
	}
	sort.SliceStable(names, func(i, j int) bool { return rank(names[i]) < rank(names[j]) })
	return names, nil
}

// Check runs the step's checks (all, or only the named ones) on t.Dir.
func (t Target) Check(only []string, deadline time.Time) ([]Result, error) {
	dep, err := newDeployment(os.Getenv)
	if err != nil {
		return nil, err
	}
	names, err := t.Scripts()
	if err != nil {
		return nil, err
	}
	var files []string
	for _, n := range names {
		if len(only) == 0 || slices.Contains(only, n) {
			files = append(files, filepath.Join(t.scriptsDir(), n+".txtar"))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("step %s has no checks named %s (it has %s)", t.Step.Slug, strings.Join(only, ", "), strings.Join(names, ", "))
	}
	var key string
	if len(only) == 0 && t.Mode == Learner {
		// Before the run: the verdict is for the files the checks read.
		key, _ = t.VerdictKey()
	}
	builds, err := newHostBuilds(deadline)
	if err != nil {
		return nil, err
	}
	if t.Bootstrap != "" {
		builds.prebuilt(t.Dir, t.Bootstrap)
	}
	defer builds.close()
	rec := newRecorder()
	testscript.RunT(rec, testscript.Params{
		Files:    files,
		Deadline: deadline,
		Cmds:     scriptCommands(),
		// Two files of one name in a script: the second would silently win.
		RequireUniqueNames: true,
		Setup: func(e *testscript.Env) error {
			sub := e.T().(*script)
			ctx, cancel := scriptContext(deadline)
			e.Defer(cancel)
			st := newState(ctx, t, sub)
			st.deployment = dep
			st.builds = builds
			sub.state = st
			e.Values[stateKey{}] = st
			e.Setenv("STEP", t.Dir)
			e.Setenv("REPO", t.Root)
			e.Setenv("PREFIX", dep.Params["Prefix"])
			e.Setenv("REGION", dep.Region)
			for k, v := range t.Env {
				e.Setenv(k, v)
			}
			return nil
		},
	})
	results := rec.wait()
	for i := range results {
		results[i].Prefix, results[i].Region = dep.Params["Prefix"], dep.Region
	}
	if key != "" && (deadline.IsZero() || time.Now().Before(deadline)) {
		saveVerdict(key, VerdictOf(results))
	}
	return results, nil
}

// scriptContext is the context of one script's calls: it ends when the
// script does, or at the run's deadline (the test's, for go test).
func scriptContext(deadline time.Time) (context.Context, context.CancelFunc) {
	if deadline.IsZero() {
		return context.WithCancel(context.Background())
	}
	return context.WithDeadline(context.Background(), deadline)
}

// Line is one line of a report.
type Line struct {
	Fail bool
	Text string
}

// Judge turns results into a report for the target's mode.
func Judge(t Target, results []Result) []Line {
	var out []Line
	name := "step " + t.Step.Slug
	switch t.Mode {
	case Verify:
		var surprises []Line
		var failedAsExpected []string
		for _, r := range results {
			want, because := t.Step.StarterFailure(r.Name, r.Message)
			switch {
			case r.Skipped:
				out = append(out, Line{Text: fmt.Sprintf("skipped %s: %s", r.Name, r.Message)})
			case r.Broken:
				// Failing on the starter for a broken script proves nothing.
				surprises = append(surprises, Line{Fail: true, Text: fmt.Sprintf("check %s is itself wrong, so its failure on the starter proves nothing:\n%s", r.Name, indent(r.Message+"\n"+r.Log))})
			case r.Failed && want && !because:
				// Failing for another reason (a deploy crash, a changed
				// message) proves nothing about what the learner must do.
				surprises = append(surprises, Line{Fail: true, Text: fmt.Sprintf("check %s fails on the untouched starter of %s, but not as %s expects (a message matching %s):\n%s", r.Name, name, ManifestFile, t.Step.FailOnStarter[r.Name], indent(r.Message+"\n"+r.Log))})
			case r.Failed && want:
				failedAsExpected = append(failedAsExpected, r.Name)
			case r.Failed:
				surprises = append(surprises, Line{Fail: true, Text: fmt.Sprintf("check %s fails on the untouched starter of %s but %s does not list it in failOnStarter:\n%s", r.Name, name, ManifestFile, indent(r.Message+"\n"+r.Log))})
			case want:
				surprises = append(surprises, Line{Fail: true, Text: fmt.Sprintf("check %s passes on the untouched starter of %s, yet %s says it must fail: the starter leaves the learner nothing to do for it", r.Name, name, ManifestFile)})
			}
		}
		if len(surprises) > 0 {
			return append(out, surprises...)
		}
		out = append(out, Line{Text: fmt.Sprintf("%s: not started. %d of %d checks wait for your work (%s); edit the files marked TODO(step %s), then run this again.",
			name, len(failedAsExpected), len(results), strings.Join(failedAsExpected, ", "), t.Step.Number())})
	case Solution, Learner:
		failed := 0
		// A template or code mistake also stops the local deployment, failing
		// every check that runs the app: show those after the ones that say
		// what the mistake is.
		results = slices.Clone(results)
		sort.SliceStable(results, func(i, j int) bool {
			return !deployFailure(results[i]) && deployFailure(results[j])
		})
		for _, r := range results {
			switch {
			case r.Skipped:
				out = append(out, Line{Text: fmt.Sprintf("- %s skipped: %s", r.Name, r.Message)})
			case r.Failed:
				failed++
				msg := r.Message
				if r.Broken {
					msg = "this check is itself wrong, not the files it checks: " + msg
				}
				if t.Mode == Solution {
					msg += "\n" + r.Log
				}
				out = append(out, Line{Fail: true, Text: fmt.Sprintf("✗ %s\n%s", r.Name, indent(msg))})
			default:
				out = append(out, Line{Text: "✓ " + r.Name})
			}
		}
		skipped := Skipped(results)
		switch {
		case failed == 0 && len(skipped) == 0:
			out = append(out, Line{Text: fmt.Sprintf("%s (%s): all %d checks pass.", name, t.Mode, len(results))})
		case failed == 0:
			// A skipped check proved nothing: never count it as passed.
			out = append(out, Line{Text: fmt.Sprintf("%s (%s): %d of %d checks pass; %d skipped, not checked: %s (install what the messages above name, then run this again).",
				name, t.Mode, len(results)-len(skipped), len(results), len(skipped), strings.Join(skipped, ", "))})
		case t.Mode == Learner:
			text := fmt.Sprintf("%s: %d of %d checks fail; one mistake can fail several, so start with the first message above.", name, failed, len(results))
			if len(skipped) > 0 {
				text += fmt.Sprintf(" Skipped, not checked: %s.", strings.Join(skipped, ", "))
			}
			if changed := t.Step.ChangedFiles(t.Dir); len(changed) > 0 {
				text += " Files you changed: " + strings.Join(changed, ", ") + "."
			}
			out = append(out, Line{Fail: true, Text: text})
		}
	}
	// A failure may depend on the run's Prefix and region: say how to get them again.
	if len(results) > 0 && results[0].Prefix != "" && slices.ContainsFunc(out, func(l Line) bool { return l.Fail }) {
		out = append(out, Line{Text: rerunLine(results[0].Prefix, results[0].Region)})
	}
	return out
}

// Skipped names the checks that were skipped (a tool is missing): they
// neither pass nor fail.
func Skipped(results []Result) []string {
	var out []string
	for _, r := range results {
		if r.Skipped {
			out = append(out, r.Name)
		}
	}
	return out
}

// deployFailure reports whether a check failed because the app could not start.
func deployFailure(r Result) bool {
	return r.Failed && strings.HasPrefix(r.Message, "could not start the app locally")
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// recorder is a testscript.T that records each script's outcome instead of
// failing a test, so that verify mode can expect failures.
type recorder struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	sem     chan struct{}
	scripts []*script
}

// scriptsAtOnce bounds the scripts of a run that run at the same time. They
// mostly wait (for the function's processes, DynamoDB, the SDK's backoff
// after a throttle): the CPU's part, building the functions, is done once
// per run (hostBuilds). Limited to the cores, a step's nine scripts wait
// for each other's sleeps, and the slowest starts last.
func scriptsAtOnce() int { return max(runtime.GOMAXPROCS(0), 8) }

func newRecorder() *recorder {
	return &recorder{sem: make(chan struct{}, scriptsAtOnce())}
}

func (r *recorder) Run(name string, f func(testscript.T)) {
	s := &script{name: name, sem: r.sem, parallel: make(chan struct{})}
	r.mu.Lock()
	r.scripts = append(r.scripts, s)
	r.mu.Unlock()
	r.wg.Add(1)
	done := make(chan struct{})
	go func() {
		defer r.wg.Done()
		defer close(done)
		defer func() {
			s.took = time.Since(s.started)
			if s.acquired {
				<-r.sem
			}
		}()
		s.started = time.Now()
		f(s)
	}()
	select { // return once the script runs in parallel, as testing.T.Run does
	case <-s.parallel:
	case <-done:
	}
}

func (r *recorder) wait() []Result {
	r.wg.Wait()
	out := make([]Result, 0, len(r.scripts))
	for _, s := range r.scripts {
		res := Result{Name: s.name, Failed: s.failed, Skipped: s.skipped, Log: s.log.String(), Took: s.took,
			Broken: s.state != nil && s.state.broken}
		switch {
		case s.skipped:
			res.Message = s.skipMsg
		case s.failed:
			res.Message = s.message()
		}
		out = append(out, res)
	}
	return out
}

func (r *recorder) Skip(args ...any)  { panic("checks: Skip outside a script") }
func (r *recorder) Fatal(args ...any) { panic(fmt.Sprint(args...)) }
func (r *recorder) Parallel()         {}
func (r *recorder) Log(args ...any)   {}
func (r *recorder) FailNow()          { panic("checks: FailNow outside a script") }
func (r *recorder) Verbose() bool     { return false }

// script is the testscript.T of one check.
type script struct {
	name     string
	sem      chan struct{}
	parallel chan struct{}
	acquired bool
	started  time.Time // when it began to run (past the wait for its turn)
	took     time.Duration
	log      strings.Builder
	failed   bool
	skipped  bool
	skipMsg  string
	state    *state
}

func (s *script) Parallel() {
	close(s.parallel)
	s.sem <- struct{}{}
	s.acquired = true
	s.started = time.Now()
}
func (s *script) Log(args ...any) { fmt.Fprintln(&s.log, args...) }
func (s *script) Fatal(args ...any) {
	s.Log(args...)
	s.FailNow()
}
func (s *script) FailNow() {
	s.failed = true
	runtime.Goexit()
}
func (s *script) Skip(args ...any) {
	s.skipped = true
	s.skipMsg = fmt.Sprint(args...)
	runtime.Goexit()
}
func (s *script) Run(string, func(testscript.T)) { panic("checks: nested scripts") }
func (s *script) Verbose() bool                  { return false }

// message is the learner's message: the one our command gave, else the
// FAIL line testscript logged for a built-in command.
func (s *script) message() string {
	if s.state != nil && s.state.failure != "" {
		return s.state.failure
	}
	for _, l := range strings.Split(s.log.String(), "\n") {
		if i := strings.Index(l, "FAIL: "); i >= 0 {
			msg := strings.TrimSpace(l[i+len("FAIL: "):])
			if s.state != nil {
				// A built-in command (stdout, exists ...) failed: name the
				// script from the repository, and add the hint given for it.
				msg = strings.ReplaceAll(msg, s.state.target.Root+string(filepath.Separator), "")
				if s.state.hint != "" {
					msg += "\nhint: " + s.state.hint
				}
			}
			return msg
		}
	}
	return "the check failed; its log follows"
}
