// Package steptest is what every step_test.go calls. It is small on purpose:
// go test links it, with the learner's package main, into a new test binary
// after every edit, and a link takes time in proportion to what it holds.
// The checks themselves (testscript, the local stack) run in a separate
// program, stepcheck, built once per change of the harness and kept in the
// user's build cache.
//
// The test binary is also the function's bootstrap for the checks: it holds
// the learner's package main, compiled for this machine, so the checks need
// not build it a second time. Started as Lambda starts a bootstrap (no
// arguments, AWS_LAMBDA_RUNTIME_API and _HANDLER set), Main runs the
// package's main function and nothing of the tests.
package steptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/gobuild"
	"github.com/serverless-dva/sam-dynamodb-go/internal/proc"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

// Main is TestMain of every step_test.go: the function's bootstrap when the
// local Lambda starts the test binary, the tests otherwise.
func Main(m *testing.M, main func()) {
	if isBootstrap(os.Args, os.Getenv) {
		main()
		os.Exit(0) // as a bootstrap whose main returns
	}
	os.Exit(m.Run())
}

// isBootstrap reports whether the process was started as Lambda starts a
// bootstrap. go test always passes -test.* flags, Lambda no argument, and
// only Lambda's environment has both variables.
func isBootstrap(args []string, getenv func(string) string) bool {
	return len(args) == 1 && getenv("AWS_LAMBDA_RUNTIME_API") != "" && getenv("_HANDLER") != ""
}

// Line is one line of stepcheck's report (checks.Line, which this package
// does not import: see the package comment).
type Line struct {
	Fail bool
	Text string
}

// Run is TestStep of every step_test.go: it runs the step's checks on the
// files in the test's directory, in the mode its location and state call
// for, and reports in a learner's words.
func Run(t *testing.T) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatalf("finding the test binary, which the checks run as the function: %v", err)
	}
	if root, err := repo.Root(dir); err == nil {
		recordInputs(root, dir)
	}
	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	lines, err := check(ctx, dir, self)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range lines {
		if line.Fail {
			t.Error(line.Text)
		} else {
			t.Log(line.Text)
		}
	}
}

// inputEnv names the variables the checks read (see docs/architecture.md):
// which DynamoDB, which tools are required, the names of what is deployed,
// PATH, where cfn-lint and Java are found, and what chooses the Python.
var inputEnv = append([]string{
	"WORKSHOP_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB", "WORKSHOP_STRICT", "WORKSHOP_PYTHON",
	"WORKSHOP_CHECK_PREFIX", "WORKSHOP_CHECK_REGION", "WORKSHOP_PARTICIPANT", "WORKSHOP_UPDATE_GOLDEN",
	"CI", "PATH",
}, tool.PythonEnv...)

// recordInputs reads, in the test's own process, what the checks read in
// stepcheck's, so that go test keys its cached result on them: it sees only
// the files and variables its test binary reads. Without this, an edit of
// template.yaml or of a check, a change of the harness, or
// WORKSHOP_DYNAMODB=local would answer "(cached)" with the verdict of before.
func recordInputs(root, dir string) {
	for _, name := range inputEnv {
		os.Getenv(name)
	}
	for _, f := range inputFiles(root, dir) {
		if fh, err := os.Open(f); err == nil {
			fh.Close()
		}
	}
}

// inputFiles lists the files the checks of dir read: dir's own (not the
// .backup-* folders reset leaves), the step's checks (for a solution, those
// under steps/), the manifest, the module files and the harness's sources.
func inputFiles(root, dir string) []string {
	files := []string{
		filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum"),
		filepath.Join(root, "steps", "manifest.json"),
	}
	trees := []string{dir, filepath.Join(root, "steps", filepath.Base(dir), "testdata"), filepath.Join(root, "internal")}
	for _, tree := range trees {
		_ = filepath.WalkDir(tree, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return nil // not there: the checks say so
			case d.IsDir() && path != tree && strings.HasPrefix(d.Name(), "."):
				return filepath.SkipDir
			case d.Type().IsRegular() && !strings.HasSuffix(path, "_test.go"):
				files = append(files, path)
			}
			return nil
		})
	}
	return files
}

// grace is how long before a deadline that is left from now a step
// stops: a twentieth of it, at least half a second.
func grace(left time.Duration) time.Duration {
	return max(left/20, 500*time.Millisecond)
}

// check runs stepcheck on dir, with bootstrap as the function of dir's code.
func check(ctx context.Context, dir, bootstrap string) ([]Line, error) {
	root, err := repo.Root(dir)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "workshop-stepcheck-")
	if err != nil {
		return nil, fmt.Errorf("creating a directory for the checks' program: %w", err)
	}
	defer os.RemoveAll(tmp)
	// From the cache unless the harness changed; then one go test process
	// builds it and the others wait for that build.
	exe, err := gobuild.BuildHost(ctx, filepath.Join(root, "internal", "checks", "cmd", "stepcheck"), tmp)
	if err != nil {
		return nil, fmt.Errorf("building the checks' program (internal/checks/cmd/stepcheck): %w", err)
	}
	args := []string{"-bootstrap", bootstrap}
	if deadline, ok := ctx.Deadline(); ok {
		// go test panics with a stack trace at its deadline: stepcheck is
		// killed before it, and its checks end before that, so that it can
		// still say which of them did not finish.
		g := grace(time.Until(deadline))
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-g))
		defer cancel()
		args = append(args, "-deadline", deadline.Add(-2*g).Format(time.RFC3339Nano))
	}
	cmd := exec.Command(exe, append(args, dir)...)
	// Its messages (a tool that is missing, DynamoDB Local starting) go to
	// the test's output as they come.
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	// Its own process group, killed with this process: a go test timeout
	// leaves no stack behind.
	proc.Isolate(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("running the checks' program: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { proc.Kill(cmd) })
	defer stop()
	runErr := cmd.Wait()
	var lines []Line
	if err := json.Unmarshal(stdout.Bytes(), &lines); err != nil || runErr != nil {
		if ctx.Err() != nil {
			return nil, errors.New("the checks did not finish before the test's deadline: give go test a longer -timeout")
		}
		return nil, fmt.Errorf("the checks' program failed (its messages are above): %w", errors.Join(runErr, err))
	}
	return lines, nil
}
