package checks

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/serverless-dva/sam-dynamodb-go/internal/apigw"
	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/samtools"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

// command is one testscript command of a step's checks. Its arguments are
// checked against its form before it runs: a script that misuses a command
// gets a usage error naming it, never a learner's failure or a panic.
type command struct {
	name string
	form string // the arguments, as usage errors and docs/checks.md show them

	flags    []string // leading flags it accepts, such as -translated
	min, max int      // how many arguments after the flags; max < 0: no limit
	regexps  []int    // the arguments that are regular expressions
	// valid checks the arguments further (numbers, pairs); nil: any.
	valid func(args []string) error

	// noNot, when set, says why the command refuses `!` (it does something
	// rather than assert, or its opposite teaches nothing). Otherwise `!`
	// asserts exactly the opposite: run receives in.neg.
	noNot string

	run func(ts *testscript.TestScript, st *state, in input)
}

// input is one use of a command, its arguments checked.
type input struct {
	neg   bool
	flags []string
	args  []string
	re    map[int]*regexp.Regexp // the compiled regexps, by argument index
}

func (in input) flag(name string) bool { return slices.Contains(in.flags, name) }

// registry lists every command, grouped by the AWS piece it checks.
func registry() []*command {
	return slices.Concat(
		[]*command{hintCommand},
		templateCommands,
		lambdaCommands,
		apiCommands,
		dynamodbCommands,
		iamCommands,
		faultCommands,
		loadCommands,
		goTestCommands,
	)
}

// scriptCommands is testscript's view of the registry.
func scriptCommands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	cmds := map[string]func(*testscript.TestScript, bool, []string){}
	for _, c := range registry() {
		cmds[c.name] = c.call
	}
	return cmds
}

var hintCommand = &command{
	name: "hint", form: "TEXT...", min: 1, max: -1,
	noNot: "it sets the hint of the next command and asserts nothing",
	run: func(ts *testscript.TestScript, st *state, in input) {
		st.hint = strings.Join(in.args, " ")
	},
}

// call checks one use of the command, runs it, and (unless it is hint)
// clears the hint: a hint explains the command right after it, and only that one.
func (c *command) call(ts *testscript.TestScript, neg bool, args []string) {
	in := c.parse(ts, neg, args)
	st := get(ts)
	c.run(ts, st, in)
	if c != hintCommand {
		st.hint = ""
	}
}

func (c *command) parse(ts *testscript.TestScript, neg bool, args []string) input {
	if neg && c.noNot != "" {
		c.usageError(ts, "%s does not take '!': %s", c.name, c.noNot)
	}
	in := input{neg: neg, re: map[int]*regexp.Regexp{}}
	for len(args) > 0 && len(c.flags) > 0 && strings.HasPrefix(args[0], "-") && len(args[0]) > 1 {
		if !slices.Contains(c.flags, args[0]) {
			c.usageError(ts, "%s has no flag %s", c.name, args[0])
		}
		if in.flag(args[0]) {
			c.usageError(ts, "%s: flag %s given twice", c.name, args[0])
		}
		in.flags, args = append(in.flags, args[0]), args[1:]
	}
	if len(args) < c.min || (c.max >= 0 && len(args) > c.max) {
		c.usageError(ts, "%s takes %s, got %d", c.name, c.count(), len(args))
	}
	if c.valid != nil {
		if err := c.valid(args); err != nil {
			c.usageError(ts, "%s: %v", c.name, err)
		}
	}
	for _, i := range c.regexps {
		if i >= len(args) {
			continue
		}
		re, err := regexp.Compile(args[i])
		if err != nil {
			c.usageError(ts, "%s: %q is not a regular expression (Go RE2 syntax): %v", c.name, args[i], err)
		}
		in.re[i] = re
	}
	in.args = args
	return in
}

func (c *command) count() string {
	switch {
	case c.max < 0:
		return fmt.Sprintf("at least %d argument(s)", c.min)
	case c.min == c.max:
		return fmt.Sprintf("%d argument(s)", c.min)
	}
	return fmt.Sprintf("%d to %d arguments", c.min, c.max)
}

func (c *command) usageError(ts *testscript.TestScript, format string, args ...any) {
	usageError(ts, "%s (usage: %s)", fmt.Sprintf(format, args...), strings.TrimSpace(c.name+" "+c.form))
}

// usageError stops the script on a misused command.
func usageError(ts *testscript.TestScript, format string, args ...any) {
	brokenCheck(ts, "usage error: "+format, args...)
}

// brokenCheck stops the script when the check itself is wrong (a misused
// command, a missing golden file), not the learner's work: the failure must
// not count as one the starter is expected to have.
func brokenCheck(ts *testscript.TestScript, format string, args ...any) {
	get(ts).broken = true
	ts.Fatalf(format, args...)
}

// scriptFile reads a file of the script (a txtar section, or one a command
// wrote): a missing one is a usage error of cmd.
func scriptFile(ts *testscript.TestScript, cmd, name string) []byte {
	data, err := os.ReadFile(ts.MkAbs(name))
	if err != nil {
		usageError(ts, "%s: the script has no file %s (add it as a -- %s -- section): %v", cmd, name, name, err)
	}
	return data
}

type stateKey struct{}

// state is one script's view of the step under test.
type state struct {
	target  Target
	t       *script
	ctx     context.Context // ends with the script, or at the run's deadline
	hint    string
	failure string // the learner's message, once a command failed
	broken  bool   // the check itself is wrong (see brokenCheck)

	analysis *samtools.Result

	unset     map[string][]string // env vars to remove at deploy, by function
	stack     *stack.Stack        // once deploy returned it
	deploying *deploying          // the deployment, from the first command that needs it
	logs      logbuf.Buffer       // function and API logs since deploy
	lastResp  *httptest.ResponseRecorder
	lastCall  string // "GET /hello", for messages
	lastInvok []byte

	// deployment is the Prefix and region the app is deployed with: not
	// the template's defaults (see newDeployment).
	deployment sam.Deployment
	builds     *hostBuilds // the run's builds of the functions, shared by its scripts
	deployedAt time.Time   // when deploy began: the earliest time the app can store
	fault      *injected   // the last fault command

	load     []*httptest.ResponseRecorder // the answers of the last load (status asserts over them)
	lastFail *apigw.Failure               // why the gateway answered the last request with an error of its own
}

// injected is a fault a script made DynamoDB answer.
type injected struct {
	function, name, err string
	calls               int // the function's DynamoDB calls when the fault was set
}

// delivered reports whether the function called DynamoDB since the fault
// was set, so that the fault, not something else, explains what it answered.
func (f *injected) delivered(st *state) bool {
	return f != nil && st.stack != nil && st.stack.IAM != nil && st.stack.IAM.Traffic(f.name).Calls > f.calls
}

func newState(ctx context.Context, t Target, s *script) *state {
	return &state{target: t, t: s, ctx: ctx}
}

func get(ts *testscript.TestScript) *state {
	return ts.Value(stateKey{}).(*state)
}

// fail ends the check with a learner's message and the current hint.
func (st *state) fail(ts *testscript.TestScript, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if st.hint != "" {
		msg += "\nhint: " + st.hint
	}
	if st.stack != nil {
		if why := st.stack.Backend.Exited(); why != "" {
			// Not the learner's doing: say so first.
			msg = fmt.Sprintf("DynamoDB Local exited during this check (%s) and restarted empty, so this failure may not come from your work: run the check again.\n", why) + msg
		}
	}
	if cause := st.refCause(); cause != "" && !strings.HasPrefix(msg, cause) {
		msg = cause + "\n" + msg
	}
	if cause := st.otherRegion(); cause != "" {
		// The cause first: every failure after it comes from it.
		msg = cause + "\n" + msg
	}
	st.failure = readable(st.relPaths(msg))
	ts.Fatalf("%s", st.failure)
}

// missingTool skips the check (or fails it in strict mode) when err says a
// tool is not installed; otherwise it returns and the caller reports err.
func (st *state) missingTool(ts *testscript.TestScript, err error) {
	if errors.Is(err, tool.ErrMissing) {
		if tool.Strict() {
			st.fail(ts, "%v (%s)", err, tool.StrictRule)
		}
		st.t.Skip(err.Error())
	}
}
