//go:build linux || darwin

package gobuild

import (
	"fmt"
	"io/fs"
	"syscall"
)

// changeStamp is a file's inode change time and inode number: a write sets
// the change time to now whatever the modification time is set to after, and
// a file renamed over another has another inode.
func changeStamp(info fs.FileInfo) string {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	sec, nsec := ctime(st)
	return fmt.Sprintf(" %d.%d %d", sec, nsec, st.Ino)
}
