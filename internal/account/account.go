// Package account holds the AWS account the local stack stands in for: its
// account ID and the Region a deployment uses when none is given. Every ARN
// and event the harness builds names them, so they are fixed here, once, and
// the messages that quote them stay the same from run to run.
package account

const (
	// ID is the local account's 12-digit AWS account ID (the one AWS's
	// documentation uses in its examples).
	ID = "123456789012"
	// DefaultRegion is the Region of a deployment that names none, as the
	// AWS CLI and SDKs fall back to in examples.
	DefaultRegion = "us-east-1"
)
