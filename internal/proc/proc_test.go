package proc

import (
	"io/fs"
	"runtime"
	"testing"
)

func TestExeName(t *testing.T) {
	for _, tt := range []struct{ goos, want string }{
		{"linux", "bootstrap"}, {"darwin", "bootstrap"}, {"windows", "bootstrap.exe"},
	} {
		if got := ExeName("bootstrap", tt.goos); got != tt.want {
			t.Errorf("ExeName(bootstrap, %s) = %q, want %q", tt.goos, got, tt.want)
		}
	}
}

// Executable judges by execute bits on Unix and by the .exe extension on
// Windows, and never takes a directory.
func TestExecutable(t *testing.T) {
	windows := runtime.GOOS == "windows"
	tests := []struct {
		name string
		mode fs.FileMode
		want bool
	}{
		{"bootstrap", 0o755, !windows},
		{"bootstrap", 0o644, false},
		{"bootstrap.exe", 0o666, windows},
		{"bootstrap.exe", 0o755, true},
		{"bootstrap", fs.ModeDir | 0o755, false},
	}
	for _, tt := range tests {
		if got := Executable(tt.name, tt.mode); got != tt.want {
			t.Errorf("Executable(%s, %v) = %v, want %v", tt.name, tt.mode, got, tt.want)
		}
	}
}
