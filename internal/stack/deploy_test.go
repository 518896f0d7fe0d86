package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/account"
	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/gobuild"
	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
)

const step05 = "05-put-then-scan"

// get serves GET path on the stack's API.
func get(s *Stack, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.API.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// TestDeploy deploys step 05's solution as `workshop run` does (its own
// backend and build directory, IAM enforced) and uses it: the function
// writes through the IAM proxy to the stack's table; Close removes all.
func TestDeploy(t *testing.T) {
	s, logs := deployed(t, Options{Dir: solution(t, step05)})
	if rec := get(s, "/hello"); rec.Code != http.StatusOK {
		t.Fatalf("GET /hello answered %d %s\nlogs:\n%s", rec.Code, rec.Body, logs.String())
	}
	table, err := s.TableName("Table")
	if err != nil || table != "dva-hello-Table" {
		t.Errorf("TableName(Table) = %q, %v; want dva-hello-Table", table, err)
	}
	items, err := dynamo.ScanAll(t.Context(), s.DB, table)
	if err != nil || len(items) != 1 {
		t.Errorf("%s holds %d items (%v), want the one GET /hello put", table, len(items), err)
	}
	if s.IAM == nil || s.Roles["HelloFunction"] == nil {
		t.Errorf("IAM is not enforced: proxy %v, roles %v", s.IAM, s.Roles)
	}
	for _, want := range []string{"creating table dva-hello-Table (Table)", "IAM: enforcing the execution roles of HelloFunction", "building HelloFunction from solutions/" + step05} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the logs do not say %q:\n%s", want, logs.String())
		}
	}
	if n, upTo := s.InFlight(); n != 0 || upTo != 0 {
		t.Errorf("InFlight() = %d, %v with nothing running", n, upTo)
	}
	if !strings.HasPrefix(s.AccessKey, "ASIALOCAL") || s.AccessKey == NewAccessKey() {
		t.Errorf("AccessKey = %q, want a fresh ASIALOCAL key", s.AccessKey)
	}

	build, backend := s.ownBuild, s.Backend
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if _, err := os.Stat(build); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the build directory %s is still there (stat: %v)", build, err)
	}
	if _, err := dynamo.ScanAll(context.Background(), s.DB, table); err == nil {
		t.Errorf("the %s backend the stack started still answers after Shutdown", backend.Kind())
	}
}

// TestDeployOptions: a backend and build directory given by the caller stay
// theirs; without IAM the function talks to the backend directly; Unset
// removes a variable from the function's environment.
func TestDeployOptions(t *testing.T) {
	b, err := dynamo.Start(t.Context(), dynamo.Options{Kind: dynamo.KindEmbedded})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	build := t.TempDir()
	s, logs := deployed(t, Options{
		Dir: solution(t, step05), Backend: b, BuildDir: build,
		NoIAM: true, AccessKey: "ASIALOCALTEST", Unset: map[string][]string{"HelloFunction": {"TABLE_NAME"}},
		Deployment: sam.Deployment{Params: map[string]string{"Prefix": "opts"}},
	})
	if s.IAM != nil || !strings.Contains(logs.String(), "IAM: not enforced") {
		t.Errorf("NoIAM: proxy %v, logs:\n%s", s.IAM, logs.String())
	}
	if s.AccessKey != "ASIALOCALTEST" {
		t.Errorf("AccessKey = %q, want the one given", s.AccessKey)
	}
	if table, err := s.TableName("Table"); table != "opts-Table" {
		t.Errorf("TableName(Table) = %q, %v; want opts-Table (the Prefix given)", table, err)
	}
	rec := get(s, "/hello")
	if rec.Code == http.StatusOK || !strings.Contains(logs.String(), "TABLE_NAME is not set") {
		t.Errorf("GET /hello with TABLE_NAME unset answered %d; logs:\n%s", rec.Code, logs.String())
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(build, "HelloFunction", "bootstrap")); err != nil {
		t.Errorf("Close removed the caller's build directory: %v", err)
	}
	c, err := b.Client(t.Context(), "ASIALOCALTEST", account.DefaultRegion)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dynamo.ScanAll(t.Context(), c, "opts-Table"); err != nil {
		t.Errorf("Close stopped the caller's backend: %v", err)
	}
}

func TestTableName(t *testing.T) {
	root := repotest.Root(t)
	tests := []struct{ step, id, want, wantErr string }{
		{step05, "Table", "dva-hello-Table", ""},
		{step05, "Tabel", "", "solutions/05-put-then-scan/template.yaml has no table Tabel (tables: Table)"},
		{"01-hello-api", "Table", "", "solutions/01-hello-api/template.yaml has no table resource (AWS::Serverless::SimpleTable or AWS::DynamoDB::Table)"},
	}
	for _, tt := range tests {
		app, env, err := Load(filepath.Join(root, "solutions", tt.step), sam.Deployment{})
		if err != nil {
			t.Fatal(err)
		}
		s := &Stack{App: app, Env: env}
		got, err := s.TableName(tt.id)
		if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != filepath.FromSlash(tt.wantErr)) {
			t.Errorf("%s: TableName(%s) = %q, %v; want %q, %q", tt.step, tt.id, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestDeployErrors: a template or code that cannot be deployed stops Deploy
// with a message naming the template, the resource and what to do, and
// leaves nothing running.
func TestDeployErrors(t *testing.T) {
	root := repotest.Root(t)
	// A module of its own outside the repository, so edits touch no one's files;
	// the repository's go.mod and go.sum let it build offline.
	mod := t.TempDir()
	app := filepath.Join(mod, "app")
	if err := os.MkdirAll(app, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ from, to string }{
		{filepath.Join(root, "go.mod"), filepath.Join(mod, "go.mod")},
		{filepath.Join(root, "go.sum"), filepath.Join(mod, "go.sum")},
		{filepath.Join(root, "solutions", step05, "main.go"), filepath.Join(app, "main.go")},
		{filepath.Join(root, "solutions", step05, TemplateFile), filepath.Join(app, TemplateFile)},
	} {
		data, err := os.ReadFile(f.from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f.to, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	original := map[string][]byte{}
	for _, name := range []string{"main.go", TemplateFile} {
		original[name], _ = os.ReadFile(filepath.Join(app, name))
	}
	b, err := dynamo.Start(t.Context(), dynamo.Options{Kind: dynamo.KindEmbedded})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	const myAPI = "  MyApi:\n    Type: AWS::Serverless::Api\n    Properties:\n"
	tests := []struct {
		name      string
		file      string
		old, new  string
		iam       bool
		want      []string
		wantTyped func(error) bool
	}{
		{name: "compile error", file: "main.go", old: "package main\n", new: "package main\n\nvar broken = \n",
			want:      []string{"go build", "main.go"},
			wantTyped: func(err error) bool { var ce *gobuild.CompileError; return errors.As(err, &ce) }},
		{name: "environment not a mapping", file: TemplateFile, old: "        Variables:\n          TABLE_NAME: !Ref Table\n", new: "        Variables: [TABLE_NAME]\n",
			want: []string{"template.yaml", "resource HelloFunction: Environment Variables must be a mapping of NAME: value"}},
		{name: "environment variable unresolvable", file: TemplateFile, old: "TABLE_NAME: !Ref Table\n", new: "TABLE_NAME: !Ref NoSuchThing\n",
			want: []string{"template.yaml", "resource HelloFunction: environment variable TABLE_NAME", "NoSuchThing"}},
		{name: "Api without StageName", file: TemplateFile, old: "Resources:\n", new: "Resources:\n" + myAPI + "      Description: no stage\n",
			want: []string{"template.yaml", "resource MyApi: an AWS::Serverless::Api needs StageName"}},
		{name: "BinaryMediaTypes not a list", file: TemplateFile, old: "Resources:\n", new: "Resources:\n" + myAPI + "      StageName: dev\n      BinaryMediaTypes: image~1png\n",
			want: []string{"template.yaml", "resource MyApi: BinaryMediaTypes must be a list of media types"}},
		{name: "StageName unresolvable", file: TemplateFile, old: "Resources:\n", new: "Resources:\n" + myAPI + "      StageName: !Ref NoSuchStage\n",
			want: []string{"template.yaml", "resource MyApi: StageName", "NoSuchStage"}},
		{name: "unknown managed policy", file: TemplateFile, iam: true,
			old: "        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\n", new: "        - arn:aws:iam::aws:policy/AdministratorAccess\n",
			want: []string{"the managed policy arn:aws:iam::aws:policy/AdministratorAccess is not known offline (known: AmazonDynamoDBFullAccess, AmazonDynamoDBReadOnlyAccess, AWSLambdaBasicExecutionRole); write its statements inline instead"}},
		{name: "misspelt managed policy", file: TemplateFile, iam: true,
			old: "        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\n", new: "        - arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole\n",
			want: []string{"there is no managed policy arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole; did you mean arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole?"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, data := range original {
				if err := os.WriteFile(filepath.Join(app, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(app, tt.file)
			if !bytes.Contains(original[tt.file], []byte(tt.old)) {
				t.Fatalf("%s has no %q", tt.file, tt.old)
			}
			if err := os.WriteFile(path, bytes.Replace(original[tt.file], []byte(tt.old), []byte(tt.new), 1), 0o644); err != nil {
				t.Fatal(err)
			}
			var logs logbuf.Buffer
			// The embedded backend keeps the tables of every deployment: a name each.
			d := sam.Deployment{Params: map[string]string{"Prefix": fmt.Sprintf("case%d", i)}}
			s, err := Deploy(t.Context(), Options{Dir: app, Backend: b, Logs: &logs, NoIAM: !tt.iam, Deployment: d})
			if err == nil {
				s.Close()
				t.Fatalf("Deploy succeeded; logs:\n%s", logs.String())
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v\nwant it to say %q", err, want)
				}
			}
			if tt.wantTyped != nil && !tt.wantTyped(err) {
				t.Errorf("err = %v (%T) lost its type", err, err)
			}
		})
	}
}
