//go:build linux || darwin || freebsd

package main

import "golang.org/x/sys/unix"

// diskFree returns the bytes an unprivileged user may still write under path.
func diskFree(path string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
