package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/samtools"
)

// Verdict is one line of the doctor's report.
type Verdict struct {
	Item     string `json:"item"`
	Status   string `json:"status"` // ok, missing, warn (optional, missing or odd), info (reported only)
	Required bool   `json:"required"`
	Detail   string `json:"detail"`
	Fix      string `json:"fix,omitempty"`
}

const (
	statusOK      = "ok"
	statusMissing = "missing"
	statusWarn    = "warn"
	statusInfo    = "info"
)

// probes are what the doctor asks the machine; tests replace them.
type probes struct {
	goEnv       func(ctx context.Context, keys ...string) (map[string]string, error)
	moduleDirs  func(ctx context.Context, root string, mods []string) (map[string]string, error) // path -> Dir, "" when not in the module cache
	listen      func(addr string) error
	diskFree    func(path string) (uint64, error)
	command     func(ctx context.Context, name string, args ...string) (string, error)
	samTools    func(ctx context.Context) error
	dynamoLocal func(root string) (string, error)
	getenv      func(string) string
	aws         func(ctx context.Context) (awsInfo, error)
}

// awsInfo is what the local AWS configuration says, without calling AWS.
type awsInfo struct {
	Region, RegionFrom string
	Creds              string // where credentials would come from, "" when none
}

// goMod is what doctor needs from go.mod.
type goMod struct {
	GoVersion string   // the go directive, "1.26"
	Requires  []string // direct requirements' module paths
}

const (
	doctorPort = 3000
	diskNeed   = 500 << 20 // builds of the SDK and the steps, DynamoDB Local's data
	diskWant   = 2 << 30
)

func doctor(args []string) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the verdicts as JSON")
	step := fs.String("step", "", "the step whose template to review (default: the last one you changed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := repo.Root(".")
	if err != nil {
		return err
	}
	mod, err := readGoMod(filepath.Join(root, "go.mod"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var show func(Verdict)
	if !*asJSON {
		fmt.Println("workshop doctor: checking this machine for the workshop")
		show = func(v Verdict) { fmt.Println(v.line()) }
	}
	vs := diagnose(ctx, root, mod, realProbes(), show)
	if m, err := checks.LoadManifest(root); err == nil {
		if t, err := stepAtHand(root, m, *step); err == nil {
			vs = append(vs, checkStepSupport(t))
		} else {
			vs = append(vs, Verdict{Item: "step template", Status: statusWarn, Detail: err.Error()})
		}
		if show != nil {
			show(vs[len(vs)-1])
		}
	}
	missing := summary(vs)
	if *asJSON {
		out, _ := json.MarshalIndent(map[string]any{"verdicts": vs, "ready": missing == 0}, "", "  ")
		fmt.Println(string(out))
	} else {
		fmt.Println(summaryLine(vs))
	}
	if missing > 0 {
		return fmt.Errorf("doctor: %d required item(s) missing; see the fixes above", missing)
	}
	return nil
}

func (v Verdict) line() string {
	s := fmt.Sprintf("%-8s %-24s %s", v.Status, v.Item, v.Detail)
	if v.Fix != "" {
		s += "\n" + strings.Repeat(" ", 34) + "fix: " + v.Fix
	}
	return s
}

// summary counts the required items missing.
func summary(vs []Verdict) int {
	n := 0
	for _, v := range vs {
		if v.Required && v.Status == statusMissing {
			n++
		}
	}
	return n
}

func summaryLine(vs []Verdict) string {
	count := map[string]int{}
	for _, v := range vs {
		count[v.Status]++
	}
	s := fmt.Sprintf("workshop doctor: %d items: %d ok, %d warnings, %d missing, %d for information", len(vs), count[statusOK], count[statusWarn], count[statusMissing], count[statusInfo])
	if n := summary(vs); n > 0 {
		return s + fmt.Sprintf(" — %d required item(s) missing: the steps cannot run until they are fixed", n)
	}
	return s + " — ready for the steps (warnings are optional tools)"
}

// strictTools: CI=true or WORKSHOP_STRICT=1 make every tool required, as
// the checks do.
func strictTools(getenv func(string) string) bool {
	return getenv("CI") == "true" || getenv("WORKSHOP_STRICT") == "1"
}

// diagnose runs every check, in the order of the report; show, when not nil,
// gets each verdict as soon as it is known.
func diagnose(ctx context.Context, root string, mod goMod, p probes, show func(Verdict)) []Verdict {
	var vs []Verdict
	add := func(v ...Verdict) {
		for _, x := range v {
			vs = append(vs, x)
			if show != nil {
				show(x)
			}
		}
	}
	env, envErr := p.goEnv(ctx, "GOVERSION", "GOMODCACHE", "GOPROXY", "GOFLAGS")
	add(checkGo(mod, env, envErr))
	if envErr == nil {
		add(checkModules(ctx, root, mod, env, p))
	}
	add(checkPort(p), checkDisk(root, p))
	strict := strictTools(p.getenv)
	add(checkSAMTools(ctx, p, strict))
	add(checkJava(ctx, root, p, strict || dynamoKind(p.getenv) == dynamo.KindLocal)...)
	add(checkSAMCLI(ctx, p), checkAWS(ctx, p))
	return vs
}

func dynamoKind(getenv func(string) string) string {
	if k := strings.TrimSpace(getenv(dynamo.EnvKind)); k != "" {
		return k
	}
	return dynamo.KindEmbedded
}

func checkGo(mod goMod, env map[string]string, err error) Verdict {
	v := Verdict{Item: "Go", Required: true}
	if err != nil {
		v.Status, v.Detail = statusMissing, fmt.Sprintf("the go command does not answer: %v", err)
		v.Fix = "install Go " + mod.GoVersion + " or newer from https://go.dev/dl and put it on PATH"
		return v
	}
	have := env["GOVERSION"]
	if compareVersions(strings.TrimPrefix(have, "go"), mod.GoVersion) < 0 {
		v.Status, v.Detail = statusMissing, fmt.Sprintf("%s is older than go.mod's go %s", have, mod.GoVersion)
		v.Fix = "install Go " + mod.GoVersion + " or newer from https://go.dev/dl (or let the go command fetch it: GOTOOLCHAIN=auto)"
		return v
	}
	v.Status, v.Detail = statusOK, fmt.Sprintf("%s (go.mod needs %s or newer)", have, mod.GoVersion)
	return v
}

func checkModules(ctx context.Context, root string, mod goMod, env map[string]string, p probes) Verdict {
	v := Verdict{Item: "Go modules", Required: true}
	proxy := env["GOPROXY"]
	dirs, err := p.moduleDirs(ctx, root, mod.Requires)
	if err != nil {
		v.Status, v.Detail = statusMissing, fmt.Sprintf("go list -m cannot resolve go.mod's modules: %v", err)
		v.Fix = fmt.Sprintf("connect to the network once (GOPROXY=%s) and run go mod download in %s", proxy, root)
		return v
	}
	var absent []string
	for _, m := range mod.Requires {
		if dirs[m] == "" {
			absent = append(absent, m)
		}
	}
	switch {
	case len(absent) == 0:
		v.Status, v.Detail = statusOK, fmt.Sprintf("all %d modules go.mod requires are in the module cache (%s)", len(mod.Requires), env["GOMODCACHE"])
	case proxy == "off" || strings.Contains(env["GOFLAGS"], "-mod=vendor"):
		v.Status, v.Detail = statusMissing, fmt.Sprintf("%d modules are not in the module cache (%s) and GOPROXY=%s GOFLAGS=%s forbid downloading them", len(absent), strings.Join(absent, ", "), proxy, env["GOFLAGS"])
		v.Fix = "unset GOPROXY=off (or GOFLAGS=-mod=vendor) and run go mod download with the network on"
	default:
		v.Status, v.Detail = statusWarn, fmt.Sprintf("%d of %d modules are not downloaded yet (%s): the first build fetches them from GOPROXY=%s", len(absent), len(mod.Requires), strings.Join(absent, ", "), proxy)
		v.Fix = "before the room's network is busy: go mod download"
	}
	return v
}

func checkPort(p probes) Verdict {
	v := Verdict{Item: fmt.Sprintf("port %d", doctorPort)}
	if err := p.listen(fmt.Sprintf("127.0.0.1:%d", doctorPort)); err != nil {
		v.Status, v.Detail = statusWarn, fmt.Sprintf("127.0.0.1:%d is in use (%v)", doctorPort, err)
		v.Fix = fmt.Sprintf("stop what listens there (another workshop run?), or run with -port %d", doctorPort+1)
		return v
	}
	v.Status, v.Detail = statusOK, fmt.Sprintf("127.0.0.1:%d is free for workshop run", doctorPort)
	return v
}

func checkDisk(root string, p probes) Verdict {
	v := Verdict{Item: "disk space", Required: true}
	free, err := p.diskFree(root)
	if err != nil {
		v.Status, v.Required, v.Detail = statusInfo, false, fmt.Sprintf("not measured here (%v)", err)
		return v
	}
	gib := float64(free) / (1 << 30)
	switch {
	case free < diskNeed:
		v.Status, v.Detail = statusMissing, fmt.Sprintf("%.2f GiB free in %s; the builds need about %d MiB", gib, root, diskNeed>>20)
		v.Fix = "free some disk space (go clean -cache empties Go's build cache)"
	case free < diskWant:
		v.Status, v.Detail = statusWarn, fmt.Sprintf("%.2f GiB free in %s: enough, but tight", gib, root)
	default:
		v.Status, v.Detail = statusOK, fmt.Sprintf("%.1f GiB free in %s", gib, root)
	}
	return v
}

func checkSAMTools(ctx context.Context, p probes, strict bool) Verdict {
	v := Verdict{Item: "cfn-lint, SAM translator", Required: strict}
	if err := p.samTools(ctx); err != nil {
		v.Status, v.Detail = statusWarn, fmt.Sprintf("%v: the lint and translation checks are skipped, saying so", err)
		if strict {
			v.Status, v.Detail = statusMissing, fmt.Sprintf("%v (CI=true or WORKSHOP_STRICT=1 requires it)", err)
		}
		v.Fix = "pip install cfn-lint (it brings aws-sam-translator)"
		return v
	}
	v.Status, v.Detail = statusOK, "installed: lint and translation checks run"
	return v
}

var (
	javaVersion  = regexp.MustCompile(`version "(\d+)(?:\.(\d+))?`)
	javacVersion = regexp.MustCompile(`javac (\d+)`)
)

// checkJava reports Java 17+, javac and DynamoDB Local: required only for
// WORKSHOP_DYNAMODB=local (and in strict mode); the default embedded DynamoDB
// needs none of them.
func checkJava(ctx context.Context, root string, p probes, required bool) []Verdict {
	why := "only for WORKSHOP_DYNAMODB=local; the default embedded DynamoDB needs none"
	if required {
		why = "WORKSHOP_DYNAMODB=local (or CI) needs it"
	}
	optional := func(v Verdict) Verdict {
		v.Required = required
		if v.Status == statusMissing && !required {
			v.Status = statusWarn
		}
		if v.Status != statusOK {
			v.Detail += " (" + why + ")"
		}
		return v
	}
	java := Verdict{Item: "Java 17+"}
	out, err := p.command(ctx, "java", "-version")
	m := javaVersion.FindStringSubmatch(out)
	switch {
	case err != nil:
		java.Status, java.Detail = statusMissing, "java is not on PATH"
		java.Fix = "install a JDK 17 or newer (for example openjdk-17-jdk-headless, or https://adoptium.net)"
	case m == nil:
		java.Status, java.Detail = statusMissing, fmt.Sprintf("cannot read the version from java -version: %q", firstLine(out))
	default:
		major, _ := strconv.Atoi(m[1])
		if major == 1 && m[2] != "" { // 1.8 is Java 8
			major, _ = strconv.Atoi(m[2])
		}
		if major < 17 {
			java.Status, java.Detail = statusMissing, fmt.Sprintf("Java %d is too old: DynamoDB Local needs 17 or newer", major)
			java.Fix = "install a JDK 17 or newer and put it first on PATH"
		} else {
			java.Status, java.Detail = statusOK, firstLine(out)
		}
	}
	javac := Verdict{Item: "javac"}
	if out, err := p.command(ctx, "javac", "-version"); err != nil || !javacVersion.MatchString(out) {
		javac.Status, javac.Detail = statusMissing, "javac (a JDK) is not on PATH: DynamoDB Local would listen on every interface, not only 127.0.0.1"
		javac.Fix = "install a JDK 17 or newer, not only a JRE"
	} else {
		javac.Status, javac.Detail = statusOK, firstLine(out)+": DynamoDB Local stays on 127.0.0.1"
	}
	local := Verdict{Item: "DynamoDB Local"}
	if dir, err := p.dynamoLocal(root); err != nil {
		local.Status, local.Detail = statusMissing, err.Error()
		local.Fix = "npm ci at the repository root"
	} else {
		rel, _ := filepath.Rel(root, dir)
		local.Status, local.Detail = statusOK, rel
	}
	return []Verdict{optional(java), optional(javac), optional(local)}
}

func checkSAMCLI(ctx context.Context, p probes) Verdict {
	v := Verdict{Item: "SAM CLI"}
	out, err := p.command(ctx, "sam", "--version")
	if err != nil {
		v.Status, v.Detail = statusWarn, "sam is not on PATH: needed only to deploy to AWS"
		v.Fix = "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html"
		return v
	}
	v.Status, v.Detail = statusOK, firstLine(out)
	return v
}

// checkAWS only reports: the offline steps need no account.
func checkAWS(ctx context.Context, p probes) Verdict {
	v := Verdict{Item: "AWS (to deploy)", Status: statusInfo}
	info, err := p.aws(ctx)
	if err != nil {
		v.Detail = fmt.Sprintf("cannot read the AWS configuration: %v", err)
		return v
	}
	creds := info.Creds
	if creds == "" {
		creds = "no credentials configured"
		v.Fix = "to deploy: aws configure (or aws configure sso)"
	}
	region := "no region set"
	if info.Region != "" {
		region = "region " + info.Region + " (" + info.RegionFrom + ")"
	} else if v.Fix == "" {
		v.Fix = "to deploy: set a region (aws configure set region us-east-1, or AWS_REGION)"
	}
	v.Detail = creds + "; " + region + "; not checked against AWS, needed only to deploy"
	return v
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(s)
}

// compareVersions compares dotted versions ("1.26.8", "1.26", "1.27rc1").
func compareVersions(a, b string) int {
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < max(len(pa), len(pb)); i++ {
		x, y := 0, 0
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

var leadingDigits = regexp.MustCompile(`^\d+`)

func versionParts(v string) []int {
	var out []int
	for _, f := range strings.Split(v, ".") {
		n, _ := strconv.Atoi(leadingDigits.FindString(f))
		out = append(out, n)
		if len(leadingDigits.FindString(f)) != len(f) {
			break // 1.27rc1: a pre-release of 1.27.0
		}
	}
	return out
}

// readGoMod reads the go directive and the direct requirements.
func readGoMod(path string) (goMod, error) {
	f, err := os.Open(path)
	if err != nil {
		return goMod{}, fmt.Errorf("reading go.mod: %w", err)
	}
	defer f.Close()
	var m goMod
	inRequire := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "go "):
			m.GoVersion = strings.TrimSpace(strings.TrimPrefix(line, "go "))
		case line == "require (":
			inRequire = true
		case inRequire && line == ")":
			inRequire = false
		case inRequire || strings.HasPrefix(line, "require "):
			fields := strings.Fields(strings.TrimPrefix(line, "require "))
			if len(fields) >= 2 && !strings.Contains(line, "// indirect") {
				m.Requires = append(m.Requires, fields[0])
			}
		}
	}
	if err := sc.Err(); err != nil {
		return goMod{}, fmt.Errorf("reading go.mod: %w", err)
	}
	if m.GoVersion == "" {
		return goMod{}, errors.New("go.mod has no go directive")
	}
	return m, nil
}

// realProbes ask this machine. None calls AWS; the only network use is what
// go list -m may do to resolve go.mod's own requirements.
func realProbes() probes {
	return probes{
		goEnv: func(ctx context.Context, keys ...string) (map[string]string, error) {
			out, err := exec.CommandContext(ctx, "go", append([]string{"env"}, keys...)...).Output()
			if err != nil {
				return nil, err
			}
			lines := strings.Split(strings.TrimRight(string(out), "\r\n"), "\n")
			env := map[string]string{}
			for i, k := range keys {
				if i < len(lines) {
					env[k] = strings.TrimSpace(lines[i])
				}
			}
			return env, nil
		},
		moduleDirs: func(ctx context.Context, root string, mods []string) (map[string]string, error) {
			cmd := exec.CommandContext(ctx, "go", append([]string{"list", "-m", "-f", "{{.Path}}\t{{.Dir}}"}, mods...)...)
			cmd.Dir = root
			out, err := cmd.Output()
			if err != nil {
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					return nil, fmt.Errorf("%w: %s", err, firstLine(string(ee.Stderr)))
				}
				return nil, err
			}
			dirs := map[string]string{}
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				path, dir, _ := strings.Cut(l, "\t")
				dirs[path] = strings.TrimSpace(dir)
			}
			return dirs, nil
		},
		listen: func(addr string) error {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			return ln.Close()
		},
		diskFree: diskFree,
		command: func(ctx context.Context, name string, args ...string) (string, error) {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
			return string(out), err
		},
		samTools:    samtools.Available,
		dynamoLocal: dynamo.LocalInstalled,
		getenv:      os.Getenv,
		aws:         localAWSConfig,
	}
}

// localAWSConfig reads the environment and the shared config files only:
// no credential is resolved, so nothing calls AWS, SSO or the instance metadata.
func localAWSConfig(ctx context.Context) (awsInfo, error) {
	var info awsInfo
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if r := os.Getenv(k); r != "" {
			info.Region, info.RegionFrom = r, k
			break
		}
	}
	if os.Getenv("AWS_ACCESS_KEY_ID") != "" {
		info.Creds = "credentials from AWS_ACCESS_KEY_ID"
	}
	profile := os.Getenv("AWS_PROFILE")
	if profile == "" {
		profile = config.DefaultSharedConfigProfile
	}
	sc, err := config.LoadSharedConfigProfile(ctx, profile)
	if err != nil {
		var notExist config.SharedConfigProfileNotExistError
		if errors.As(err, &notExist) {
			return info, nil
		}
		return info, err
	}
	if info.Region == "" && sc.Region != "" {
		info.Region, info.RegionFrom = sc.Region, "profile "+profile
	}
	if info.Creds == "" {
		switch {
		case sc.Credentials.HasKeys():
			info.Creds = "access keys in profile " + profile
		case sc.SSOSessionName != "" || sc.SSOStartURL != "":
			info.Creds = "IAM Identity Center (SSO) in profile " + profile + " (aws sso login when it expires)"
		case sc.RoleARN != "":
			info.Creds = "role " + sc.RoleARN + " in profile " + profile
		case sc.CredentialProcess != "":
			info.Creds = "credential_process in profile " + profile
		}
	}
	return info, nil
}
