package checks

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// goTestCommands run the learner's own Go unit tests, beside the checks'
// black-box view of the deployed app.
var goTestCommands = []*command{
	{name: "gotest", form: "TEST MIN-CASES [FUNC MIN-PERCENT]", min: 2, max: 4, valid: validGoTest, run: runGoTest,
		noNot: "a unit test that must fail teaches nothing"},
}

func validGoTest(args []string) error {
	if !strings.HasPrefix(args[0], "Test") || strings.ContainsAny(args[0], "/^$|()[]*.") {
		return fmt.Errorf("TEST is the name of a test function (TestHandler), not %q", args[0])
	}
	if _, err := positive("MIN-CASES", args[1]); err != nil {
		return err
	}
	switch len(args) {
	case 3:
		return errors.New("FUNC goes with MIN-PERCENT: gotest TestHandler 5 handler 70")
	case 4:
		if !token.IsIdentifier(args[2]) {
			return fmt.Errorf("FUNC is the name of a Go function or method (handler), not %q", args[2])
		}
		if p, err := positive("MIN-PERCENT", args[3]); err != nil || p > 100 {
			return fmt.Errorf("MIN-PERCENT is a whole number from 1 to 100, not %q", args[3])
		}
	}
	return nil
}

// testEvent is one line of `go test -json` (cmd/test2json).
type testEvent struct {
	Action string // run, pass, fail, skip, output, build-output, build-fail
	Test   string
	Output string
}

// gotest TEST MIN-CASES [FUNC MIN-PERCENT]: `go test -run '^TEST$'` in the
// step's directory compiles, runs TEST, and TEST passes with at least
// MIN-CASES subtests (t.Run) passed: the learner's table-driven unit test
// exists, has the cases asked for, and passes. With FUNC, TEST must also run
// at least MIN-PERCENT of FUNC's statements, so that empty cases do not count.
func runGoTest(ts *testscript.TestScript, st *state, in input) {
	name := in.args[0]
	min, _ := strconv.Atoi(in.args[1])
	file := st.rel(filepath.Join(st.target.Dir, "main_test.go"))
	goTool, err := exec.LookPath("go")
	if err != nil {
		st.fail(ts, "the go command was not found: install Go (https://go.dev/dl/) and put it on your PATH")
	}
	// -run keeps TestStep (these checks) out: the unit tests only.
	profile := filepath.Join(ts.MkAbs("."), "unit-test.cover")
	cmd := exec.CommandContext(st.ctx, goTool, "test", "-json", "-run", "^"+name+"$", "-coverprofile", profile, ".")
	cmd.Dir = st.target.Dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	if st.ctx.Err() != nil {
		st.fail(ts, "go test -run %s in %s did not finish in time: %v", name, st.rel(st.target.Dir), st.ctx.Err())
	}
	var exitErr *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exitErr) {
		st.fail(ts, "running go test in %s: %v", st.rel(st.target.Dir), runErr)
	}

	var build []string              // the compiler's lines
	ran, passed := false, 0         // TEST ran; its subtests that passed
	failed := map[string][]string{} // output of each failed test, by name
	var order []string              // failed tests, in order
	output := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e testEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		switch {
		case e.Action == "build-output":
			build = append(build, strings.TrimRight(e.Output, "\n"))
		case e.Test == name && e.Action == "run":
			ran = true
		case e.Action == "output" && e.Test != "":
			if l := strings.TrimSpace(e.Output); l != "" && !strings.HasPrefix(l, "=== ") && !strings.HasPrefix(l, "--- ") {
				output[e.Test] = append(output[e.Test], l)
			}
		case e.Action == "pass" && strings.HasPrefix(e.Test, name+"/"):
			passed++
		case e.Action == "fail" && e.Test != "":
			failed[e.Test] = output[e.Test]
			order = append(order, e.Test)
		}
	}
	// Older go versions write the compiler's message to stderr.
	if errs := strings.TrimSpace(stderr.String()); errs != "" {
		build = append(build, strings.Split(errs, "\n")...)
	}
	switch {
	case !ran && len(build) > 0 && runErr != nil:
		// The error may be in main.go as well as in the test: name the folder.
		st.fail(ts, "%s: go test does not compile the step's Go files: %s\n%s", st.rel(st.target.Dir), firstCompileError(build), strings.Join(build, "\n"))
	case !ran && runErr != nil:
		st.fail(ts, "%s: go test -run %s failed before running it:\n%s", file, name, strings.TrimSpace(string(out)))
	case !ran:
		st.fail(ts, "%s has no test %s(t *testing.T); expected a table-driven unit test of the handler with at least %d cases", file, name, min)
	case len(order) > 0:
		// The innermost failure first: a subtest's, else TEST's own.
		first := order[0]
		lines := failed[first]
		// t.Errorf's lines name the test file and line; the handler's own
		// log lines come between them.
		detail := "(no message: call t.Errorf with what was wrong)"
		for _, l := range lines {
			if testLine.MatchString(l) {
				detail = l
				break
			}
		}
		if len(lines) > 20 {
			lines = append(lines[:20], "…")
		}
		st.fail(ts, "%s: %s fails: %s\n%s", file, first, cut(detail, 200), strings.Join(lines, "\n"))
	case passed < min:
		st.fail(ts, "%s: %s passes with %d %s (t.Run); expected at least %d, each a row of its table", file, name, passed, plural(passed, "case", "cases"), min)
	}
	fmt.Fprintf(ts.Stdout(), "%s: %d cases passed\n", name, passed)
	if len(in.args) == 4 {
		fn := in.args[2]
		want, _ := strconv.Atoi(in.args[3])
		where, run, total, err := funcCoverage(st.target.Dir, fn, profile)
		switch {
		case err != nil:
			st.fail(ts, "%s: measuring what %s runs of %s: %v", file, name, fn, err)
		case total == 0:
			st.fail(ts, "%s has no function %s; expected the handler that %s tests to be named %s", st.rel(st.target.Dir), fn, name, fn)
		case run*100 < want*total:
			st.fail(ts, "%s: %s's cases run %d%% of %s's statements (%s); expected at least %d%%: each case calls %s and checks its answer (go tool cover -html shows what runs)",
				file, name, run*100/total, fn, st.rel(where), want, fn)
		}
		fmt.Fprintf(ts.Stdout(), "%s: runs %d%% of %s's statements\n", name, run*100/total, fn)
	}
}

// funcCoverage counts the statements of the function or method fn in dir's
// Go files (not tests), and those the cover profile saw run; where is its file:line.
func funcCoverage(dir, fn, profile string) (where string, run, total int, err error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return "", 0, 0, err
	}
	var file string
	var from, to int
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return "", 0, 0, err
		}
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == fn && fd.Body != nil {
				file, from, to = filepath.Base(f), fset.Position(fd.Pos()).Line, fset.Position(fd.End()).Line
			}
		}
	}
	if file == "" {
		return "", 0, 0, nil
	}
	data, err := os.ReadFile(profile)
	if err != nil {
		return "", 0, 0, fmt.Errorf("reading the cover profile: %w", err)
	}
	// Lines: "import/path/main.go:100.90,102.3 2 1" (start.col,end.col statements count).
	for _, l := range strings.Split(string(data), "\n")[1:] {
		var l0, c0, l1, c1, n, count int
		i := strings.LastIndex(l, ":")
		if i < 0 || path.Base(l[:i]) != file { // profile paths are import paths, slash-separated
			continue
		}
		if _, err := fmt.Sscanf(l[i+1:], "%d.%d,%d.%d %d %d", &l0, &c0, &l1, &c1, &n, &count); err != nil {
			continue
		}
		if l0 >= from && l1 <= to {
			total += n
			if count > 0 {
				run += n
			}
		}
	}
	return fmt.Sprintf("%s:%d", filepath.Join(dir, file), from), run, total, nil
}

// testLine is a line t.Errorf or t.Fatalf wrote: "main_test.go:94: ...".
var testLine = regexp.MustCompile(`^\S+_test\.go:\d+: `)

// firstCompileError is the first line of the compiler's output that names a
// file and line ("./main_test.go:12:3: undefined: x").
func firstCompileError(lines []string) string {
	for _, l := range lines {
		if strings.Contains(l, ".go:") {
			return cut(strings.TrimSpace(l), 200)
		}
	}
	return cut(strings.TrimSpace(lines[0]), 200)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
