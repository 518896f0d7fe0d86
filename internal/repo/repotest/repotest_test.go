package repotest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func sum(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// AsCommitted hands a test the starters as committed: the repository itself
// while nothing is edited, else a copy whose edited files are the committed
// starters (also when the learner committed their work), and a skip with a
// reason where git cannot give them.
func TestAsCommitted(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	root := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", root, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	WriteFiles(t, root, map[string]string{
		"go.mod":                          "module example.com/ws\n",
		"steps/manifest.json":             "{}\n",
		"steps/01-a/main.go":              "starter",
		"steps/01-a/testdata/check.txtar": "exists $STEP/main.go\n",
	})
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "starter")
	edited := map[string]string{"steps/01-a/main.go": sum("starter")}
	read := func(dir, name string) string {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}

	if got := AsCommitted(t, root, nil); got != root {
		t.Errorf("with nothing edited: %s, want the repository itself %s", got, root)
	}
	WriteFiles(t, root, map[string]string{"steps/01-a/main.go": "mine"})
	for _, commit := range []bool{false, true} {
		if commit {
			git("commit", "-q", "-am", "my work")
		}
		dir := AsCommitted(t, root, edited)
		if dir == root || read(dir, "steps/01-a/main.go") != "starter" || read(dir, "go.mod") != "module example.com/ws\n" || read(dir, "steps/01-a/testdata/check.txtar") == "" {
			t.Errorf("edited (committed: %v): %s holds main.go %q, want a copy with the starter", commit, dir, read(dir, "steps/01-a/main.go"))
		}
		if read(root, "steps/01-a/main.go") != "mine" {
			t.Error("the learner's file was changed")
		}
	}

	if err := os.RemoveAll(filepath.Join(root, ".git")); err != nil {
		t.Fatal(err)
	}
	var sub *testing.T
	t.Run("no git", func(t *testing.T) {
		sub = t
		AsCommitted(t, root, edited)
		t.Error("AsCommitted returned without git to read the starter")
	})
	if !sub.Skipped() {
		t.Error("without git the test did not skip")
	}
}
