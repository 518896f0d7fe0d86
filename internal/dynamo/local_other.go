//go:build !linux

package dynamo

import "os/exec"

// killWithParent does nothing here: only Linux can tie a child's life to its parent.
// Close the Backend to stop DynamoDB Local.
func killWithParent(*exec.Cmd) {}
