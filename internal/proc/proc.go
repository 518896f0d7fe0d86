// Package proc starts the harness's child processes (function bootstraps,
// DynamoDB Local) apart from the terminal's process group: a Ctrl-C reaches
// only the workshop, which lets requests in flight finish and then stops its
// children itself, instead of each child dying on the spot.
package proc

import "io/fs"

// ExeName is the file name of an executable built for GOOS goos: Windows
// runs only files whose name ends in .exe, so a host build of "bootstrap"
// there is "bootstrap.exe"; Lambda's (Linux) is plain "bootstrap".
func ExeName(name, goos string) string {
	if goos == "windows" {
		return name + ".exe"
	}
	return name
}

// Executable reports whether a file with this name and mode can be run on
// this machine (see executable in the per-platform files).
func Executable(name string, mode fs.FileMode) bool {
	return mode.IsRegular() && executable(name, mode)
}
