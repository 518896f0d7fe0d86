//go:build !linux && !darwin

package gobuild

import "io/fs"

// changeStamp is empty where the change time is not read here: the size
// and modification time stand alone.
func changeStamp(fs.FileInfo) string { return "" }
