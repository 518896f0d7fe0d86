// Package tool is what the harness knows about the tools outside Go that some
// checks need (Python with cfn-lint and the SAM translator, Java and DynamoDB
// Local): the one error that says a tool is missing, and strict mode, in which
// a missing tool fails instead of skipping.
package tool

import (
	"errors"
	"os"
)

// ErrMissing is matched (errors.Is) by every *MissingError.
var ErrMissing = errors.New("a tool is missing")

// MissingError says which tool is missing and what to do about it.
type MissingError struct {
	Tool string // "cfn-lint", "Java", "DynamoDB Local"
	Hint string // what to install or set
}

func (e *MissingError) Error() string        { return e.Tool + " is not installed: " + e.Hint }
func (e *MissingError) Is(target error) bool { return target == ErrMissing }

// PythonEnv are the variables, besides PATH, that choose which Python a
// command named python3 runs (pyenv, asdf, virtualenv, conda) or where it
// finds its packages: what cfn-lint and the SAM translator answer depends on
// them.
var PythonEnv = []string{
	"PYENV_VERSION", "PYENV_DIR", "ASDF_PYTHON_VERSION", "VIRTUAL_ENV", "CONDA_PREFIX",
	"PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONNOUSERSITE",
}

// StrictRule is strict mode's rule, for messages.
const StrictRule = "CI=true or WORKSHOP_STRICT=1 requires every tool"

// Strict reports whether a missing tool must fail instead of skipping: in CI
// (CI=true) or when WORKSHOP_STRICT=1.
func Strict() bool {
	return os.Getenv("CI") == "true" || os.Getenv("WORKSHOP_STRICT") == "1"
}

// TB is the part of testing.TB that SkipMissing uses.
type TB interface {
	Helper()
	Skip(args ...any)
	Fatal(args ...any)
}

// SkipMissing is for tests that need a tool: it returns when err is nil,
// skips the test when err says a tool is missing (fails it in strict mode),
// and fails it on any other error.
func SkipMissing(t TB, err error) {
	t.Helper()
	switch {
	case err == nil:
	case errors.Is(err, ErrMissing) && !Strict():
		t.Skip(err)
	case errors.Is(err, ErrMissing):
		t.Fatal(err, " (", StrictRule, ")")
	default:
		t.Fatal(err)
	}
}
