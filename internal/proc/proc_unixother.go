//go:build unix && !linux

package proc

import "syscall"

func killWithParent(*syscall.SysProcAttr) {} // only Linux has a parent-death signal
