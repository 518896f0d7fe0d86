package proc

import (
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// Isolate starts the child in a new process group, which does not get the
// console's Ctrl-C: only the harness does, and it stops the child.
func Isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// Kill kills the child.
func Kill(cmd *exec.Cmd) { _ = cmd.Process.Kill() }

// executable: Windows has no execute bits (Go reports 0666 or 0444); it runs
// a file by its extension.
func executable(name string, _ fs.FileMode) bool {
	return strings.EqualFold(filepath.Ext(name), ".exe")
}

// StartBackground starts cmd at a below-normal priority.
func StartBackground(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	const belowNormalPriorityClass = 0x00004000
	cmd.SysProcAttr.CreationFlags |= belowNormalPriorityClass
	return cmd.Start()
}
