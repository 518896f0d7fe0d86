package checks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/apigw"
)

// maxShown is about how many characters of a body or a value a message
// shows: enough to recognise it, short enough to keep the message readable
// (a 1,000-item answer is 30 KB on one line).
const maxShown = 200

// shown cuts a body or value for a message, saying how long it was.
func shown(s string) string {
	r := []rune(s)
	if len(r) <= maxShown {
		return s
	}
	return fmt.Sprintf("%s… (%d characters in all)", string(r[:maxShown]), len(r))
}

// maxLine is the longest line a message keeps, whatever put it there.
const maxLine = 1000

// readable makes a failure readable: no line over maxLine characters.
func readable(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		if r := []rune(l); len(r) > maxLine {
			lines[i] = fmt.Sprintf("%s… (%d characters in all)", string(r[:maxLine-40]), len(r))
		}
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
		return fmt.Sprintf("Lambda stopped %s: %s (its Timeout in template.yaml); in %s, find the call that waits and pass it the handler's ctx", fn, msg, code)
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
