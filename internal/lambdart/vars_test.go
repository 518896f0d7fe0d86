package lambdart

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// definedVars is testdata/lambda/environment.json: the variables the Lambda
// Developer Guide defines for a function's runtime (sources in
// testdata/README.md).
type definedVars struct {
	Reserved               []string          `json:"reserved"`
	NotSetOnOSOnlyRuntimes []string          `json:"notSetOnOSOnlyRuntimes"`
	FixedValues            map[string]string `json:"fixedValues"`
	Unreserved             map[string]string `json:"unreserved"`
	NotEmulated            []string          `json:"notEmulated"`
}

func readDefinedVars(t *testing.T) definedVars {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "lambda", "environment.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d definedVars
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("testdata/lambda/environment.json: %v", err)
	}
	return d
}

// The reserved keys are the documented ones, no more, no fewer.
func TestReservedIsDocumented(t *testing.T) {
	d := readDefinedVars(t)
	if got, want := slices.Sorted(slices.Values(reserved)), slices.Sorted(slices.Values(d.Reserved)); !slices.Equal(got, want) {
		t.Errorf("reserved keys\n got %v\nwant %v (testdata/lambda/environment.json)", got, want)
	}
	for _, k := range append(slices.Clone(d.Reserved), "TZ", "LANG", "PATH", "TABLE_NAME") {
		if Reserved(k) != slices.Contains(d.Reserved, k) {
			t.Errorf("Reserved(%s) = %v", k, Reserved(k))
		}
	}
}

// The process starts with exactly the documented variables of an OS-only
// runtime, plus Config.Env: nothing from the host, no AWS_EXECUTION_ENV and
// no _X_AMZN_TRACE_ID (which Lambda does not set for provided runtimes).
func TestEnvironDefinedSet(t *testing.T) {
	d := readDefinedVars(t)
	f := &Function{cfg: Config{Name: "fn", Handler: "bootstrap", MemoryMB: 128, Region: "eu-west-1",
		Env: map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t", "TABLE_NAME": "items"}},
		abs: filepath.Join(t.TempDir(), "bootstrap")}
	got := map[string]string{}
	for _, kv := range f.environ("127.0.0.1:9001", nil) {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = v
	}
	want := map[string]bool{"TABLE_NAME": true}
	for _, k := range d.Reserved {
		if !slices.Contains(d.NotSetOnOSOnlyRuntimes, k) {
			want[k] = true
		}
	}
	for k := range d.Unreserved {
		want[k] = true
	}
	if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)); !slices.Equal(g, w) {
		t.Errorf("variables\n got %v\nwant %v", g, w)
	}
	root := filepath.Dir(f.abs)
	for k, v := range d.Unreserved {
		v = strings.NewReplacer("$LAMBDA_RUNTIME_DIR", "/var/runtime", "$LAMBDA_TASK_ROOT", root).Replace(v)
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for k, v := range d.FixedValues {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, k := range d.NotEmulated {
		if _, ok := got[k]; ok {
			t.Errorf("%s is set, yet X-Ray is not emulated", k)
		}
	}
}

// Start refuses a reserved key in Config.Env (the credentials excepted):
// Lambda refuses it at deploy, so it must never silently lose to Lambda's.
func TestStartRefusesReserved(t *testing.T) {
	for _, k := range reserved {
		t.Run(k, func(t *testing.T) {
			_, err := Start(Config{Name: "fn", Bootstrap: bootstrap, Env: map[string]string{k: "x"}})
			if slices.Contains(credentials, k) {
				if err != nil {
					t.Fatalf("credential %s refused: %v", k, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), k+" is reserved") {
				t.Fatalf("Start with %s = %v, want it refused by name", k, err)
			}
		})
	}
}

// The function sees the documented set through the runtime, and
// _X_AMZN_TRACE_ID, which aws-lambda-go sets from Lambda-Runtime-Trace-Id,
// changes with each invocation.
func TestFunctionSeesDefinedVars(t *testing.T) {
	d := readDefinedVars(t)
	f := start(t, Config{Name: "env-fn", Handler: "bootstrap", Timeout: 5 * time.Second,
		Env: map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}})
	first := decode(t, invoke(t, f, `{"mode":"env"}`)).Env
	second := decode(t, invoke(t, f, `{"mode":"env"}`)).Env
	for _, k := range d.Reserved {
		_, ok := first[k]
		switch {
		case k == "_X_AMZN_TRACE_ID":
		case slices.Contains(d.NotSetOnOSOnlyRuntimes, k) && ok:
			t.Errorf("%s = %q, but Lambda does not set it in OS-only runtimes", k, first[k])
		case !slices.Contains(d.NotSetOnOSOnlyRuntimes, k) && first[k] == "":
			t.Errorf("%s is missing", k)
		}
	}
	for k, v := range d.Unreserved {
		if !strings.Contains(v, "$") && first[k] != v {
			t.Errorf("%s = %q, want %q", k, first[k], v)
		}
	}
	trace := regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]$`)
	if !trace.MatchString(first["_X_AMZN_TRACE_ID"]) || !trace.MatchString(second["_X_AMZN_TRACE_ID"]) {
		t.Errorf("_X_AMZN_TRACE_ID %q then %q, want X-Ray trace headers", first["_X_AMZN_TRACE_ID"], second["_X_AMZN_TRACE_ID"])
	}
	if first["_X_AMZN_TRACE_ID"] == second["_X_AMZN_TRACE_ID"] {
		t.Errorf("_X_AMZN_TRACE_ID did not change between invocations: %q", first["_X_AMZN_TRACE_ID"])
	}
	if first["AWS_ACCESS_KEY"] != "AKID" {
		t.Errorf("AWS_ACCESS_KEY = %q, want the role's access key id", first["AWS_ACCESS_KEY"])
	}
}
