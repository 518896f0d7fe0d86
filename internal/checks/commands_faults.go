package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/serverless-dva/sam-dynamodb-go/internal/iam"
)

// faultCommands check what only a real deployment would show: how the code
// copes with DynamoDB's errors, whether it reuses its client, and whether
// its logs reach CloudWatch Logs.
var faultCommands = []*command{
	{name: "fault", form: "FUNCTION ERROR [N]", min: 2, max: 3, valid: validFault, run: runFault,
		noNot: "it makes DynamoDB answer errors and asserts nothing; check the answer with status, json and logs"},
	{name: "reuses-connections", form: "FUNCTION", min: 1, max: 1, run: runReusesConnections},
	{name: "cloudwatch", form: "FUNCTION", min: 1, max: 1, run: runCloudWatch},
}

func validFault(args []string) error {
	if !slices.Contains(iam.FaultNames(), args[1]) {
		return fmt.Errorf("ERROR is one of %s, not %q", strings.Join(iam.FaultNames(), ", "), args[1])
	}
	if len(args) == 3 {
		if n, err := strconv.Atoi(args[2]); err != nil || n < 1 {
			return fmt.Errorf("N is how many calls get the error (at least 1), not %q", args[2])
		}
	}
	return nil
}

// fault FUNCTION ERROR [N]: DynamoDB answers ERROR, with its status and JSON
// body, to the function's next N calls (every later call without N). The
// SDK retries throttling and InternalServerError: the error reaches the code
// once its attempts (three) are spent.
func runFault(ts *testscript.TestScript, st *state, in input) {
	fn := in.args[0]
	_, name := st.iamFor(ts, fn)
	n := 0
	if len(in.args) == 3 {
		n, _ = strconv.Atoi(in.args[2])
	}
	calls := st.stack.IAM.Traffic(name).Calls
	if err := st.stack.IAM.Fault(name, in.args[1], n); err != nil {
		usageError(ts, "fault: %v", err)
	}
	st.fault = &injected{function: fn, name: name, err: in.args[1], calls: calls}
}

// codeFile names the function's Go code for messages: its main.go.
func (st *state) codeFile(ts *testscript.TestScript, fn string) string {
	for _, f := range st.deploy(ts).App.Functions {
		if f.ID == fn {
			if _, err := os.Stat(filepath.Join(f.CodeDir, "main.go")); err == nil {
				return st.rel(filepath.Join(f.CodeDir, "main.go"))
			}
			return st.rel(f.CodeDir)
		}
	}
	return st.rel(st.target.Dir)
}

// reuses-connections FUNCTION: the function's warm invocations (at least one
// calling DynamoDB) did not each open a new connection to DynamoDB: its SDK
// client is made once per execution environment. With !, each one did. A
// reused client opens one now and then (Go's SDK closes an idle connection
// after some 5 to 15% of calls, measured against the local backends); one
// made per request, every time: scripts make five warm invocations.
func runReusesConnections(ts *testscript.TestScript, st *state, in input) {
	fn := in.args[0]
	st.iamFor(ts, fn)
	r := st.stack.Reuse(fn)
	if r.Warm == 0 {
		st.fail(ts, "%s called DynamoDB in no warm invocation (a later request served by the same execution environment), so its connections cannot be checked; expected it to call DynamoDB on every request.%s", fn, st.recentLogs())
	}
	switch each := len(r.Dialers) == r.Warm; {
	case in.neg && !each:
		st.fail(ts, "%s reused its connection to DynamoDB in %d of %d warm invocations; expected a new connection in each", fn, r.Warm-len(r.Dialers), r.Warm)
	case !in.neg && each:
		st.fail(ts, "%s: %s opened a new connection to DynamoDB in each of its %d warm invocations: its SDK client is made in the handler, so every request pays a new connection (TCP and TLS on AWS). Create the client once, in main before lambda.Start, and reuse it.%s",
			st.codeFile(ts, fn), fn, r.Warm, st.recentLogs())
	}
}

// cloudwatch FUNCTION: the function's execution role lets Lambda write its
// logs to CloudWatch Logs (logs:CreateLogGroup, logs:CreateLogStream and
// logs:PutLogEvents on its log group). With !, it lacks one of them.
func runCloudWatch(ts *testscript.TestScript, st *state, in input) {
	fn := in.args[0]
	role, name := st.iamFor(ts, fn)
	missing := role.MissingLogActions(st.stack.Env.Region, st.stack.Env.AccountID, name)
	switch {
	case in.neg && len(missing) == 0:
		st.fail(ts, "role %s of %s can write its logs to CloudWatch Logs; expected it to lack %s", role.Name, fn, strings.Join(iam.LogActions, ", "))
	case !in.neg && len(missing) > 0:
		st.fail(ts, "%s: role %s of %s lacks %s: on AWS its logs reach no CloudWatch log group. Keep AWSLambdaBasicExecutionRole in the ManagedPolicyArns of the role, beside your policies.",
			st.rel(st.templatePath()), role.Name, fn, strings.Join(missing, ", "))
	}
}
