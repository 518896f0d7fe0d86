package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/serverless-dva/sam-dynamodb-go/internal/iam"
)

// iamCommands check what the functions' execution roles allowed and denied
// during the script, as IAM in front of DynamoDB decided.
var iamCommands = []*command{
	{name: "allowed", form: "FUNCTION ACTION", min: 2, max: 2, run: runAllowed},
	{name: "denied", form: "FUNCTION ACTION", min: 2, max: 2, run: runDenied},
	{name: "least-privilege", form: "FUNCTION", min: 1, max: 1, run: runLeastPrivilege},
}

// iamFor returns the deployment's IAM proxy and the function's role and name.
func (st *state) iamFor(ts *testscript.TestScript, fn string) (*iam.Role, string) {
	s := st.deploy(ts)
	if s.IAM == nil {
		brokenCheck(ts, "IAM is not enforced in this deployment, so the check cannot see what the role denies")
	}
	role, ok := s.Roles[fn]
	if !ok {
		st.fail(ts, "%s has no function %s with an execution role defined in the template", st.rel(st.templatePath()), fn)
	}
	return role, s.Env.Refs[fn]
}

// calls sorts the function's calls of action by IAM's decision, each
// resource once however often it was called.
func (st *state) calls(ts *testscript.TestScript, fn, action string) (role *iam.Role, allowed, denied []string) {
	role, name := st.iamFor(ts, fn)
	for _, u := range st.stack.IAM.Usage(name) {
		if !strings.EqualFold(u.Action, action) {
			continue
		}
		if u.Allowed {
			allowed = append(allowed, u.Resource)
		} else {
			denied = append(denied, u.Resource)
		}
	}
	// Each resource once in a message, however often it was called.
	slices.Sort(denied)
	denied = slices.Compact(denied)
	slices.Sort(allowed)
	allowed = slices.Compact(allowed)
	return role, allowed, denied
}

// allowed FUNCTION ACTION: the function called ACTION at least once, and its
// role allowed every such call. With !, it never called it, or a call was denied.
func runAllowed(ts *testscript.TestScript, st *state, in input) {
	fn, action := in.args[0], in.args[1]
	role, allowed, denied := st.calls(ts, fn, action)
	switch {
	case in.neg && len(allowed) > 0 && len(denied) == 0:
		st.fail(ts, "role %s allowed every %s of %s (on %s); expected a call denied, or none", role.Name, action, fn, strings.Join(allowed, ", "))
	case !in.neg && len(denied) > 0:
		st.fail(ts, "%s: role %s denied %s on %s to %s: the role needs an Allow statement for that action on that resource.%s", st.rel(st.templatePath()), role.Name, action, strings.Join(denied, ", "), fn, st.recentLogs())
	case !in.neg && len(allowed) == 0:
		st.fail(ts, "%s never called %s, so the check cannot see its role allow it: the code should make that call on each request.%s", fn, action, st.recentLogs())
	}
}

// denied FUNCTION ACTION: the function called ACTION (dynamodb:Scan) and IAM
// denied it, as AWS would with this role. With !, no call of ACTION was denied.
func runDenied(ts *testscript.TestScript, st *state, in input) {
	fn, action := in.args[0], in.args[1]
	role, allowed, denied := st.calls(ts, fn, action)
	switch {
	case in.neg && len(denied) > 0:
		st.fail(ts, "role %s denied %s on %s to %s: the role needs an Allow statement for that action on that resource.%s", role.Name, action, strings.Join(denied, ", "), fn, st.recentLogs())
	case !in.neg && len(denied) == 0 && len(allowed) > 0:
		st.fail(ts, "role %s allowed %s on %s; expected AccessDenied (the step's role should not grant it yet)", role.Name, action, strings.Join(allowed, ", "))
	case !in.neg && len(denied) == 0:
		st.fail(ts, "%s never called %s, so nothing was denied.%s", fn, action, st.recentLogs())
	}
}

// least-privilege FUNCTION: the function's role grants DynamoDB item actions
// only on named tables, and only the ones the script's requests used. With
// !, it grants more than that. Either way it prints what is too broad and
// what was never used, one line each, for stdout to assert.
func runLeastPrivilege(ts *testscript.TestScript, st *state, in input) {
	fn := in.args[0]
	role, name := st.iamFor(ts, fn)
	rv := iam.ReviewRole(role, st.stack.IAM.Usage(name))
	var lines []string
	for _, b := range rv.Broad {
		lines = append(lines, "too broad: "+b)
	}
	for _, u := range rv.Unused {
		lines = append(lines, "granted but never used: "+u)
	}
	for _, l := range lines {
		fmt.Fprintln(ts.Stdout(), l)
	}
	if rv.OK() == !in.neg {
		return
	}
	if in.neg {
		st.fail(ts, "role %s grants exactly what %s used; expected a broader grant here", role.Name, fn)
	}
	st.fail(ts, "%s: role %s of %s is not least privilege:\n  %s", st.rel(st.templatePath()), role.Name, fn, strings.Join(lines, "\n  "))
}
