package steptest

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

func TestIsBootstrap(t *testing.T) {
	lambdaEnv := map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "_HANDLER": "bootstrap"}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want bool
	}{
		{"started by Lambda", []string{"/var/task/bootstrap"}, lambdaEnv, true},
		{"started by go test", []string{"x.test", "-test.paniconexit0", "-test.timeout=10m0s"}, lambdaEnv, false},
		{"run by hand, no Lambda environment", []string{"x.test"}, nil, false},
		{"only the Runtime API", []string{"x.test"}, map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isBootstrap(tt.args, func(k string) string { return tt.env[k] }); got != tt.want {
				t.Errorf("isBootstrap(%q) = %v, want %v", tt.args, got, tt.want)
			}
		})
	}
}

// TestCheckRunsTheTestBinary proves that the checks run the test binary they
// are given as the function, not a build of the directory: step 01's
// solution passes with its own test binary and fails with that of a copy
// whose handler answers 500.
func TestCheckRunsTheTestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two test binaries and runs step 01's checks twice")
	}
	root := repotest.Root(t)
	dir := filepath.Join(root, "solutions", "01-hello-api")
	good := testBinary(t, dir)

	bad := mutantBinary(t, dir, "StatusCode: http.StatusInternalServerError")

	tests := []struct {
		name, bootstrap string
		wantFail        bool
	}{
		{"the solution's test binary", good, false},
		{"a test binary whose handler answers 500", bad, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, err := check(context.Background(), dir, tt.bootstrap)
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, l := range lines {
				if l.Fail {
					failed = append(failed, l.Text)
				}
			}
			if got := len(failed) > 0; got != tt.wantFail {
				t.Errorf("failing lines %q; want a failure: %v", failed, tt.wantFail)
			}
			if tt.wantFail && !strings.Contains(strings.Join(failed, "\n"), "500") {
				t.Errorf("the failures do not name the 500 the function answered: %q", failed)
			}
		})
	}
}

// mutantBinary is the test binary of a copy of step 01's solution in dir
// whose handler answers with status in place of "StatusCode: http.StatusOK".
func mutantBinary(t *testing.T, dir, status string) string {
	t.Helper()
	copyDir := repotest.ScratchDir(t, "steptest-")
	for _, name := range []string{"main.go", "step_test.go"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "main.go" {
			if !strings.Contains(string(data), "StatusCode: http.StatusOK") {
				t.Fatal("solutions/01-hello-api/main.go no longer answers http.StatusOK: update this test")
			}
			data = []byte(strings.Replace(string(data), "StatusCode: http.StatusOK", status, 1))
		}
		if err := os.WriteFile(filepath.Join(copyDir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return testBinary(t, copyDir)
}

// testBinary builds dir's test binary, as go test does before running it.
func testBinary(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "step.test")
	cmd := exec.Command("go", "test", "-c", "-o", out, ".")
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test -c in %s: %v\n%s", dir, err, msg)
	}
	return out
}

// TestInputFiles proves that go test's cache is keyed on what the checks
// read in stepcheck: a step's template and checks, a solution's checks
// (under steps/), the manifest and the harness. Without them an edit of
// template.yaml answered "ok (cached)" with the verdict of before.
func TestInputFiles(t *testing.T) {
	root := repotest.Root(t)
	tests := []struct {
		dir  string
		want []string
	}{
		{"steps/05-put-then-scan", []string{"steps/05-put-then-scan/template.yaml", "steps/05-put-then-scan/events/event.json",
			"steps/05-put-then-scan/testdata/errors.txtar", "steps/manifest.json", "go.mod", "internal/checks/run.go"}},
		{"solutions/05-put-then-scan", []string{"solutions/05-put-then-scan/template.yaml", "steps/05-put-then-scan/testdata/errors.txtar"}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			var got []string
			for _, f := range inputFiles(root, filepath.Join(root, tt.dir)) {
				rel, _ := filepath.Rel(root, f)
				got = append(got, filepath.ToSlash(rel))
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("inputFiles(%s) lacks %s", tt.dir, w)
				}
			}
			for _, g := range got {
				if strings.Contains(g, "/.backup-") || strings.HasSuffix(g, "_test.go") {
					t.Errorf("inputFiles(%s) has %s, which the checks do not read", tt.dir, g)
				}
			}
		})
	}
}

// TestInputEnv proves every WORKSHOP_ variable the harness reads is one
// go test's cache is keyed on.
func TestInputEnv(t *testing.T) {
	root := repotest.Root(t)
	name := regexp.MustCompile(`"(WORKSHOP_[A-Z_]+)"`)
	for _, tree := range []string{"internal", "scripts"} {
		_ = filepath.WalkDir(filepath.Join(root, tree), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range name.FindAllStringSubmatch(string(data), -1) {
				if !slices.Contains(inputEnv, m[1]) {
					t.Errorf("%s reads %s, which is not in inputEnv: go test would answer (cached) when it changes", path, m[1])
				}
			}
			return nil
		})
	}
}

// TestCheckEndsBeforeTheDeadline proves that a step whose function never
// answers reports its checks before go test's deadline, where go test
// would panic with a stack trace of the harness (go test -timeout 5s).
func TestCheckEndsBeforeTheDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a test binary and runs step 01's checks twice")
	}
	root := repotest.Root(t)
	dir := filepath.Join(root, "solutions", "01-hello-api")
	// Once without a deadline: stepcheck is built, and a build takes longer
	// than the deadline below.
	if _, err := check(context.Background(), dir, testBinary(t, dir)); err != nil {
		t.Fatal(err)
	}
	bin := mutantBinary(t, dir, "StatusCode: func() int { select {} }() + http.StatusOK")
	deadline := time.Now().Add(4 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	lines, err := check(ctx, dir, bin)
	if left := time.Until(deadline); left <= 0 {
		t.Errorf("check returned %v after its deadline: go test would have panicked first", -left)
	}
	if err != nil {
		t.Fatalf("check: %v; want the checks' report, cut short", err)
	}
	failed := false
	for _, l := range lines {
		failed = failed || l.Fail
	}
	if !failed {
		t.Errorf("no check failed for a function that never answers: %+v", lines)
	}
}
