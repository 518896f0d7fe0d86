package checks

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/serverless-dva/sam-dynamodb-go/internal/gobuild"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// lambdaCommands build the functions as `sam build` does, deploy them
// locally, invoke them and read their CloudWatch-like logs.
var lambdaCommands = []*command{
	{name: "build", form: "", run: runBuild,
		noNot: "it builds the functions; a compile error already fails it with the compiler's message"},
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
	s, err := stack.Deploy(st.ctx, stack.Options{
		Dir:      st.target.Dir,
		Unset:    st.unset,
		BuildDir: filepath.Join(ts.Getenv("WORK"), ".local-build"),
		Logs:     &st.logs,
	})
	if err != nil {
		st.missingTool(ts, err)
		var ce *gobuild.CompileError
		if errors.As(err, &ce) {
			st.fail(ts, "the function's Go code does not compile:\n%v", err)
		}
		st.fail(ts, "could not start the app locally: %v", err)
	}
	st.stack = s
	ts.Defer(func() { s.Close() })
	return s
}

// recentLogs is the tail of the function logs, to show with a failure.
func (st *state) recentLogs() string {
	l := strings.TrimSpace(st.logs.String())
	if l == "" {
		return ""
	}
	lines := strings.Split(l, "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return "\nthe local logs (as CloudWatch shows them) end with:\n  " + strings.Join(lines, "\n  ")
}

// build: every function builds as `sam build` builds it, for its architecture.
func runBuild(ts *testscript.TestScript, st *state, in input) {
	app := st.app(ts)
	if len(app.Functions) == 0 {
		st.fail(ts, "%s has no AWS::Serverless::Function to build", st.rel(st.templatePath()))
	}
	for _, fn := range app.Functions {
		if err := fn.BuildProblem(); err != nil {
			st.fail(ts, "%s: %v", app.Template.Where(fn.ID), err)
		}
		out := filepath.Join(ts.Getenv("WORK"), ".aws-sam", "build", fn.ID)
		bin, err := gobuild.Build(st.ctx, gobuild.Target{Dir: fn.CodeDir, Arch: fn.Arch}, out)
		if err != nil {
			st.fail(ts, "building %s (CodeUri %s) as sam build does:\n%v", fn.ID, st.rel(fn.CodeDir), err)
		}
		if err := gobuild.CheckELF(bin, fn.Arch); err != nil {
			st.fail(ts, "%s: resource %s: %v", app.Template.Where(fn.ID), fn.ID, err)
		}
		fmt.Fprintf(ts.Stdout(), "built %s for linux/%s: %s\n", fn.ID, fn.Arch, bin)
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
	f, ok := s.Functions[name]
	if !ok {
		st.fail(ts, "%s has no function %s", st.rel(st.templatePath()), name)
	}
	r, err := f.Invoke(st.ctx, payload)
	if err != nil {
		st.fail(ts, "invoking %s: %v", name, err)
	}
	st.lastInvok, st.lastResp, st.load = r.Payload, nil, nil
	fmt.Fprintf(ts.Stdout(), "%s\n", r.Payload)
	switch failed := r.FunctionError != ""; {
	case in.neg && !failed:
		st.fail(ts, "%s returned %s; expected it to fail", name, r.Payload)
	case !in.neg && failed:
		st.fail(ts, "%s failed: %s%s", name, r.Payload, st.recentLogs())
	}
}

// logs REGEXP: the function logs so far match REGEXP. With !, they do not.
func runLogs(ts *testscript.TestScript, st *state, in input) {
	re := in.re[0]
	switch found := re.MatchString(st.logs.String()); {
	case in.neg && found:
		st.fail(ts, "the function logs show %s, which they should not.%s", re, st.recentLogs())
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
