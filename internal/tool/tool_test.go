package tool

import (
	"errors"
	"fmt"
	"testing"
)

type fakeTB struct{ skipped, failed string }

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Skip(args ...any)  { f.skipped = fmt.Sprint(args...) }
func (f *fakeTB) Fatal(args ...any) { f.failed = fmt.Sprint(args...) }

func TestSkipMissing(t *testing.T) {
	missing := fmt.Errorf("starting: %w", &MissingError{Tool: "Java", Hint: "install Java 17"})
	other := errors.New("port taken")
	tests := []struct {
		name, ci, strict string
		err              error
		skipped, failed  string
	}{
		{name: "no error", err: nil},
		{name: "missing", err: missing, skipped: "starting: Java is not installed: install Java 17"},
		{name: "missing in CI", ci: "true", err: missing, failed: "starting: Java is not installed: install Java 17 (" + StrictRule + ")"},
		{name: "missing strict", strict: "1", err: missing, failed: "starting: Java is not installed: install Java 17 (" + StrictRule + ")"},
		{name: "strict=0 is not strict", strict: "0", err: missing, skipped: "starting: Java is not installed: install Java 17"},
		{name: "other error", err: other, failed: "port taken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			t.Setenv("WORKSHOP_STRICT", tt.strict)
			var f fakeTB
			SkipMissing(&f, tt.err)
			if f.skipped != tt.skipped || f.failed != tt.failed {
				t.Errorf("SkipMissing(%v): skipped %q, failed %q; want skipped %q, failed %q", tt.err, f.skipped, f.failed, tt.skipped, tt.failed)
			}
		})
	}
}

func TestMissingErrorIs(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &MissingError{Tool: "cfn-lint", Hint: "pip install cfn-lint"})
	if !errors.Is(err, ErrMissing) {
		t.Errorf("errors.Is(%v, ErrMissing) = false", err)
	}
	if errors.Is(errors.New("cfn-lint is not installed"), ErrMissing) {
		t.Error("a plain error matches ErrMissing")
	}
}
