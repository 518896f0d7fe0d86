//go:build unix

package proc

import (
	"io/fs"
	"os/exec"
	"syscall"
)

// Isolate puts the child in its own process group, so that neither the
// terminal's Ctrl-C nor anything else sent to the harness's group reaches it.
// On Linux the kernel also kills it when the thread that started it dies (the
// harness crashed or was killed), so that nothing is left behind; elsewhere
// the harness must stop it.
func Isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	killWithParent(cmd.SysProcAttr)
}

// Kill kills the child's whole process group, so anything it started dies
// with it.
func Kill(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}

// executable: an execute permission bit is set.
func executable(_ string, mode fs.FileMode) bool { return mode.Perm()&0o111 != 0 }

// StartBackground starts cmd at the lowest CPU priority (nice 19): its
// children, forked after, inherit it. A priority that cannot be lowered
// leaves it at the normal one.
func StartBackground(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, cmd.Process.Pid, 19)
	return nil
}
