package apigw

import (
	"context"
	"encoding/json"
)

// Failure is why the gateway answered with an error of its own (a 5xx):
// what API Gateway writes to its execution log, and the function's error when
// it had one. An in-process caller (the checks) reads it to tell the learner
// why, since the answer itself says only "Internal server error", as on AWS.
type Failure struct {
	Function string // the route's function, by logical id
	Status   int
	Reason   string // as the execution log says it: "Malformed Lambda proxy response: statusCode is missing"
	// ErrorType and ErrorMessage are the function's error ("Sandbox.Timedout",
	// "Runtime.ExitError", a panic's value), "" when it returned.
	ErrorType, ErrorMessage string
	// Panicked: the error carries a stack trace, as aws-lambda-go reports a panic.
	Panicked bool
}

type failureKey struct{}

// WithFailure returns a context under which a request's failure is recorded in f.
func WithFailure(ctx context.Context, f *Failure) context.Context {
	return context.WithValue(ctx, failureKey{}, f)
}

// recordFunctionError keeps the function's error for the caller (fail records the rest).
func recordFunctionError(ctx context.Context, payload []byte) {
	if f, ok := ctx.Value(failureKey{}).(*Failure); ok && f != nil {
		f.ErrorType, f.ErrorMessage = lambdaError(payload)
		var e struct {
			StackTrace []any `json:"stackTrace"`
		}
		f.Panicked = json.Unmarshal(payload, &e) == nil && len(e.StackTrace) > 0
	}
}
