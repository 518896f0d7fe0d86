package lambdart

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// The variables Lambda defines in an OS-only runtime (provided.al2023,
// provided.al2: a Go bootstrap), as the Lambda Developer Guide lists them
// under "Defined runtime environment variables". The list and its sources are
// in testdata/lambda/environment.json and testdata/README.md.

// reserved are the keys Lambda sets itself: a function's
// Environment.Variables may not hold them (the deploy fails with
// InvalidParameterValueException "... Reserved keys used in this request").
var reserved = []string{
	"_HANDLER",
	"_X_AMZN_TRACE_ID", // not set in OS-only runtimes: aws-lambda-go sets it per invocation from Lambda-Runtime-Trace-Id
	"AWS_DEFAULT_REGION",
	"AWS_REGION",
	"AWS_EXECUTION_ENV", // not set in OS-only runtimes
	"AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE",
	"AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_ACCESS_KEY",
	"AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN",
	"AWS_LAMBDA_RUNTIME_API",
	"LAMBDA_TASK_ROOT",
	"LAMBDA_RUNTIME_DIR",
}

// credentials are the reserved keys whose values come from the execution
// role: the caller passes them in Config.Env (the stack's local keys).
var credentials = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}

// Reserved reports whether Lambda reserves the environment variable key, so
// that a template may not set it.
func Reserved(key string) bool { return slices.Contains(reserved, key) }

// checkEnv refuses a reserved key in Config.Env other than the credentials.
func checkEnv(name string, env map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if Reserved(k) && !slices.Contains(credentials, k) {
			return fmt.Errorf("lambda function %s: environment variable %s is reserved: Lambda sets it itself and refuses it in Environment.Variables", name, k)
		}
	}
	return nil
}

// environ is the process environment: what Lambda defines, plus Config.Env
// and the environment's own variables. Nothing leaks from the host. The
// unreserved variables (LANG, PATH, LD_LIBRARY_PATH, TZ) are defaults that
// Config.Env may replace, as Environment.Variables can on AWS.
func (f *Function) environ(apiAddr string, own map[string]string) []string {
	root := filepath.Dir(f.abs) // LAMBDA_TASK_ROOT (/var/task on AWS)
	const runtimeDir = "/var/runtime"
	vars := map[string]string{
		"LANG":            "en_US.UTF-8",
		"PATH":            "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LD_LIBRARY_PATH": "/lib64:/usr/lib64:" + runtimeDir + ":" + runtimeDir + "/lib:" + root + ":" + filepath.Join(root, "lib") + ":/opt/lib",
		"TZ":              ":UTC",
	}
	maps.Copy(vars, f.cfg.Env)
	maps.Copy(vars, own)
	maps.Copy(vars, map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        f.cfg.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.cfg.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + f.cfg.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + fmt.Sprintf("%x", randomBytes(16)),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_RUNTIME_API":          apiAddr,
		"AWS_REGION":                      f.cfg.Region,
		"AWS_DEFAULT_REGION":              f.cfg.Region,
		"_HANDLER":                        f.cfg.Handler,
		"LAMBDA_TASK_ROOT":                root,
		"LAMBDA_RUNTIME_DIR":              runtimeDir,
	})
	if id := vars["AWS_ACCESS_KEY_ID"]; id != "" {
		vars["AWS_ACCESS_KEY"] = id // listed with the role's keys
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		out = append(out, k+"="+vars[k])
	}
	return out
}
