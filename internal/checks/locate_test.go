package checks

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestLocate(t *testing.T) {
	// Tests run in internal/checks, inside the repository.
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		arg      string
		solution bool
		dir      string // relative to the repository root
		mode     Mode
		err      string
	}{
		{arg: "5", solution: true, dir: "solutions/05-put-then-scan", mode: Solution},
		{arg: "05-put-then-scan", solution: true, dir: "solutions/05-put-then-scan", mode: Solution},
		{arg: "../../solutions/01-hello-api" + string(filepath.Separator), dir: "solutions/01-hello-api"},
		{arg: "99", err: `there is no step "99"`},
		{arg: "." + string(filepath.Separator), err: "has no template.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			got, err := Locate(tt.arg, tt.solution)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Locate(%q) error = %v, want one saying %q", tt.arg, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(root, tt.dir); got.Dir != want || got.Root != root || got.Mode != tt.mode {
				t.Errorf("Locate(%q) = dir %s, root %s, mode %q; want %s, %s, %q", tt.arg, got.Dir, got.Root, got.Mode, want, root, tt.mode)
			}
		})
	}
}
