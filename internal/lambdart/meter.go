package lambdart

import "fmt"

// Meter measures what each invocation costs besides its duration (the stack's
// meter counts its DynamoDB calls). Calls made in an environment's init phase
// are counted with its first invocation.
type Meter interface {
	// Vars gives a new execution environment variables of its own (in the
	// stack, an access key, so that each call is traced to its environment,
	// which handles one invocation at a time).
	Vars() map[string]string
	// Line is the log line written after the REPORT line of the invocation
	// requestID, which just ended in the environment given vars.
	Line(requestID string, vars map[string]string) string
}

// maxRequest is Lambda's limit for a synchronous invocation's request payload
// (6 MB); the response's is maxResponse.
const maxRequest = 6291456

// RequestTooLargeError is Lambda's RequestEntityTooLargeException (HTTP 413):
// the invoke never reaches the function.
type RequestTooLargeError struct {
	Function string
	Size     int
}

func (e *RequestTooLargeError) Error() string {
	return fmt.Sprintf("RequestEntityTooLargeException: Request must be smaller than %d bytes for the InvokeFunction operation (invoke %s: the payload is %d bytes)", maxRequest, e.Function, e.Size)
}
