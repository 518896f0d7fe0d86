package checks

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// TestLoadCommandsCatchMistakes makes, on the access-log fixture (whose
// PutItem has no condition), the mistakes the scale commands exist to catch,
// and a misuse of each, and checks the message each failure gives.
func TestLoadCommandsCatchMistakes(t *testing.T) {
	root := repotest.Root(t)
	cases := []struct {
		name, script, want string
		broken             bool
	}{
		{"status-over-load", "load 3 GET /access -c 3\n! status 200\n", "load 3 GET /access (3 at a time): all 3 answered 200; expected at least one other status", false},
		{"status-one-differs", "load 3 GET /access\nstatus 500\n", "3 answered 200 OK; expected every one to answer 500", false},
		{"json-after-load", "load 2 GET /access\njson -number Count 1\n", "usage error: no request yet", true},
		{"load-flag", "load 3 GET /access -x 2\n", "usage error: load: after PATH, only -c CONCURRENCY", true},
		{"cost-over", "request GET /access\ncost AccessFunction -max-items 0\n", "cost 1 items read (at most 0 expected)", false},
		{"cost-before-invoke", "cost AccessFunction -max-items 1\n", "usage error: cost: AccessFunction has not been invoked yet", true},
		{"cost-limit", "request GET /access\ncost AccessFunction -max-items 3 -max-reads\n", "usage error: cost: give each limit with its value", true},
		{"cost-flag", "request GET /access\ncost AccessFunction -max-reads 3\n", `usage error: cost: "-max-reads" is not one of -max-items`, true},
		// The fixture's PutItem is unconditional: it replaces the item stored first.
		{"overwrite-seen", "collide AccessFunction\nrequest GET /access\nitems Table stored_first\n", "has no item matching stored_first", false},
		{"walk-count", "walk /access Items next 5\n", "returned 1 elements of Items; expected 5", false},
		{"calls-never", "request GET /access\ncalls AccessFunction dynamodb:Query\n", "AccessFunction never called dynamodb:Query", false},
	}
	scripts := map[string]string{}
	for _, c := range cases {
		scripts[c.name] = c.script
	}
	dir := filepath.Join(root, "internal", "checks", "fixtures", "access-log")
	results := map[string]Result{}
	for _, r := range runScripts(t, Target{Root: root, Step: Step{Slug: "access-log"}, Mode: Solution, Dir: dir}, scripts) {
		results[r.Name] = r
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := results[c.name]
			if r.Skipped {
				t.Skip(r.Message)
			}
			if !r.Failed || !strings.Contains(r.Message, c.want) || r.Broken != c.broken {
				t.Errorf("want a failure (broken=%v) saying %q; got failed=%v broken=%v: %s\n%s", c.broken, c.want, r.Failed, r.Broken, r.Message, r.Log)
			}
		})
	}
}
