// Package repotest is package repo for tests: the repository a test runs in,
// and scratch directories inside it.
package repotest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// AsCommitted returns a repository root whose steps/ are the starters as
// committed, for a test of the harness that reads them: a learner's edits
// in steps/ must not fail it. starters names the learner files that differ
// from the manifest's record (slash path from the root: the sha256 of the
// starter, in hex). With none, it is root itself, and no git is needed (a
// fresh clone or tarball). Otherwise it is a scratch copy of go.mod and
// steps/ in which each of those files is the committed version with that
// hash, read with git; without git or a commit holding it, the test skips.
func AsCommitted(t testing.TB, root string, starters map[string]string) string {
	t.Helper()
	if len(starters) == 0 {
		return root
	}
	scratch := ScratchDir(t, "committed-")
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	WriteFiles(t, scratch, map[string]string{"go.mod": string(gomod)})
	if err := os.CopyFS(filepath.Join(scratch, "steps"), os.DirFS(filepath.Join(root, "steps"))); err != nil {
		t.Fatal(err)
	}
	for path, sum := range starters {
		data, err := committedStarter(root, path, sum)
		if err != nil {
			t.Skipf("%s has your edits and %v to read the starter: run this test on a fresh clone", path, err)
		}
		if err := os.WriteFile(filepath.Join(scratch, filepath.FromSlash(path)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return scratch
}

// committedStarter reads path from the newest commit whose version of it has
// the sha256 sum: HEAD's, unless the learner committed their edits.
func committedStarter(root, path, sum string) ([]byte, error) {
	revs, err := exec.Command("git", "-C", root, "rev-list", "HEAD", "--", path).Output()
	if err != nil {
		return nil, errors.New("git is not here")
	}
	for _, rev := range strings.Fields(string(revs)) {
		data, err := exec.Command("git", "-C", root, "show", rev+":"+path).Output()
		if h := sha256.Sum256(data); err == nil && hex.EncodeToString(h[:]) == sum {
			return data, nil
		}
	}
	return nil, errors.New("no commit of git holds it")
}
