package checks

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/apigw"
	"github.com/serverless-dva/sam-dynamodb-go/internal/cfn"
	"github.com/serverless-dva/sam-dynamodb-go/internal/gobuild"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// maxShown is about how many characters of a body or a value a message
// shows: enough to recognise it, short enough to keep the message readable
// (a 1,000-item answer is 30 KB on one line).
const maxShown = 200

// maxLogLine is about how much of one log line a message shows: an SDK
// error names the error code after a long request id, so it keeps more.
const maxLogLine = 500

// shown cuts a body or value for a message, saying how long it was.
func shown(s string) string {
	return cutLine(s, maxShown)
}

// cutLine cuts s to about n characters, saying how long it was.
func cutLine(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return fmt.Sprintf("%s… (%d characters in all)", string(r[:n]), len(r))
}

// maxLine is the longest line a message keeps, whatever put it there.
const maxLine = 1000

// readable makes a failure readable: no line over maxLine characters.
func readable(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		lines[i] = cutLine(l, maxLine-40)
	}
	return strings.Join(lines, "\n")
}

// requestID is the "RequestId: … Error: " Lambda puts before its own errors.
var requestID = regexp.MustCompile(`^RequestId: \S+ Error: `)

// failureReason says, in a learner's words, why API Gateway answered an
// error of its own (a 502, 504): the reason its execution log gives and what
// to do about it, in code (the function's Go file). "" when the gateway
// answered the function's own answer.
func failureReason(f *apigw.Failure, code string) string {
	if f == nil || f.Reason == "" {
		return ""
	}
	msg := strings.TrimSpace(requestID.ReplaceAllString(f.ErrorMessage, ""))
	if first, _, cut := strings.Cut(msg, "\n"); cut {
		msg = first
	}
	msg = cut(msg, 100)
	fn := f.Function
	switch {
	case f.ErrorType == "Sandbox.Timedout":
		return fmt.Sprintf("Lambda stopped %s: %s (its Timeout in template.yaml); in %s, find what takes so long: a call that waits without the handler's ctx, or one that reads more than it needs", fn, msg, code)
	case f.ErrorType == "Runtime.OutOfMemory":
		return fmt.Sprintf("Lambda stopped %s: Runtime.OutOfMemory, it used more than its MemorySize in template.yaml (%s)", fn, msg)
	case f.ErrorType == "Runtime.ExitError":
		return fmt.Sprintf("the process of %s exited (Runtime.ExitError: %s): in %s, log.Fatal or os.Exit ended it; its last log line says why", fn, msg, code)
	case f.Panicked:
		return fmt.Sprintf("%s panicked: %s (Runtime.ExitError): the logs below show the line of %s that panicked", fn, msg, code)
	case f.ErrorType != "" || msg != "":
		return fmt.Sprintf("the handler of %s returned an error (%s: %s), which API Gateway answers with 502: in %s, return a response with StatusCode 500 and a nil error", fn, f.ErrorType, msg, code)
	}
	if _, field, ok := strings.Cut(f.Reason, "Malformed Lambda proxy response: "); ok {
		return fmt.Sprintf("API Gateway could not read the answer of %s (Malformed Lambda proxy response: %s): in %s, return an events.APIGatewayProxyResponse", fn, cut(field, 100), code)
	}
	return cut(f.Reason, 200)
}

// refCause names a Ref where an ARN belongs, the cause of every failure
// that follows from it (an AccessDenied, a 500, a least-privilege finding),
// so that it comes first: Ref of a table gives its name and Ref of a role
// its name, where a policy's Resource and a function's Role take ARNs.
// "" when the template has none, or cannot be read (another check says why).
func (st *state) refCause() string {
	app, env, err := stack.Load(st.target.Dir, st.deployment)
	if err != nil {
		return ""
	}
	t := app.Template
	refTo := func(v any, types ...string) string {
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			return ""
		}
		id, _ := m["Ref"].(string)
		if id != "" && slices.Contains(types, typesOf(t, id)) {
			return id
		}
		return ""
	}
	for _, r := range t.Resources() {
		props, _ := t.Doc["Resources"].(map[string]any)[r.ID].(map[string]any)["Properties"].(map[string]any)
		switch r.Type {
		case "AWS::Serverless::Function", "AWS::Lambda::Function":
			if role := refTo(props["Role"], "AWS::IAM::Role"); role != "" {
				return fmt.Sprintf("%s: resource %s has Role: !Ref %s, which gives the role's name, not its ARN: write Role: !GetAtt %s.Arn.",
					t.Where(r.ID+"/Properties/Role"), r.ID, role, role)
			}
		case "AWS::IAM::Role":
			policies, _ := props["Policies"].([]any)
			for _, p := range policies {
				stmts, _ := cfn.LookupKeys(p, []string{"PolicyDocument", "Statement"})
				list, _ := stmts.([]any)
				for _, s := range list {
					res, _ := cfn.LookupKeys(s, []string{"Resource"})
					items, ok := res.([]any)
					if !ok {
						items = []any{res}
					}
					for _, it := range items {
						table := refTo(it, "AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable")
						if table == "" {
							continue
						}
						name, _ := env.ResolveString(it)
						return fmt.Sprintf("%s: resource %s allows its actions on Resource: !Ref %s, which gives the table's name (%s), not its ARN, so IAM matches no table: write Resource: !GetAtt %s.Arn.",
							t.Where(r.ID+"/Properties/Policies"), r.ID, table, name, table)
					}
				}
			}
		}
	}
	return ""
}

func typesOf(t *cfn.Template, id string) string {
	r, _ := t.Resource(id)
	return r.Type
}

// compileFailure words a compile error: the compiler's first error, the
// function it stops and the hint for its kind on the first line; the other
// hints and the compiler's whole output after.
func compileFailure(fn string, ce *gobuild.CompileError) string {
	hints := ce.Hints()
	first := fmt.Sprintf("%s (%s does not compile)", ce.FirstError(), fn)
	if len(hints) > 0 {
		first += ": " + strings.TrimPrefix(hints[0], "hint: ")
		hints = hints[1:]
	}
	return strings.Join(append([]string{first}, hints...), "\n") + "\n" + ce.Error()
}

// functionOf names the function(s) whose CodeUri is dir, for messages.
func (st *state) functionOf(dir string) string {
	var ids []string
	if app, _, err := stack.Load(st.target.Dir, st.deployment); err == nil {
		for _, fn := range app.Functions {
			if filepath.Clean(fn.CodeDir) == filepath.Clean(dir) {
				ids = append(ids, fn.ID)
			}
		}
	}
	if len(ids) == 0 {
		return "the function"
	}
	return strings.Join(ids, ", ")
}
