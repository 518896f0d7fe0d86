// Package repo finds the workshop repository (the directory holding go.mod)
// and names files relative to it in messages.
package repo

import (
	"fmt"
	"os"
	"path/filepath"
)

// Root walks up from dir to the nearest directory holding go.mod.
func Root(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("finding the repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod in %s or above: run this inside the workshop repository", dir)
		}
		d = parent
	}
}

// DisplayPath names a file for messages: relative to the repository root
// (steps/01-hello-api/template.yaml), which reads the same wherever the
// learner runs the command from. Outside the repository it is path as given.
func DisplayPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	root, err := Root(filepath.Dir(abs))
	if err != nil {
		return path
	}
	if r, err := filepath.Rel(root, abs); err == nil {
		return r
	}
	return path
}
