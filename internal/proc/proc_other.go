//go:build !unix && !windows

package proc

import (
	"io/fs"
	"os/exec"
)

// Isolate has no process groups to use here.
func Isolate(*exec.Cmd) {}

// Kill kills the child.
func Kill(cmd *exec.Cmd) { _ = cmd.Process.Kill() }

// executable: an execute permission bit is set, as on Unix.
func executable(_ string, mode fs.FileMode) bool { return mode.Perm()&0o111 != 0 }

// StartBackground starts cmd; there is no priority to lower here.
func StartBackground(cmd *exec.Cmd) error { return cmd.Start() }
