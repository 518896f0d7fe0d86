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
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/gobuild"
	"github.com/serverless-dva/sam-dynamodb-go/internal/proc"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
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
		args = append(args, "-deadline", deadline.Format(time.RFC3339Nano))
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
