package participant

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// hardCoded are names a command must not spell out: in a shared account they
// are someone else's stack or resources. Commands use $STACK and $PREFIX.
var hardCoded = regexp.MustCompile(`dva-hello-|\bsam-app\b`)

var (
	fence      = regexp.MustCompile("^\\s*```+\\s*(\\S*)")
	shellFence = map[string]bool{"sh": true, "bash": true, "shell": true, "console": true, "zsh": true, "powershell": true, "ps1": true, "pwsh": true}
	// An inline command: `sam ...`, `aws ...`, `curl ...`.
	inlineCmd = regexp.MustCompile("`((?:sam|aws|curl) [^`]*)`")
)

// hardCodedCommands lists "line: text" for every command in the markdown
// that names a hard-coded stack or resource.
func hardCodedCommands(markdown string) []string {
	var out []string
	inFence, shell := false, false
	for i, line := range strings.Split(markdown, "\n") {
		if m := fence.FindStringSubmatch(line); m != nil {
			if inFence {
				inFence = false
			} else {
				inFence, shell = true, shellFence[strings.ToLower(m[1])]
			}
			continue
		}
		var cmds []string
		switch {
		case inFence && shell:
			cmds = []string{line}
		case !inFence:
			for _, m := range inlineCmd.FindAllStringSubmatch(line, -1) {
				cmds = append(cmds, m[1])
			}
		}
		for _, c := range cmds {
			if hardCoded.MatchString(c) {
				out = append(out, fmt.Sprintf("%d: %s", i+1, strings.TrimSpace(c)))
			}
		}
	}
	return out
}

// TestReadmeCommands checks that no command in the READMEs and docs names a
// stack or resource of the default Prefix.
func TestReadmeCommands(t *testing.T) {
	root := repotest.Root(t)
	var files []string
	for _, pattern := range []string{"README.md", "docs/*.md", "steps/*/README.md", "solutions/*/README.md"} {
		m, _ := filepath.Glob(filepath.Join(root, pattern))
		files = append(files, m...)
	}
	if len(files) < 13 {
		t.Fatalf("found only %d markdown files: the glob is wrong", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		for _, bad := range hardCodedCommands(string(data)) {
			t.Errorf("%s:%s: a command names the default stack or resources; write it with \"$STACK\" or \"$PREFIX-HelloFunction\" / \"$PREFIX-Table\"", rel, bad)
		}
	}
}

func TestHardCodedCommandsCaught(t *testing.T) {
	md := "Text about dva-hello-Table is fine.\n" +
		"```sh\naws dynamodb scan --table-name \"$PREFIX-Table\"\nsam logs --stack-name sam-app\n```\n" +
		"```\nStack Name [sam-app]: output, not a command\n```\n" +
		"Run `aws lambda get-policy --function-name dva-hello-HelloFunction` to see it.\n" +
		"```bash\ncurl x # dva-hello-Table\n```\n"
	got := strings.Join(hardCodedCommands(md), "|")
	want := "4: sam logs --stack-name sam-app|9: aws lambda get-policy --function-name dva-hello-HelloFunction|11: curl x # dva-hello-Table"
	if got != want {
		t.Errorf("hardCodedCommands:\n got %s\nwant %s", got, want)
	}
}
