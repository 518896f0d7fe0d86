package repo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoot(t *testing.T) {
	tmp := t.TempDir()
	mod := filepath.Join(tmp, "m")
	deep := filepath.Join(mod, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dir, want, wantErr string
	}{
		{dir: mod, want: mod},
		{dir: deep, want: mod},
		{dir: tmp, wantErr: "no go.mod in " + tmp + " or above"},
	}
	for _, tt := range tests {
		got, err := Root(tt.dir)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Root(%s) = %q, %v; want an error with %q", tt.dir, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Root(%s) = %q, %v; want %q", tt.dir, got, err, tt.want)
		}
	}
}

func TestDisplayPath(t *testing.T) {
	root, err := Root(".")
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "template.yaml")
	tests := []struct{ path, want string }{
		{filepath.Join(root, "steps", "01-hello-api", "template.yaml"), filepath.Join("steps", "01-hello-api", "template.yaml")},
		{"repo.go", filepath.Join("internal", "repo", "repo.go")},
		{outside, outside},
	}
	for _, tt := range tests {
		if got := DisplayPath(tt.path); got != tt.want {
			t.Errorf("DisplayPath(%s) = %s, want %s", tt.path, got, tt.want)
		}
	}
}
