package checks

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/serverless-dva/sam-dynamodb-go/internal/gobuild"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// lambdaCommands compile the functions as `sam build` does, deploy them
// locally, invoke them and read their CloudWatch-like logs.
var lambdaCommands = []*command{
	{name: "build", form: "[FUNCTION ARCH]", max: 2, valid: validBuild, run: runBuild,
		noNot: "it compiles the functions; a compile error already fails it with the compiler's message"},
	{name: "invoke", form: "FUNCTION [EVENTFILE]", min: 1, max: 2, run: runInvoke},
	{name: "logs", form: "REGEXP", min: 1, max: 1, regexps: []int{0}, run: runLogs},
	{name: "unset", form: "FUNCTION VAR", min: 2, max: 2, run: runUnset,
		noNot: "it changes the deployment and asserts nothing"},
}

// deploy starts the step locally once per script.
func (st *state) deploy(ts *testscript.TestScript) *stack.Stack {
	if st.stack != nil {
		return st.stack
	}
	d := st.startDeploy(ts)
	<-d.done
	if d.err != nil {
		st.missingTool(ts, d.err)
		var ce *gobuild.CompileError
		if errors.As(d.err, &ce) {
			st.fail(ts, "%s", compileFailure(st.functionOf(ce.Dir), ce))
		}
		st.fail(ts, "could not start the app locally: %v", d.err)
	}
	st.stack = d.stack
	return st.stack
}

// tables is the stack being deployed, once its tables exist: enough to put
// test items in them while the functions still build. Only its DB and
// TableName may be used; deploy waits for the rest.
func (st *state) tables(ts *testscript.TestScript) *stack.Stack {
	if st.stack != nil {
		return st.stack
	}
	d := st.startDeploy(ts)
	<-d.tables
	if d.early == nil { // the deployment failed before the tables: say why
		return st.deploy(ts)
	}
	return d.early
}

// deploying is the script's deployment, under way in the background.
type deploying struct {
	tables chan struct{} // closed once early is set, or the deployment ended
	done   chan struct{} // closed once stack and err are set
	early  *stack.Stack  // the stack with its tables, before its functions
	stack  *stack.Stack
	err    error
}

// startDeploy deploys the step in the background, once per script; the
// script's end waits for it and stops the stack.
func (st *state) startDeploy(ts *testscript.TestScript) *deploying {
	if st.deploying != nil {
		return st.deploying
	}
	d := &deploying{tables: make(chan struct{}), done: make(chan struct{})}
	st.deploying = d
	st.deployedAt = time.Now()
	opts := stack.Options{
		Dir:        st.target.Dir,
		Deployment: st.deployment,
		Unset:      st.unset,
		BuildDir:   filepath.Join(ts.Getenv("WORK"), ".local-build"),
		Logs:       &st.logs,
		TablesReady: func(s *stack.Stack) {
			d.early = s
			close(d.tables)
		},
	}
	if st.builds != nil {
		opts.Build = st.builds.build
	}
	go func() {
		defer close(d.done)
		d.stack, d.err = stack.Deploy(st.ctx, opts)
		if d.early == nil {
			close(d.tables)
		}
	}()
	ts.Defer(func() {
		<-d.done
		if d.stack != nil {
			d.stack.Close()
		}
	})
	return d
}

// recentLogs is the tail of the function logs, to show with a failure.
func (st *state) recentLogs() string {
	l := strings.TrimSpace(st.logs.String())
	if l == "" {
		return ""
	}
	lines := logTail(strings.Split(l, "\n"))
	for i, l := range lines {
		lines[i] = cutLine(l, maxLogLine)
	}
	return "\nthe local logs (as CloudWatch shows them) end with:\n  " + strings.Join(lines, "\n  ")
}

// logTail is the last 15 lines, or more to start at the line that names a
// Go panic (panic: or fatal error:) when its stack is longer: under go test
// the function is the test binary, whose stack has more frames (TestMain and
// the harness's), and a tail of frames alone does not say what panicked.
func logTail(lines []string) []string {
	const tail, most = 15, 40
	if len(lines) <= tail {
		return lines
	}
	for i := len(lines) - tail - 1; i >= 0 && i >= len(lines)-most; i-- {
		if strings.HasPrefix(lines[i], "panic: ") || strings.HasPrefix(lines[i], "fatal error: ") {
			return lines[i:]
		}
	}
	return lines[len(lines)-tail:]
}

func validBuild(args []string) error {
	switch {
	case len(args) == 1:
		return errors.New("give a FUNCTION and its ARCH, or neither")
	case len(args) == 2 && args[1] != "arm64" && args[1] != "x86_64":
		return fmt.Errorf("ARCH is arm64 or x86_64, not %q", args[1])
	}
	return nil
}

// build [FUNCTION ARCH]: every function's code compiles as `sam build`
// compiles it, for linux and its architecture with cgo off; with FUNCTION, that
// function's Architectures is [ARCH]. It stops before the link, which takes
// longer than the compile after an edit: a mistake only the link finds (no
// func main) fails the checks that deploy the function, whose local build links.
func runBuild(ts *testscript.TestScript, st *state, in input) {
	app := st.app(ts)
	if len(app.Functions) == 0 {
		st.fail(ts, "%s has no AWS::Serverless::Function to build", st.rel(st.templatePath()))
	}
	if len(in.args) == 2 {
		name, arch := in.args[0], in.args[1]
		fn, ok := app.Function(name)
		if !ok {
			st.fail(ts, "%s has no function %s (AWS::Serverless::Function) to build", st.rel(st.templatePath()), name)
		}
		if fn.Arch != arch {
			st.fail(ts, "%s: resource %s: Architectures is [%s], so sam build builds its bootstrap for linux/%s; expected [%s]: under its Properties write Architectures: [%s].",
				app.Template.Where(fn.ID+"/Properties/Architectures"), fn.ID, fn.Arch, fn.Arch, arch, arch)
		}
	}
	for _, fn := range app.Functions {
		if err := errors.Join(fn.BuildProblem(), fn.CodeProblem()); err != nil {
			st.fail(ts, "%s: %v", app.Template.Where(fn.ID), err)
		}
		err := gobuild.Compile(st.ctx, gobuild.Target{Dir: fn.CodeDir, Arch: fn.Arch})
		var ce *gobuild.CompileError
		if errors.As(err, &ce) {
			st.fail(ts, "%s", compileFailure(fn.ID, ce))
		}
		if err != nil {
			st.fail(ts, "compiling %s (CodeUri %s) as sam build does:\n%v", fn.ID, st.rel(fn.CodeDir), err)
		}
		fmt.Fprintf(ts.Stdout(), "compiled %s for linux/%s as sam build does (not linked)\n", fn.ID, fn.Arch)
	}
}

// invoke FUNCTION [EVENTFILE]: invoke the function directly, as `aws lambda
// invoke` does; it must not fail. With !, it must fail (a function error).
func runInvoke(ts *testscript.TestScript, st *state, in input) {
	name := in.args[0]
	payload := []byte("{}")
	if len(in.args) == 2 {
		payload = scriptFile(ts, "invoke", in.args[1])
	}
	s := st.deploy(ts)
	if _, ok := s.Functions[name]; !ok {
		st.fail(ts, "%s has no function %s", st.rel(st.templatePath()), name)
	}
	r, err := s.Invoke(st.ctx, name, payload)
	if err != nil {
		st.fail(ts, "invoking %s: %v", name, err)
	}
	st.lastInvok, st.lastResp, st.load = r.Payload, nil, nil
	fmt.Fprintf(ts.Stdout(), "%s\n", shown(string(r.Payload)))
	switch failed := r.FunctionError != ""; {
	case in.neg && !failed:
		st.fail(ts, "%s returned %s; expected it to fail", name, shown(string(r.Payload)))
	case !in.neg && failed:
		st.fail(ts, "%s failed: %s%s", name, shown(string(r.Payload)), st.recentLogs())
	}
}

// logs REGEXP: the function logs so far, as CloudWatch Logs has them, match
// REGEXP. With !, they do not. Lines the role could not deliver do not count.
func runLogs(ts *testscript.TestScript, st *state, in input) {
	re := in.re[0]
	all := st.logs.String()
	var delivered []string
	for _, line := range strings.SplitAfter(all, "\n") {
		if !strings.HasPrefix(line, stack.Undelivered) {
			delivered = append(delivered, line)
		}
	}
	switch found := re.MatchString(strings.Join(delivered, "")); {
	case in.neg && found:
		st.fail(ts, "the function logs show %s, which they should not.%s", re, st.recentLogs())
	case !in.neg && !found && re.MatchString(all):
		st.fail(ts, "the function printed %s, but its execution role cannot write to CloudWatch Logs, so the logs do not show it: keep AWSLambdaBasicExecutionRole in the role's ManagedPolicyArns.%s", re, st.recentLogs())
	case !in.neg && !found && st.fault.delivered(st):
		st.fail(ts, "%s: %s logged nothing matching %s after DynamoDB answered it %s: log the error each DynamoDB call returns, with %%v.%s",
			st.codeFile(ts, st.fault.function), st.fault.function, re, st.fault.err, st.recentLogs())
	case !in.neg && !found:
		st.fail(ts, "the function logs do not show %s.%s", re, st.recentLogs())
	}
}

// unset FUNCTION VAR: deploy with VAR removed from the function's
// environment, to see what the code does without it. Use before requests.
func runUnset(ts *testscript.TestScript, st *state, in input) {
	if st.stack != nil {
		usageError(ts, "unset must come before the first request or invoke: it changes how the app is deployed")
	}
	if st.unset == nil {
		st.unset = map[string][]string{}
	}
	st.unset[in.args[0]] = append(st.unset[in.args[0]], in.args[1])
}
