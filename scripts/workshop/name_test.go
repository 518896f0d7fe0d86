package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/participant"
)

func TestLocalDeployment(t *testing.T) {
	t.Setenv(participant.EnvVar, "")
	root := t.TempDir()
	dir := filepath.Join(root, "steps", "03-simple-table")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(params string) {
		tpl := "Transform: AWS::Serverless-2016-10-31\n" + params + "Resources:\n  T:\n    Type: AWS::Serverless::SimpleTable\n"
		if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(tpl), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	target := checks.Target{Root: root, Dir: dir, Step: checks.Step{Slug: "03-simple-table"}}

	write("Parameters:\n  Prefix: {Type: String, Default: dva-hello}\n")
	if d, err := localDeployment(target); err != nil || d.Params != nil || d.StackName != "" {
		t.Errorf("no name set: %+v, %v; want the template's defaults", d, err)
	}
	if err := participant.Save(root, "alice"); err != nil {
		t.Fatal(err)
	}
	d, err := localDeployment(target)
	if err != nil || d.Params["Prefix"] != "alice" || d.StackName != "alice-dva-03" {
		t.Errorf("name alice: %+v, %v; want Prefix=alice, stack alice-dva-03", d, err)
	}
	// A copied app without a Prefix parameter still runs: no override.
	write("")
	if d, err := localDeployment(target); err != nil || d.Params != nil {
		t.Errorf("template without Prefix: %+v, %v; want no parameter override", d, err)
	}
	t.Setenv(participant.EnvVar, "Not-Valid")
	if _, err := localDeployment(target); err == nil {
		t.Error("an invalid WORKSHOP_PARTICIPANT was accepted")
	}
}
