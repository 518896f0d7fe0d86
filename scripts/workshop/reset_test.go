package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
)

// TestResetStep resets a step of a scratch git repository: "n" keeps the
// learner's file; "y" restores the starter and keeps the learner's version
// in a backup; a learner who committed their work still gets the starter
// (found by the manifest's hash in an older commit).
func TestResetStep(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	root := t.TempDir()
	dir := filepath.Join(root, "steps", "01-x")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	starter := "package main // TODO(step 01)\n"
	sum := sha256.Sum256([]byte(starter))
	st := checks.Step{Slug: "01-x", LearnerFiles: map[string]string{"main.go": hex.EncodeToString(sum[:])}}
	main := filepath.Join(dir, "main.go")
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(main, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitRun := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	read := func() string {
		t.Helper()
		data, err := os.ReadFile(main)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	write(starter)
	gitRun("init", "-q")
	gitRun("add", ".")
	gitRun("commit", "-qm", "starter")

	write("package main // mine\n")
	var out strings.Builder
	if err := resetStep(t.Context(), root, st, false, strings.NewReader("n\n"), &out, time.Now()); err != nil {
		t.Fatal(err)
	}
	if read() != "package main // mine\n" {
		t.Fatalf("answering n changed main.go:\n%s", out.String())
	}

	now := time.Date(2026, 11, 29, 18, 30, 0, 0, time.UTC)
	out.Reset()
	if err := resetStep(t.Context(), root, st, false, strings.NewReader("y\n"), &out, now); err != nil {
		t.Fatal(err)
	}
	if read() != starter {
		t.Errorf("after reset main.go = %q, want the starter", read())
	}
	if strings.Contains(out.String(), "not this step's task") {
		t.Errorf("reset names other files when there are none:\n%s", out.String())
	}
	backup := filepath.Join(dir, ".backup-20261129-183000", "main.go")
	if data, err := os.ReadFile(backup); err != nil || string(data) != "package main // mine\n" {
		t.Errorf("backup %s = %q, %v; want the learner's version", backup, data, err)
	}
	if !strings.Contains(out.String(), "steps/01-x/.backup-20261129-183000") {
		t.Errorf("the output does not say where the backup is:\n%s", out.String())
	}

	write("package main // committed work\n")
	gitRun("commit", "-qam", "my work")
	out.Reset()
	if err := resetStep(t.Context(), root, st, true, nil, &out, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if read() != starter || !strings.Contains(out.String(), "the one in commit") {
		t.Errorf("after committing work, reset gave %q:\n%s", read(), out.String())
	}

	// A file outside the step's task, changed: reset leaves it and names it.
	if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitRun("add", ".")
	gitRun("commit", "-qm", "a template")
	if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte("edited again\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := resetStep(t.Context(), root, st, true, nil, &out, now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if want := "not this step's task, so reset leaves them: steps/01-x/template.yaml changed"; !strings.Contains(out.String(), want) {
		t.Errorf("reset output lacks %q:\n%s", want, out.String())
	}
}
