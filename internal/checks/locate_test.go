package checks

import (
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

func TestLocate(t *testing.T) {
	// Tests run in internal/checks, inside the repository.
	root := repotest.Root(t)
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

// TestStepArgs: the STEP stands before the flags or after them.
func TestStepArgs(t *testing.T) {
	tests := []struct {
		args     []string
		step     string
		solution bool
		err      string
	}{
		{[]string{"05", "-solution"}, "05", true, ""},
		{[]string{"-solution", "05"}, "05", true, ""},
		{[]string{"05"}, "05", false, ""},
		{[]string{"-solution"}, "", true, ""},
		{nil, "", false, ""},
		{[]string{"05", "-nope"}, "", false, "flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		solution := fs.Bool("solution", false, "")
		step, err := StepArgs(fs, tt.args)
		if step != tt.step || *solution != tt.solution || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("StepArgs(%q) = %q (solution %v), %v; want %q (solution %v), %q", tt.args, step, *solution, err, tt.step, tt.solution, tt.err)
		}
	}
}
