package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
)

// HintsFile holds a step's hints, beside its checks: steps/NN-*/testdata/hints.md,
// one "## N. Title" section per level (the concept, where, the code).
const HintsFile = "hints.md"

// hintLevel is one level of a step's hints.
type hintLevel struct {
	Title string // "The concept"
	Text  string // markdown
}

// loadHints reads a step's hints, in order of level.
func loadHints(root string, st checks.Step) ([]hintLevel, error) {
	path := filepath.Join(root, "steps", st.Slug, "testdata", HintsFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("step %s has no hints yet (%s); its starting points:\n  %s", st.Slug, rel(root, path), strings.Join(st.Hints, "\n  "))
	}
	if err != nil {
		return nil, fmt.Errorf("reading the hints: %w", err)
	}
	var levels []hintLevel
	for line := range strings.Lines(string(data)) {
		if title, ok := strings.CutPrefix(line, "## "); ok {
			_, title, _ = strings.Cut(strings.TrimSpace(title), ". ")
			levels = append(levels, hintLevel{Title: title})
			continue
		}
		if len(levels) > 0 {
			levels[len(levels)-1].Text += line
		}
	}
	if len(levels) == 0 {
		return nil, fmt.Errorf("%s has no \"## 1. The concept\" section", rel(root, path))
	}
	for i := range levels {
		levels[i].Text = strings.TrimSpace(levels[i].Text)
	}
	return levels, nil
}

// hint prints one level of a step's hints: 1 (the default) the concept,
// 2 where, 3 the code.
func hint(args []string) error {
	if len(args) == 0 || len(args) > 2 {
		return errors.New("usage: go run ./scripts/workshop hint STEP [LEVEL], for example: hint 01 (the concept), hint 01 2 (where), hint 01 3 (the code)")
	}
	root, st, err := findStep(args[0])
	if err != nil {
		return err
	}
	levels, err := loadHints(root, st)
	if err != nil {
		return err
	}
	level := 1
	if len(args) == 2 {
		level, err = strconv.Atoi(args[1])
		if err != nil || level < 1 || level > len(levels) {
			return fmt.Errorf("hint level %q: give a number from 1 to %d", args[1], len(levels))
		}
	}
	h := levels[level-1]
	fmt.Printf("%s, hint %d of %d: %s\n\n%s\n", st.Slug, level, len(levels), h.Title, h.Text)
	if level < len(levels) {
		fmt.Printf("\nstill stuck? go run ./scripts/workshop hint %s %d (%s)\n", st.Number(), level+1, strings.ToLower(levels[level].Title))
	}
	return nil
}
