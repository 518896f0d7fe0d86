package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

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
	wd, err := os.Getwd()
	if err != nil {
		return Target{}, err
	}
	root, err := repo.Root(wd)
	if err != nil {
		return Target{}, err
	}
	m, err := LoadManifest(root)
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
