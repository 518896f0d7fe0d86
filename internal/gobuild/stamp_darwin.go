package gobuild

import (
	"fmt"
	"io/fs"
	"syscall"
)

// changeStamp: see stamp_linux.go.
func changeStamp(info fs.FileInfo) string {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" %d.%d %d", st.Ctimespec.Sec, st.Ctimespec.Nsec, st.Ino)
}
