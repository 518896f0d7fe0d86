// Package repotest is package repo for tests: the repository a test runs in,
// and scratch directories inside it.
package repotest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
)

// Root is the root of the repository the test runs in; without one the test
// fails.
func Root(t testing.TB) string {
	t.Helper()
	root, err := repo.Root(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// ScratchDir makes a directory for the test under the repository's
// git-ignored testdata/tmp, removed when the test ends. It is inside the
// module, so Go code copied there builds with the repository's go.mod
// (aws-lambda-go included), offline.
func ScratchDir(t testing.TB, pattern string) string {
	t.Helper()
	base := filepath.Join(Root(t), "testdata", "tmp")
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(base, pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// WriteFiles writes files (slash-separated path under dir: content) into
// dir, making the folders on the way: a stand-in repository or module.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
