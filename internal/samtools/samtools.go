// Package samtools runs AWS's own Python tools on SAM templates, as a
// subprocess: cfn-lint and the SAM translator (aws-sam-translator). Reading a
// template in Go, without them, is package sam. Both are Python; one embedded
// script does both jobs in one process, because importing cfn-lint alone takes
// about two seconds.
//
// Results are cached in memory for the life of the process and on disk under
// os.UserCacheDir()/sam-dynamodb-go/samtools, keyed by the template's content,
// the options, the tool versions and the script, so repeated runs are fast.
// The probe that finds Python and the tool versions is cached the same way,
// in its probe subdirectory: keyed by what chooses the Python (the name, the
// file found on PATH, the version managers' variables and files), and used
// only while the interpreter and the tools' install directories are
// unchanged, so a new process starts no Python until it analyzes a template
// it has not seen.
package samtools

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/account"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
	"github.com/serverless-dva/sam-dynamodb-go/internal/usercache"
)

//go:embed samtools.py
var script string

// Finding is one cfn-lint finding.
type Finding struct {
	Rule    string // e.g. E3030
	Level   string // error, warning or informational
	Message string
	File    string // the template path as given to Analyze
	Line    int
	Column  int
	Path    []string // e.g. Resources/HelloFunction/Properties/Runtime; empty when cfn-lint gives none
}

// String reads like the compiler's messages:
// "template.yaml:16:3: E2533 HelloFunction: Runtime 'go1.x' was deprecated ...".
func (f Finding) String() string {
	where := ""
	if len(f.Path) >= 2 && f.Path[0] == "Resources" {
		where = f.Path[1] + ": "
	}
	return fmt.Sprintf("%s:%d:%d: %s %s%s", f.File, f.Line, f.Column, f.Rule, where, f.Message)
}

// Result is what the tools say about one template. It may be shared with
// other callers: treat it as read-only.
type Result struct {
	Findings []Finding
	// Translated is the CloudFormation template after the SAM transform, nil
	// if translation failed. JSON numbers are float64.
	Translated map[string]any
	// TranslateErrors are the translator's messages, each naming the resource
	// ("Resource with id [HelloFunction] is invalid. ...").
	TranslateErrors []string
	// LocalCode records the local CodeUri values replaced before translating
	// (the translator accepts only S3 locations): function logical id, or
	// "Globals", to the local path. In Translated, such a function's Code is
	// {S3Bucket: PlaceholderBucket, S3Key: the local path without its
	// leading "./" ("." for the template's own directory)}.
	LocalCode map[string]string
}

// PlaceholderBucket is the S3 bucket of the CodeUri placeholders.
const PlaceholderBucket = "sam-local-codeuri"

// Errors returns the error-level findings.
func (r *Result) Errors() []Finding {
	var errs []Finding
	for _, f := range r.Findings {
		if f.Level == "error" {
			errs = append(errs, f)
		}
	}
	return errs
}

// Options are the inputs of the SAM transform besides the template.
type Options struct {
	Params map[string]string // parameter overrides; the template's defaults fill the rest
	Region string            // default account.DefaultRegion
}

func (o Options) withDefaults() Options {
	if o.Region == "" {
		o.Region = account.DefaultRegion
	}
	return o
}

// tools is an installed Python with its tool versions.
type tools struct {
	python   string            // the interpreter (sys.executable), not a launcher
	versions map[string]string // cfn-lint and aws-sam-translator
}

var probes flight[*tools]

// Available reports whether Python, cfn-lint and the SAM translator are
// installed. The error matches tool.ErrMissing and says what to install.
func Available(ctx context.Context) error {
	_, err := findTools(ctx, userCacheDir())
	return err
}

// findTools finds Python (WORKSHOP_PYTHON, else python3 on PATH) and asks it
// for the tool versions, once per process, or reads its earlier answer from
// the disk cache in cacheDir ("" for none; see probecache.go).
func findTools(ctx context.Context, cacheDir string) (*tools, error) {
	name := "python3"
	if p := os.Getenv("WORKSHOP_PYTHON"); p != "" {
		name = p
	}
	python, err := exec.LookPath(name)
	if err != nil {
		if name != "python3" {
			return nil, &tool.MissingError{Tool: fmt.Sprintf("the Python named by WORKSHOP_PYTHON=%s (%v)", name, err), Hint: "point WORKSHOP_PYTHON at a Python 3 with cfn-lint installed, or unset it to use python3 from PATH"}
		}
		return nil, &tool.MissingError{Tool: "python3", Hint: "it is not on PATH: install Python 3, then pip install cfn-lint (it brings aws-sam-translator)"}
	}
	return probes.do(ctx, python, func(ctx context.Context) (*tools, error) {
		file := probeFile(cacheDir, name, python)
		if t, ok := cachedProbe(file); ok {
			return t, nil
		}
		out, err := runPython(ctx, python, "probe", nil, "")
		if err != nil {
			return nil, err
		}
		var answer struct {
			Executable string            `json:"executable"`
			Versions   map[string]string `json:"versions"`
			Installed  []string          `json:"installed"`
		}
		if err := json.Unmarshal(out, &answer); err != nil {
			return nil, fmt.Errorf("reading the tool versions from %s: %w", python, err)
		}
		switch {
		case answer.Versions["cfn-lint"] == "":
			return nil, &tool.MissingError{Tool: "cfn-lint", Hint: "pip install cfn-lint (it brings aws-sam-translator); checked with " + python}
		case answer.Versions["aws-sam-translator"] == "":
			return nil, &tool.MissingError{Tool: "aws-sam-translator", Hint: "pip install aws-sam-translator; checked with " + python}
		}
		t := &tools{python: answer.Executable, versions: answer.Versions}
		if t.python == "" {
			t.python = python
		}
		keepProbe(file, t, answer.Installed)
		return t, nil
	})
}

// pythonTimeout bounds one run of the script. A cold start of cfn-lint on a
// loaded machine takes seconds; minutes means it is stuck.
var pythonTimeout = 2 * time.Minute

var errPythonTimeout = errors.New("the Python tools took too long")

// runPython runs the embedded script in mode, with stdin, within pythonTimeout.
func runPython(ctx context.Context, python, mode string, stdin []byte, region string) ([]byte, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, pythonTimeout, errPythonTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-c", script, mode)
	cmd.WaitDelay = 5 * time.Second // a child left holding the output cannot keep us waiting
	cmd.Stdin = bytes.NewReader(stdin)
	// A neutral directory, so a .cfnlintrc lying in the caller's directory
	// does not change the findings behind the cache's back.
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(),
		"AWS_EC2_METADATA_DISABLED=true", // the translator must never look for credentials
		"PYTHONIOENCODING=utf-8",
	)
	if region != "" {
		cmd.Env = append(cmd.Env, "AWS_DEFAULT_REGION="+region)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(context.Cause(ctx), errPythonTimeout) {
			return nil, fmt.Errorf("%s: cfn-lint and the SAM translator (%s) did not finish within %v and were stopped: run `cfn-lint template.yaml` by hand to see whether it hangs", python, mode, pythonTimeout)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s running the samtools script (%s): %w%s", python, mode, err, lastLines(stderr.String(), 5))
	}
	return stdout.Bytes(), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return ""
	}
	return "\n" + strings.Join(lines, "\n")
}

var results flight[*Result]

// Analyze lints the template with cfn-lint and translates it with the SAM
// translator. Problems in the template are in the Result; the error is for
// missing tools (errors.Is(err, tool.ErrMissing)), an unreadable file or a failed
// run. Results are cached per (absolute path, content, options).
func Analyze(ctx context.Context, templatePath string, opts Options) (*Result, error) {
	return analyze(ctx, templatePath, opts, userCacheDir())
}

// analyze is Analyze with the disk cache in cacheDir ("" for none), so tests
// can start from an empty one.
func analyze(ctx context.Context, templatePath string, opts Options, cacheDir string) (*Result, error) {
	opts = opts.withDefaults()
	abs, err := filepath.Abs(templatePath)
	if err != nil {
		return nil, fmt.Errorf("analyze %s: %w", templatePath, err)
	}
	content, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("analyze: reading the template: %w", err)
	}
	optsJSON, err := json.Marshal(opts) // map keys are sorted: a stable key
	if err != nil {
		return nil, fmt.Errorf("analyze %s: %w", templatePath, err)
	}
	t, err := findTools(ctx, cacheDir)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(content)
	key := strings.Join([]string{t.python, abs, hex.EncodeToString(sum[:]), string(optsJSON)}, "\x00")

	res, err := results.do(ctx, key, func(ctx context.Context) (*Result, error) {
		return analyzeCached(ctx, t, cacheDir, abs, content, opts)
	})
	if err != nil {
		return nil, err
	}
	// Same result, the caller's spelling of the path.
	out := *res
	out.Findings = make([]Finding, len(res.Findings))
	for i, f := range res.Findings {
		f.File = templatePath
		out.Findings[i] = f
	}
	return &out, nil
}

// userCacheDir is the disk cache, or "" (no disk cache) when there is no
// user cache directory.
func userCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "sam-dynamodb-go", "samtools")
}

// output is what the script prints in analyze mode.
type output struct {
	Fatal    string `json:"fatal"`
	Findings []struct {
		Rule    string   `json:"rule"`
		Level   string   `json:"level"`
		Message string   `json:"message"`
		Line    int      `json:"line"`
		Column  int      `json:"column"`
		Path    []string `json:"path"`
	} `json:"findings"`
	Translated      map[string]any    `json:"translated"`
	TranslateErrors []string          `json:"translateErrors"`
	LocalCode       map[string]string `json:"localCode"`
}

// pythonRuns counts analyze runs of the script, for tests of the caches.
var pythonRuns atomic.Int64

// analyzeCached runs the script, or reads its earlier answer from dir.
// The disk cache is only a speed-up: failing to use it is not an error.
func analyzeCached(ctx context.Context, t *tools, dir, abs string, content []byte, opts Options) (*Result, error) {
	h := sha256.New()
	for _, part := range []any{script, string(content), opts, t.versions} {
		b, _ := json.Marshal(part) // strings and maps of strings: cannot fail
		h.Write(b)
		h.Write([]byte{0})
	}
	file := ""
	if dir != "" {
		file = filepath.Join(dir, hex.EncodeToString(h.Sum(nil))+".json")
		if raw, err := os.ReadFile(file); err == nil {
			if res, err := decodeOutput(raw); err == nil {
				return res, nil
			}
		}
	}

	req, err := json.Marshal(map[string]any{"template": abs, "region": opts.Region, "params": opts.Params, "bucket": PlaceholderBucket})
	if err != nil {
		return nil, fmt.Errorf("analyze %s: %w", abs, err)
	}
	pythonRuns.Add(1)
	raw, err := runPython(ctx, t.python, "analyze", req, opts.Region)
	if err != nil {
		return nil, fmt.Errorf("analyze %s: %w", abs, err)
	}
	res, err := decodeOutput(raw)
	if err != nil {
		return nil, fmt.Errorf("analyze %s: %w", abs, err)
	}
	if file != "" {
		_ = usercache.Put(dir, filepath.Base(file), raw) // a speed-up only: a failed write is no error
	}
	return res, nil
}

func decodeOutput(raw []byte) (*Result, error) {
	var out output
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("reading the samtools script's answer: %w", err)
	}
	if out.Fatal != "" {
		return nil, fmt.Errorf("cfn-lint or the SAM translator failed: %s", out.Fatal)
	}
	res := &Result{Translated: out.Translated, TranslateErrors: out.TranslateErrors, LocalCode: out.LocalCode}
	for _, f := range out.Findings {
		res.Findings = append(res.Findings, Finding{Rule: f.Rule, Level: f.Level, Message: f.Message, Line: f.Line, Column: f.Column, Path: f.Path})
	}
	return res, nil
}
