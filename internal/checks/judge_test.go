package checks

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

// judgeStep is a step whose starter must fail two checks, each for a reason.
var judgeStep = Step{
	Slug:          "01-test",
	LearnerFiles:  map[string]string{"main.go": "0"},
	FailOnStarter: map[string]string{"api": "has no Api event", "hello": "expected 200"},
}

func pass(name string) Result { return Result{Name: name} }
func fail(name, msg string) Result {
	return Result{Name: name, Failed: true, Message: msg, Log: "log of " + name}
}

// TestJudge gives each mode's verdicts: what passes, what fails, and what a
// skipped check counts as (never as passed).
func TestJudge(t *testing.T) {
	skipped := Result{Name: "lint", Skipped: true, Message: "cfn-lint is not installed"}
	broken := Result{Name: "hello", Failed: true, Broken: true, Message: "usage error: status takes 1 argument(s)"}
	deploy := fail("deployed", "could not start the app locally: the template is wrong")
	tests := []struct {
		name    string
		mode    Mode
		results []Result
		fails   bool     // some line fails the run
		want    []string // each in some line
		not     []string // in no line
	}{
		{name: "verify: as expected", mode: Verify,
			results: []Result{fail("api", "template.yaml: resource HelloFunction has no Api event"), fail("hello", "answered 403; expected 200\nhint: x"), pass("build")},
			want:    []string{"step 01-test: not started. 2 of 3 checks wait for your work (api, hello); edit the files marked TODO(step 01)"}},
		{name: "verify: another reason", mode: Verify,
			results: []Result{fail("api", "could not start the app locally: exit status 2"), fail("hello", "expected 200")},
			fails:   true,
			want:    []string{"check api fails on the untouched starter of step 01-test, but not as steps/manifest.json expects (a message matching has no Api event)", "could not start the app locally", "log of api"},
			not:     []string{"not started"}},
		{name: "verify: unlisted failure", mode: Verify,
			results: []Result{fail("api", "has no Api event"), fail("hello", "expected 200"), fail("build", "undefined: x")},
			fails:   true,
			want:    []string{"check build fails on the untouched starter of step 01-test but steps/manifest.json does not list it in failOnStarter", "undefined: x"}},
		{name: "verify: listed check passes", mode: Verify,
			results: []Result{fail("api", "has no Api event"), pass("hello")},
			fails:   true,
			want:    []string{"check hello passes on the untouched starter of step 01-test, yet steps/manifest.json says it must fail"}},
		{name: "verify: broken", mode: Verify,
			results: []Result{fail("api", "has no Api event"), broken},
			fails:   true,
			want:    []string{"check hello is itself wrong, so its failure on the starter proves nothing", "usage error"}},
		{name: "verify: skipped", mode: Verify,
			results: []Result{fail("api", "has no Api event"), fail("hello", "expected 200"), skipped},
			want:    []string{"skipped lint: cfn-lint is not installed", "2 of 3 checks wait"}},
		{name: "solution: all pass", mode: Solution,
			results: []Result{pass("api"), pass("hello")},
			want:    []string{"✓ api", "✓ hello", "step 01-test (solution): all 2 checks pass."}},
		{name: "solution: skipped is not passed", mode: Solution,
			results: []Result{pass("api"), skipped},
			want:    []string{"- lint skipped: cfn-lint is not installed", "step 01-test (solution): 1 of 2 checks pass; 1 skipped, not checked: lint"},
			not:     []string{"all 2 checks pass", "✓ lint"}},
		{name: "solution: failure shows the log", mode: Solution,
			results: []Result{fail("api", "has no Api event")},
			fails:   true,
			want:    []string{"✗ api\n    has no Api event\n    log of api"},
			not:     []string{"checks pass"}},
		{name: "learner: failures", mode: Learner,
			results: []Result{deploy, fail("api", "has no Api event"), pass("build"), skipped, broken},
			fails:   true,
			want: []string{"✗ api\n    has no Api event", "this check is itself wrong, not the files it checks: usage error",
				"step 01-test: 3 of 5 checks fail; one mistake can fail several, so start with the first message above. Skipped, not checked: lint. Files you changed: main.go."},
			not: []string{"log of api"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := Target{Step: judgeStep, Mode: tt.mode, Dir: t.TempDir()}
			lines := Judge(target, tt.results)
			var text []string
			failed := false
			for _, l := range lines {
				text = append(text, l.Text)
				failed = failed || l.Fail
			}
			all := strings.Join(text, "\n")
			if failed != tt.fails {
				t.Errorf("a line fails: %v, want %v:\n%s", failed, tt.fails, all)
			}
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("no line says %q:\n%s", w, all)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(all, n) {
					t.Errorf("a line says %q:\n%s", n, all)
				}
			}
		})
	}
}

// TestJudgeOrdersDeployFailuresLast: the check that names the mistake comes
// before the checks that only failed because the app could not start.
func TestJudgeOrdersDeployFailuresLast(t *testing.T) {
	results := []Result{fail("a", "could not start the app locally: x"), fail("b", "has no Api event"), fail("c", "could not start the app locally: y")}
	lines := Judge(Target{Step: judgeStep, Mode: Learner, Dir: t.TempDir()}, results)
	var order []string
	for _, l := range lines[:3] {
		order = append(order, strings.Fields(l.Text)[1])
	}
	if !slices.Equal(order, []string{"b", "a", "c"}) {
		t.Errorf("order %v, want [b a c]", order)
	}
}

// writeRepo makes a repository with one step and its manifest.
func writeRepo(t *testing.T, manifest string, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	files["go.mod"] = "module example.com/ws\n"
	files[ManifestFile] = manifest
	repotest.WriteFiles(t, root, files)
	return root
}

// TestLoadManifestRefuses: a manifest that could not say why a check fails
// on the starter is refused with a message naming the step and the check.
func TestLoadManifestRefuses(t *testing.T) {
	for name, tt := range map[string]struct{ manifest, want string }{
		"empty reason": {`{"steps":[{"slug":"01-a","failOnStarter":{"hello":""}}]}`, "step 01-a, failOnStarter hello: give the regular expression"},
		"bad regexp":   {`{"steps":[{"slug":"01-a","failOnStarter":{"hello":"a("}}]}`, `step 01-a, failOnStarter hello: "a(" is not a regular expression`},
		"old list":     {`{"steps":[{"slug":"01-a","failOnStarter":["hello"]}]}`, "steps/manifest.json is not valid JSON"},
		"not JSON":     {`{`, "steps/manifest.json is not valid JSON"},
	} {
		_, err := LoadManifest(writeRepo(t, tt.manifest, map[string]string{}))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error with %q", name, err, tt.want)
		}
	}
	if _, err := LoadManifest(t.TempDir()); err == nil || !strings.Contains(err.Error(), "reading the step list") {
		t.Errorf("no manifest: got %v", err)
	}
}

// TestEditedStarters names each learner file that differs from its
// recorded starter, with that starter's hash, and nothing while all match.
func TestEditedStarters(t *testing.T) {
	manifest := `{"steps":[{"slug":"01-a","title":"A","learnerFiles":{"main.go":"` + sha("m") + `","template.yaml":"` + sha("t") + `"},"failOnStarter":{"hello":"x"},"hints":["h"]}]}`
	root := writeRepo(t, manifest, map[string]string{"steps/01-a/main.go": "m", "steps/01-a/template.yaml": "t"})
	m, err := LoadManifest(root)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.EditedStarters(root); len(got) != 0 {
		t.Errorf("untouched: %v, want none", got)
	}
	if err := os.WriteFile(filepath.Join(root, "steps", "01-a", "main.go"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := m.EditedStarters(root), map[string]string{"steps/01-a/main.go": sha("m")}; !maps.Equal(got, want) {
		t.Errorf("edited main.go: %v, want %v", got, want)
	}
}

// TestRehashAndSave: Rehash records the starter's new hash and names the
// file, Save writes what LoadManifest reads back, and the repository's own
// manifest is already in Save's format (rehash changes only hashes).
func TestRehashAndSave(t *testing.T) {
	manifest := `{"steps":[{"slug":"01-a","title":"A","learnerFiles":{"main.go":"old","template.yaml":"` + sha("t") + `"},"failOnStarter":{"hello":"x"},"hints":["h"]}]}`
	root := writeRepo(t, manifest, map[string]string{"steps/01-a/main.go": "m", "steps/01-a/template.yaml": "t"})
	m, err := LoadManifest(root)
	if err != nil {
		t.Fatal(err)
	}
	changed, err := m.Rehash(root)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(changed, []string{filepath.Join("steps", "01-a", "main.go")}) {
		t.Errorf("Rehash changed %v, want only steps/01-a/main.go", changed)
	}
	if err := m.Save(root); err != nil {
		t.Fatal(err)
	}
	back, err := LoadManifest(root)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Steps[0].LearnerFiles["main.go"]; got != sha("m") {
		t.Errorf("saved hash %s, want %s", got, sha("m"))
	}
	if ok, err := back.Steps[0].Untouched(filepath.Join(root, "steps", "01-a")); !ok || err != nil {
		t.Errorf("after rehash the starter should be untouched: %v %v", ok, err)
	}
	if changed, _ := back.Rehash(root); len(changed) != 0 {
		t.Errorf("a second rehash changed %v", changed)
	}

	// A learner file that is gone is an error naming the step.
	os.Remove(filepath.Join(root, "steps", "01-a", "main.go"))
	if _, err := back.Rehash(root); err == nil || !strings.Contains(err.Error(), "step 01-a") {
		t.Errorf("Rehash with a file missing: %v", err)
	}
	if err := back.Save(filepath.Join(root, "no", "such")); err == nil {
		t.Error("Save into a missing directory should fail")
	}

	// The repository's manifest round-trips byte for byte.
	realRoot, real := repoManifest(t)
	want, _ := os.ReadFile(filepath.Join(realRoot, ManifestFile))
	tmp := t.TempDir()
	os.MkdirAll(filepath.Join(tmp, "steps"), 0o755)
	if err := real.Save(tmp); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(tmp, ManifestFile)); !bytes.Equal(got, want) {
		t.Errorf("%s is not in the format Save writes: rehash would rewrite more than hashes", ManifestFile)
	}
}

func sha(s string) string {
	f := filepath.Join(os.TempDir(), fmt.Sprintf("sha-%d", os.Getpid()))
	os.WriteFile(f, []byte(s), 0o644)
	defer os.Remove(f)
	h, _ := HashFile(f)
	return h
}

// TestStepLookups: Find by number or slug, Index, Untouched and ChangedFiles.
func TestStepLookups(t *testing.T) {
	m := &Manifest{Steps: []Step{{Slug: "01-a"}, {Slug: "12-b"}}}
	for _, name := range []string{"1", "01", "01-a"} {
		if s, err := m.Find(name); err != nil || s.Slug != "01-a" {
			t.Errorf("Find(%q) = %v, %v", name, s.Slug, err)
		}
	}
	if _, err := m.Find("3"); err == nil || !strings.Contains(err.Error(), `there is no step "3"; the steps are: 01-a, 12-b`) {
		t.Errorf("Find(3): %v", err)
	}
	if m.Index("12-b") != 1 || m.Index("x") != -1 {
		t.Error("Index")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a"), []byte("a"), 0o644)
	s := Step{Slug: "01-a", LearnerFiles: map[string]string{"a": sha("a"), "b": sha("b")}}
	if ok, err := s.Untouched(dir); ok || err != nil {
		t.Errorf("a missing learner file counts as touched: %v %v", ok, err)
	}
	os.WriteFile(filepath.Join(dir, "b"), []byte("b"), 0o644)
	if ok, err := s.Untouched(dir); !ok || err != nil {
		t.Errorf("Untouched: %v %v", ok, err)
	}
	os.WriteFile(filepath.Join(dir, "b"), []byte("B"), 0o644)
	if ok, _ := s.Untouched(dir); ok {
		t.Error("an edited file counts as touched")
	}
	if got := s.ChangedFiles(dir); !slices.Equal(got, []string{"b"}) {
		t.Errorf("ChangedFiles = %v", got)
	}
	if _, err := (Step{Slug: "01-a"}).Untouched(dir); err == nil {
		t.Error("a step without learner files cannot be untouched")
	}
}

// TestMissingTool: a check whose tool is not installed is skipped (and the
// skip reported, never counted as passed); in CI or strict mode it fails
// instead; any other error is left to the caller.
func TestMissingTool(t *testing.T) {
	scripts := map[string]string{
		"sam":    "tool-missing sam\n",
		"dynamo": "tool-missing dynamo\n",
		"other":  "tool-missing other\n",
	}
	run := func() map[string]Result {
		return runOfflineWith(t, scripts, map[string]func(*testscript.TestScript, bool, []string){
			"tool-missing": func(ts *testscript.TestScript, neg bool, args []string) {
				err := map[string]error{
					"sam":    fmt.Errorf("cfn-lint: %w", tool.ErrMissing),
					"dynamo": &tool.MissingError{Tool: "DynamoDB Local", Hint: "npm ci"},
					"other":  errors.New("exit status 1"),
				}[args[0]]
				get(ts).missingTool(ts, err)
				ts.Fatalf("missingTool returned for %v", err)
			},
		})
	}
	t.Setenv("CI", "")
	t.Setenv("WORKSHOP_STRICT", "")
	r := run()
	for _, name := range []string{"sam", "dynamo"} {
		if !r[name].Skipped || r[name].Failed || !strings.Contains(r[name].Message, "a tool is missing") && !strings.Contains(r[name].Message, "DynamoDB Local") {
			t.Errorf("%s: want skipped with the reason, got %+v", name, r[name])
		}
	}
	if r["other"].Skipped || !strings.Contains(r["other"].Log, "missingTool returned for exit status 1") {
		t.Errorf("another error must be left to the caller: %+v", r["other"])
	}
	if lines := Judge(Target{Step: judgeStep, Mode: Solution}, []Result{r["sam"], pass("other")}); strings.Contains(lines[len(lines)-1].Text, "all 2 checks pass") {
		t.Errorf("a skipped check was counted as passed: %v", lines)
	}

	t.Setenv("WORKSHOP_STRICT", "1")
	r = run()
	if !r["sam"].Failed || r["sam"].Skipped || !strings.Contains(r["sam"].Message, "CI=true or WORKSHOP_STRICT=1 requires every tool") {
		t.Errorf("strict: want a failure, got %+v", r["sam"])
	}
}

// TestScriptsFirst puts the checks the manifest names first in its order, the
// others after them sorted, and refuses a name that has no script: a typo
// there would silently put nothing first.
func TestScriptsFirst(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a", "b", "c", "d"} {
		if err := os.WriteFile(filepath.Join(dir, n+".txtar"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := map[string]struct {
		first   []string
		want    string
		wantErr string
	}{
		"none":    {want: "a b c d"},
		"two":     {first: []string{"d", "b"}, want: "d b a c"},
		"missing": {first: []string{"e"}, wantErr: "puts the check e first, but it has no testdata/e.txtar"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			tgt := Target{ScriptsDir: dir, Step: Step{Slug: "01-x", First: tt.first}}
			got, err := tgt.Scripts()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Scripts() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := strings.Join(got, " "); s != tt.want {
				t.Errorf("Scripts() = %s, want %s", s, tt.want)
			}
		})
	}
}
