//go:build !unix && !windows

package proc

import "os/exec"

// Isolate has no process groups to use here.
func Isolate(*exec.Cmd) {}

// Kill kills the child.
func Kill(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
