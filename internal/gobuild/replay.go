package gobuild

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// A replay is a build again after an edit of the package's Go files that
// left their headers as they were (see bodiesEdited): the go tool's own
// commands for the package, as go build -x (or go list -export -x) printed
// them, run again without go. They are the compile of the package and, for a
// build, the link, with the same flags, against the same dependencies in
// go's build cache. go would first load and hash the 300 packages of a
// function that uses the AWS SDK to find that only those two commands need
// to run: about 0.4 s of the 1 s a build takes after an edit.
//
// A replay is only ever used for success: when one fails (a compile error,
// or a dependency go's cache has since removed), go builds, and its messages
// are the ones shown.
type replay struct {
	// Files are the files go wrote before the commands (import
	// configurations), by path; $WORK stands for the work directory.
	Files   map[string]string
	Compile *toolRun
	Link    *toolRun `json:",omitempty"` // nil for a compile without link
}

// toolRun is one command of a replay.
type toolRun struct {
	Dir  string   // where it ran: an absolute directory, or "." for the go command's own
	Env  []string // NAME=value go set for it
	Args []string // the tool, then its arguments; $WORK stands for the work directory
}

// xEcho is a one-line file go writes in -x output: echo '# import config' > $WORK/b002/importcfg # internal.
var xEcho = regexp.MustCompile(`^echo '([^']*)' > (\S+) # internal$`)

// xEnv is a variable go sets before a tool in -x output: GOROOT='/usr/local/go'.
var xEnv = regexp.MustCompile(`^([A-Z_][A-Z0-9_]*)='([^']*)'$`)

// parseX reads go's -x output (standard error) of a build that succeeded. It
// returns nil unless that output is exactly a replay: one compile, at most one
// link, and nothing but go's own bookkeeping besides (no cgo, no assembly,
// and no dependency compiled in the same run, whose output was only in the
// work directory).
func parseX(stderr string) *replay {
	r := &replay{Files: map[string]string{}}
	work, dir := "", "."
	lines := strings.Split(stderr, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case l == "":
		case strings.HasPrefix(l, "WORK="):
			work = strings.TrimPrefix(l, "WORK=")
		case strings.HasPrefix(l, "cat >") && strings.HasSuffix(l, " << 'EOF' # internal"):
			path := strings.TrimSuffix(strings.TrimPrefix(l, "cat >"), " << 'EOF' # internal")
			var body strings.Builder
			for i++; i < len(lines) && lines[i] != "EOF"; i++ {
				body.WriteString(lines[i] + "\n")
			}
			if i == len(lines) || work == "" {
				return nil
			}
			r.Files[strings.ReplaceAll(path, work, "$WORK")] = strings.ReplaceAll(body.String(), work, "$WORK")
		case xEcho.MatchString(l):
			m := xEcho.FindStringSubmatch(l)
			if work == "" {
				return nil
			}
			r.Files[strings.ReplaceAll(m[2], work, "$WORK")] = strings.ReplaceAll(m[1], work, "$WORK") + "\n"
		case strings.HasPrefix(l, "cd "):
			dir = strings.TrimPrefix(l, "cd ")
		case isBookkeeping(l):
			// The directories are made again, the output is moved by the
			// caller, the cache is go's, the build ID cosmetic.
		default:
			run := parseCommand(l, dir)
			if run == nil || work == "" {
				return nil
			}
			switch strings.TrimSuffix(filepath.Base(run.Args[0]), ".exe") {
			case "compile":
				if r.Compile != nil {
					return nil // a dependency was compiled too
				}
				r.Compile = run
			case "link":
				if r.Link != nil || r.Compile == nil {
					return nil
				}
				r.Link = run
			default:
				return nil // cgo, asm, pack: go builds those
			}
		}
	}
	if r.Compile == nil || r.Compile.output() == "" || (r.Link != nil && r.Link.output() == "") {
		return nil
	}
	return r
}

// parseCommand reads a command line of -x output: variables, the tool, and
// arguments, each plain or quoted as a Go string (go quotes an argument with a
// space or one of ()>;). nil when the line is not of that form.
func parseCommand(line, dir string) *toolRun {
	run := &toolRun{Dir: dir}
	for line != "" {
		var arg string
		if line[0] == '"' {
			q, err := strconv.QuotedPrefix(line)
			if err != nil {
				return nil
			}
			if arg, err = strconv.Unquote(q); err != nil {
				return nil
			}
			line = line[len(q):]
		} else {
			arg, line, _ = strings.Cut(line, " ")
			if len(run.Args) == 0 {
				if m := xEnv.FindStringSubmatch(arg); m != nil {
					run.Env = append(run.Env, m[1]+"="+m[2])
					continue
				}
			}
		}
		if line != "" && line[0] == ' ' {
			line = line[1:]
		}
		run.Args = append(run.Args, arg)
	}
	if len(run.Args) == 0 || !filepath.IsAbs(run.Args[0]) {
		return nil
	}
	return run
}

// output is the file the command writes (-o); "" when none.
func (t *toolRun) output() string {
	for i, a := range t.Args {
		if a == "-o" && i+1 < len(t.Args) {
			return t.Args[i+1]
		}
	}
	return ""
}

// run replays the build in dir, at the lowest CPU priority when background.
// With out, it moves the linked executable there.
func (r *replay) run(ctx context.Context, dir string, env []string, out string, background bool) error {
	work, err := os.MkdirTemp("", "workshop-replay-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	expand := func(s string) string { return strings.ReplaceAll(s, "$WORK", work) }
	for path, content := range r.Files {
		p := expand(path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(expand(content)), 0o644); err != nil {
			return err
		}
	}
	for _, t := range []*toolRun{r.Compile, r.Link} {
		if t == nil {
			continue
		}
		args := make([]string, len(t.Args))
		for i, a := range t.Args {
			args[i] = expand(a)
		}
		if err := os.MkdirAll(filepath.Dir(expand(t.output())), 0o755); err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Dir = dir
		if t.Dir != "." {
			cmd.Dir = t.Dir
		}
		cmd.Env = append(env, t.Env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := run(cmd, background); err != nil {
			return fmt.Errorf("%s: %w: %s", filepath.Base(args[0]), err, strings.TrimSpace(stderr.String()))
		}
	}
	if r.Link == nil || out == "" {
		return nil
	}
	return linkOrCopy(expand(r.Link.output()), out)
}

// withoutCommands is go's standard error under -x without what -x adds: the
// commands of the tools, the files go wrote (where "# import config" is a line
// too) and its bookkeeping. What is left are go's own messages, as without
// -x: a "# package" line and the compiler's or linker's lines.
func withoutCommands(stderr string) string {
	var b strings.Builder
	inFile := false
	for line := range strings.Lines(stderr) {
		l := strings.TrimRight(line, "\n")
		switch {
		case inFile:
			inFile = l != "EOF"
		case strings.HasPrefix(l, "cat >") && strings.HasSuffix(l, " << 'EOF' # internal"):
			inFile = true
		case xEcho.MatchString(l), isBookkeeping(l), isTool(l), strings.HasPrefix(l, "go tool "), strings.HasPrefix(l, "echo "):
		default:
			b.WriteString(line)
		}
	}
	return b.String()
}

// isTool reports whether an -x line runs one of go's tools.
func isTool(l string) bool {
	run := parseCommand(l, ".")
	if run == nil {
		return false
	}
	switch strings.TrimSuffix(filepath.Base(run.Args[0]), ".exe") {
	case "compile", "link", "asm", "cgo", "pack", "buildid", "vet", "cover":
		return true
	}
	return false
}

// isBookkeeping reports whether an -x line is go's own work around the
// tools: the work directory, directories, moves, its cache, build IDs.
func isBookkeeping(l string) bool {
	for _, p := range []string{"WORK=", "mkdir -p ", "mv ", "cp ", "rm -r", "go tool buildid ", "cd "} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}
