package lambdart

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts the bootstrap in its own process group, so that a kill
// reaches anything it started, and has the kernel kill it if the harness dies.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func killProcess(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}
