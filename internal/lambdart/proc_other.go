//go:build !linux

package lambdart

import "os/exec"

// setProcAttr has nothing to set where there is no parent-death signal; Close
// still kills every process.
func setProcAttr(cmd *exec.Cmd) {}

func killProcess(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
