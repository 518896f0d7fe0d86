package participant

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/cfn"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo/repotest"
	"github.com/serverless-dva/sam-dynamodb-go/internal/samtools"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		want string // part of the error, "" when valid
	}{
		{"alice", ""},
		{"bob-2", ""},
		{"a1", ""},
		{strings.Repeat("a", MaxLen), ""},
		{"", "empty"},
		{"a", "too short"},
		{strings.Repeat("a", MaxLen+1), "at most 32"},
		{"Alice", "lower-case"},
		{"alice_smith", "lower-case"},
		{"alice.smith", "lower-case"},
		{"2alice", "start with a letter"},
		{"-alice", "start with a letter"},
		{"alice-", "hyphen"},
		{"al--ice", "hyphen"},
		{"alicé", "lower-case"},
		{TemplateDefault, "default Prefix"},
	} {
		err := Validate(tc.name)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Validate(%q) = %v, want no error", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("Validate(%q) = %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

func TestGet(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvVar, "")
	if name, _, err := Get(root); name != "" || err != nil {
		t.Fatalf("no name set: Get = %q, %v; want \"\", nil", name, err)
	}
	if err := Save(root, "alice"); err != nil {
		t.Fatal(err)
	}
	if name, src, err := Get(root); name != "alice" || src != File || err != nil {
		t.Errorf("after Save: Get = %q, %q, %v; want alice from %s", name, src, err, File)
	}
	t.Setenv(EnvVar, "bob")
	if name, src, err := Get(root); name != "bob" || src != EnvVar || err != nil {
		t.Errorf("with %s=bob: Get = %q, %q, %v; want bob from the environment", EnvVar, name, src, err)
	}
	t.Setenv(EnvVar, "Bob")
	if _, _, err := Get(root); err == nil || !strings.Contains(err.Error(), EnvVar) {
		t.Errorf("with %s=Bob: Get error = %v, want one naming the variable", EnvVar, err)
	}
	t.Setenv(EnvVar, "")
	if err := os.WriteFile(filepath.Join(root, File), []byte("Not Valid\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Get(root); err == nil || !strings.Contains(err.Error(), File) {
		t.Errorf("a bad name in the file: Get error = %v, want one naming %s", err, File)
	}
	if err := Save(root, "Not Valid"); err == nil {
		t.Error("Save accepted an invalid name")
	}
}

func TestWriteSAMConfig(t *testing.T) {
	dir := t.TempDir()
	if r, err := WriteSAMConfig(dir, "alice", "03"); r != Written || err != nil {
		t.Fatalf("first write: %v, %v", r, err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, ConfigFile))
	for _, want := range []string{
		`stack_name = "alice-dva-03"`,
		`parameter_overrides = "Prefix=alice"`,
		`capabilities = "CAPABILITY_IAM"`,
		`resolve_s3 = true`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("samconfig.toml lacks %s:\n%s", want, data)
		}
	}
	if strings.Contains(string(data), "\nregion") {
		t.Errorf("samconfig.toml sets a region; it is left to the learner's profile:\n%s", data)
	}
	if r, _ := WriteSAMConfig(dir, "alice", "03"); r != Unchanged {
		t.Errorf("second write of the same name: %v, want Unchanged", r)
	}
	if r, _ := WriteSAMConfig(dir, "bob", "03"); r != Written {
		t.Errorf("a new name over our own file: %v, want Written", r)
	}
	own := "version = 0.1\n[default.deploy.parameters]\nstack_name = \"mine\"\n"
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(own), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, _ := WriteSAMConfig(dir, "bob", "03"); r != KeptLearners {
		t.Errorf("over the learner's own samconfig.toml: %v, want KeptLearners", r)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, ConfigFile)); string(data) != own {
		t.Errorf("the learner's samconfig.toml was changed:\n%s", data)
	}
}

// nameProps are, per resource type, the property holding a physical name that
// must be unique in an account and region (IAM: in the account), and AWS's
// length limit for it. A resource without it gets a name CloudFormation makes
// from the stack name (STACK-LogicalId-RANDOM), which differs with the stack.
var nameProps = map[string]struct {
	prop string
	max  int
}{
	"AWS::Lambda::Function":            {"FunctionName", 64},
	"AWS::DynamoDB::Table":             {"TableName", 255},
	"AWS::IAM::Role":                   {"RoleName", 64},
	"AWS::IAM::ManagedPolicy":          {"ManagedPolicyName", 128},
	"AWS::Logs::LogGroup":              {"LogGroupName", 512},
	"AWS::ApiGateway::RestApi":         {"Name", 1024},
	"AWS::S3::Bucket":                  {"BucketName", 63},
	"AWS::SQS::Queue":                  {"QueueName", 80},
	"AWS::SNS::Topic":                  {"TopicName", 256},
	"AWS::Events::Rule":                {"Name", 64},
	"AWS::StepFunctions::StateMachine": {"StateMachineName", 80},
}

// physicalNames translates the template with the SAM translator for the
// participant and returns "Type LogicalId" -> the physical name (named
// resources only), checking each against AWS's length limit.
func physicalNames(t *testing.T, template, name, step string) map[string]string {
	t.Helper()
	res, err := samtools.Analyze(context.Background(), template, samtools.Options{Params: map[string]string{"Prefix": name}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Translated == nil {
		t.Fatalf("%s does not translate: %v", template, res.TranslateErrors)
	}
	resources, _ := res.Translated["Resources"].(map[string]any)
	env := &cfn.Env{
		Region: "us-east-1", AccountID: "123456789012", StackName: StackName(name, step),
		Params: map[string]string{"Prefix": name}, Refs: map[string]string{}, Attrs: map[string]map[string]string{},
	}
	for id := range resources {
		env.Refs[id] = env.StackName + "-" + id
	}
	out := map[string]string{}
	for id, r := range resources {
		m, _ := r.(map[string]any)
		typ, _ := m["Type"].(string)
		np, ok := nameProps[typ]
		if !ok {
			continue
		}
		props, _ := m["Properties"].(map[string]any)
		v, ok := props[np.prop]
		if !ok {
			continue
		}
		s, err := env.ResolveString(v)
		if err != nil {
			t.Errorf("%s: %s %s: %v", template, id, np.prop, err)
			continue
		}
		if len(s) > np.max {
			t.Errorf("%s: with a %d-character name, %s's %s %q has %d characters; AWS allows %d: lower MaxLen", template, len(name), id, np.prop, s, len(s), np.max)
		}
		out[typ+" "+id] = s
	}
	return out
}

// collisions lists the names two participants share.
func collisions(a, b map[string]string) []string {
	var same []string
	for k, v := range a {
		if b[k] == v {
			same = append(same, fmt.Sprintf("%s = %q", k, v))
		}
	}
	sort.Strings(same)
	return same
}

// requireTranslator skips without the SAM translator, except under CI=true or
// WORKSHOP_STRICT=1.
func requireTranslator(t *testing.T) {
	t.Helper()
	tool.SkipMissing(t, samtools.Available(context.Background()))
}

// TestNoCollision translates every step's finished template (the solution's:
// the starter's names are the same lines) for two participants and checks
// that no physical name is shared: two people in one account can deploy every
// step side by side.
func TestNoCollision(t *testing.T) {
	requireTranslator(t)
	root := repotest.Root(t)
	templates, _ := filepath.Glob(filepath.Join(root, "solutions", "[0-9][0-9]-*", stack.TemplateFile))
	if len(templates) == 0 {
		t.Fatal("found no step templates")
	}
	// The longest name allowed, so the length limits are checked too.
	alice, long := "alice", "b"+strings.Repeat("o", MaxLen-1)
	for _, tpl := range templates {
		rel, _ := filepath.Rel(root, tpl)
		step := filepath.Base(filepath.Dir(tpl))[:2]
		t.Run(filepath.Dir(rel), func(t *testing.T) {
			t.Parallel()
			if StackName(alice, step) == StackName(long, step) || len(StackName(long, step)) > 128 {
				t.Fatalf("stack names %q and %q collide or exceed 128 characters", StackName(alice, step), StackName(long, step))
			}
			a := physicalNames(t, tpl, alice, step)
			b := physicalNames(t, tpl, long, step)
			if len(a) == 0 {
				t.Fatalf("%s names no resource: the test would prove nothing", rel)
			}
			if same := collisions(a, b); len(same) > 0 {
				t.Errorf("%s: participants %s and %s get the same physical names, so the second deploy fails with \"already exists\": %s (build them from ${Prefix})", rel, alice, long, strings.Join(same, ", "))
			}
		})
	}
}

// TestCollisionCaught proves the comparison catches a hard-coded name.
func TestCollisionCaught(t *testing.T) {
	requireTranslator(t)
	dir := t.TempDir()
	tpl := filepath.Join(dir, stack.TemplateFile)
	err := os.WriteFile(tpl, []byte(`Transform: AWS::Serverless-2016-10-31
Parameters:
  Prefix: {Type: String, Default: dva-hello}
Resources:
  Table:
    Type: AWS::Serverless::SimpleTable
    Properties:
      TableName: dva-hello-Table
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	a := physicalNames(t, tpl, "alice", "03")
	b := physicalNames(t, tpl, "bob", "03")
	want := []string{`AWS::DynamoDB::Table Table = "dva-hello-Table"`}
	if got := collisions(a, b); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("a hard-coded TableName: collisions %q, want %q", got, want)
	}
}
