package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
)

// backupPrefix starts the name of reset's backup folders (git-ignored).
const backupPrefix = ".backup-"

// reset restores a step's learner files to the starter, after keeping the
// learner's version in steps/NN-*/.backup-TIME/.
func reset(args []string) error {
	fs := flag.NewFlagSet("reset", flag.ContinueOnError)
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	step, err := checks.StepArgs(fs, args)
	if err != nil {
		return err
	}
	if step == "" {
		return errors.New("reset needs a step, for example: go run ./scripts/workshop reset 01")
	}
	root, st, err := findStep(step)
	if err != nil {
		return err
	}
	return resetStep(context.Background(), root, st, *yes, os.Stdin, os.Stdout, time.Now())
}

// resetStep restores st's learner files under root; without yes it asks on in.
func resetStep(ctx context.Context, root string, st checks.Step, yes bool, in io.Reader, out io.Writer, now time.Time) error {
	dir := filepath.Join(root, "steps", st.Slug)
	changed := st.ChangedFiles(dir)
	// Files of the step outside its task: reset leaves them, and says so.
	defer func() {
		if others := otherChanges(ctx, root, st); len(others) > 0 {
			fmt.Fprintf(out, "workshop: not this step's task, so reset leaves them: %s changed since your last commit (git checkout -- FILE restores one)\n", strings.Join(others, ", "))
		}
	}()
	if len(changed) == 0 {
		fmt.Fprintf(out, "workshop: steps/%s is already the untouched starter: nothing to reset\n", st.Slug)
		return nil
	}
	// Find every starter file first: reset all of them or none.
	starters := map[string][]byte{}
	for _, name := range changed {
		data, where, err := starterVersion(ctx, root, st, name)
		if err != nil {
			return err
		}
		if where != "" { // said only when it is not the checked-out one
			fmt.Fprintf(out, "workshop: the starter's %s is %s (you committed your work since)\n", name, where)
		}
		starters[name] = data
	}
	backup := filepath.Join(dir, backupPrefix+now.Format("20060102-150405"))
	files := fmt.Sprintf("steps/%s/{%s}", st.Slug, strings.Join(changed, ","))
	if yes {
		fmt.Fprintf(out, "workshop: resetting %s to the starter; your version goes to %s first\n", files, rel(root, backup))
	} else {
		fmt.Fprintf(out, "workshop: reset %s to the starter? Your version goes to %s first.\n", files, rel(root, backup))
		fmt.Fprint(out, "reset? [y/N] ")
		answer, _ := bufio.NewReader(in).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(out, "workshop: nothing changed")
			return nil
		}
	}
	if err := os.MkdirAll(backup, 0o755); err != nil {
		return fmt.Errorf("keeping your version: %w", err)
	}
	for _, name := range changed {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted: nothing to keep
		}
		if err != nil {
			return fmt.Errorf("keeping your version of %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(backup, name), data, 0o644); err != nil {
			return fmt.Errorf("keeping your version of %s: %w", name, err)
		}
	}
	for _, name := range changed {
		if err := os.WriteFile(filepath.Join(dir, name), starters[name], 0o644); err != nil {
			return fmt.Errorf("restoring %s (your version is in %s): %w", name, rel(root, backup), err)
		}
	}
	fmt.Fprintf(out, "workshop: steps/%s is the starter again; your version is in %s (git ignores it)\n", st.Slug, rel(root, backup))
	return nil
}

// otherChanges lists the files of st's folder that are not its learner files
// and that differ from git's HEAD (reset's backups aside); none without git.
func otherChanges(ctx context.Context, root string, st checks.Step) []string {
	dir := "steps/" + st.Slug + "/"
	out, err := git(ctx, root, "status", "--porcelain", "--no-renames", "--untracked-files=all", "--", dir)
	if err != nil {
		return nil
	}
	var others []string
	for _, line := range strings.Split(string(out), "\n") {
		if len(line) < 4 {
			continue
		}
		path := strings.Trim(line[3:], `"`)
		name := strings.TrimPrefix(path, dir)
		if _, learner := st.LearnerFiles[name]; learner || strings.HasPrefix(name, backupPrefix) {
			continue
		}
		others = append(others, path)
	}
	return others
}

// starterVersion finds the starter's content of a learner file in git: the
// version whose sha256 the manifest records, at HEAD (where is then "") or,
// when the learner committed their work, in an earlier commit.
func starterVersion(ctx context.Context, root string, st checks.Step, name string) ([]byte, string, error) {
	path := "steps/" + st.Slug + "/" + name
	want := st.LearnerFiles[name]
	revs := []string{"HEAD"}
	out, err := git(ctx, root, "rev-list", "HEAD", "--", path)
	if err != nil {
		return nil, "", err
	}
	revs = append(revs, strings.Fields(string(out))...)
	for _, rev := range revs {
		data, err := git(ctx, root, "show", rev+":"+path)
		if err != nil {
			continue // not in that commit
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) == want {
			if rev == "HEAD" {
				return data, "", nil
			}
			return data, "the one in commit " + rev[:12], nil
		}
	}
	return nil, "", fmt.Errorf("no commit of this repository has the starter's %s (the version %s records): fetch the workshop's history (git fetch) or copy it from the workshop's repository", path, checks.ManifestFile)
}

// git runs git in root and returns its output.
func git(ctx context.Context, root string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if errors.Is(err, exec.ErrNotFound) {
		return nil, errors.New("reset needs git, which is not on your PATH")
	}
	if err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
