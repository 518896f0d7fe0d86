package stack

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
)

// Load's errors name the template as a learner sees it and keep the cause
// for errors.Is and errors.As.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name     string
		template string // "" writes no template.yaml
		want     string
		is       func(error) bool
	}{
		{"no template", "", "reading the template: no such file or directory",
			func(err error) bool { return errors.Is(err, fs.ErrNotExist) }},
		{"bad JSON", `{"Resources": }`, "not valid JSON",
			func(err error) bool { var s *json.SyntaxError; return errors.As(err, &s) }},
		{"bad YAML", "Resources:\n  A: [\n", "not valid YAML", nil},
		{"no resources", "AWSTemplateFormatVersion: '2010-09-09'\n", "no Resources section", nil},
		{"reserved environment variable", "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: ./\n      Handler: bootstrap\n      Runtime: provided.al2023\n      Environment:\n        Variables:\n          AWS_REGION: eu-west-1\n",
			"resource Fn: environment variable AWS_REGION is reserved", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.template != "" {
				if err := os.WriteFile(filepath.Join(dir, TemplateFile), []byte(tt.template), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := Load(dir, sam.Deployment{})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), filepath.Join(dir, TemplateFile)+":") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want %s: ... %s", err, filepath.Join(dir, TemplateFile), tt.want)
			}
			if strings.Count(err.Error(), dir) != 1 {
				t.Errorf("err = %q names the file more than once", err)
			}
			if tt.is != nil && !tt.is(err) {
				t.Errorf("err = %v (%T) lost its cause", err, err)
			}
		})
	}
}

// Inside the repository, messages name the template from the repository root.
func TestLoadNamesFromRepoRoot(t *testing.T) {
	dir := filepath.Join("..", "..", "solutions", "01-hello-api")
	app, _, err := Load(dir, sam.Deployment{})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("solutions", "01-hello-api", TemplateFile); app.Template.Name != want {
		t.Errorf("Template.Name = %s, want %s", app.Template.Name, want)
	}
	if want := filepath.Join(dir, TemplateFile); app.Template.Path != want {
		t.Errorf("Template.Path = %s, want %s (the tools read the file by it)", app.Template.Path, want)
	}
}

// A template's own DynamoDB endpoint would let the function go around the IAM
// proxy: the stack's endpoint wins, and the log says so.
func TestFunctionEnvKeepsTheStacksEndpoint(t *testing.T) {
	dir := t.TempDir()
	tmpl := "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: ./\n      Handler: bootstrap\n      Runtime: provided.al2023\n      Environment:\n        Variables:\n          AWS_ENDPOINT_URL_DYNAMODB: http://127.0.0.1:8000\n          TABLE_NAME: t\n"
	if err := os.WriteFile(filepath.Join(dir, TemplateFile), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	app, env, err := Load(dir, sam.Deployment{})
	if err != nil {
		t.Fatal(err)
	}
	s := &Stack{App: app, Env: env, AccessKey: "AKIATEST"}
	var logs strings.Builder
	vars, err := s.functionEnv(app.Functions[0], "http://127.0.0.1:4566", &logs)
	if err != nil {
		t.Fatal(err)
	}
	if got := vars[endpointVar]; got != "http://127.0.0.1:4566" {
		t.Errorf("%s = %q, want the stack's endpoint", endpointVar, got)
	}
	if vars["TABLE_NAME"] != "t" {
		t.Errorf("TABLE_NAME = %q, want t (the template's other variables stay)", vars["TABLE_NAME"])
	}
	if want := "resource Fn: Environment Variables sets AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000"; !strings.Contains(logs.String(), want) {
		t.Errorf("logs = %q, want %q", logs.String(), want)
	}
}
