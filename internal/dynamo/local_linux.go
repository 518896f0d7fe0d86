package dynamo

import (
	"os/exec"
	"syscall"
)

// killWithParent makes the kernel kill DynamoDB Local if this process dies without
// closing it (a crash, a killed `go test`), so no Java process is left behind.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
