package checks

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// StepArgs parses a command's arguments with fs, the STEP standing before
// the flags or after them (`run 05 -solution` as `run -solution 05`), and
// returns the step: "" when none is given.
func StepArgs(fs *flag.FlagSet, args []string) (string, error) {
	var step string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		step, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if step == "" && fs.NArg() > 0 {
		step = fs.Arg(0)
	}
	return step, nil
}

// Locate finds what a command names: a step by number or slug (under steps/,
// or solutions/ with solution), looked up in the repository around the working
// directory, or a folder holding a template.yaml inside the repository (any SAM
// app, e.g. one a learner copied).
func Locate(arg string, solution bool) (Target, error) {
	if strings.ContainsRune(arg, filepath.Separator) {
		return appDir(arg)
	}
	return FindStep(arg, solution)
}

// FindStep finds a step by number ("5", "05") or slug in the repository around
// the working directory: its starter under steps/, or its solution.
func FindStep(step string, solution bool) (Target, error) {
	root, m, err := ManifestAround(".")
	if err != nil {
		return Target{}, err
	}
	s, err := m.Find(step)
	if err != nil {
		return Target{}, err
	}
	kind := "steps"
	if solution {
		kind = "solutions"
	}
	return Resolve(filepath.Join(root, kind, s.Slug))
}

func appDir(arg string) (Target, error) {
	abs, err := filepath.Abs(arg)
	if err != nil {
		return Target{}, err
	}
	if _, err := os.Stat(filepath.Join(abs, stack.TemplateFile)); err != nil {
		return Target{}, fmt.Errorf("%s has no %s", arg, stack.TemplateFile)
	}
	root, err := repo.Root(abs)
	if err != nil {
		return Target{}, err
	}
	return Target{Root: root, Dir: abs, Step: Step{Slug: filepath.Base(abs)}}, nil
}
