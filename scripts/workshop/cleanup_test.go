package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// startMoto runs moto's server on a free 127.0.0.1 port for the test, and
// points the AWS SDK at it with dummy credentials.
func startMoto(t *testing.T) {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		if strictTools(os.Getenv) {
			t.Fatalf("moto_server is needed (pip install 'moto[server]'): %v", err)
		}
		t.Skip("skipped: moto_server is not installed (pip install 'moto[server]')")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	logs := filepath.Join(t.TempDir(), "moto.log")
	f, err := os.Create(logs)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill() // by its PID
		cmd.Wait()
		f.Close()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(logs)
			t.Fatalf("moto_server did not listen on %s within a minute:\n%s", addr, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o644)
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": "http://" + addr, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
		"AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty,
	} {
		t.Setenv(k, v)
	}
}

const cleanupTemplate = `
Parameters:
  Prefix: {Type: String, Default: dva-hello}
  FnName: {Type: String, Default: HelloFunction}
Resources:
  FunctionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: sts:AssumeRole, Principal: {Service: lambda.amazonaws.com}}]
  HelloFunction:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub ${Prefix}-${FnName}
      Runtime: provided.al2023
      Handler: bootstrap
      Role: !GetAtt FunctionRole.Arn
      Code: {ZipFile: "not run"}
`

func TestCleanup(t *testing.T) {
	startMoto(t)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := cleanupClients{CFN: cloudformation.NewFromConfig(cfg), Logs: cloudwatchlogs.NewFromConfig(cfg)}

	// alice's two stacks (one named in sam deploy --guided), and two of others.
	for _, s := range []struct{ stack, prefix, fn string }{
		{"alice-dva-01", "alice", "HelloFunction"},
		{"my-guided-stack", "alice", "OtherFunction"},
		{"alice-smith-dva-01", "alice-smith", "HelloFunction"},
		{"bob-dva-02", "bob", "HelloFunction"},
	} {
		_, err := c.CFN.CreateStack(ctx, &cloudformation.CreateStackInput{
			StackName: aws.String(s.stack), TemplateBody: aws.String(cleanupTemplate),
			Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
			Parameters: []cfntypes.Parameter{
				{ParameterKey: aws.String("Prefix"), ParameterValue: aws.String(s.prefix)},
				{ParameterKey: aws.String("FnName"), ParameterValue: aws.String(s.fn)},
			},
		})
		if err != nil {
			t.Fatalf("creating stack %s on moto: %v", s.stack, err)
		}
	}
	// Lambda creates these at the first call; one is left from a stack deleted before.
	for _, g := range []string{"alice-HelloFunction", "alice-OtherFunction", "alice-OldFunction", "alice-smith-HelloFunction", "bob-HelloFunction"} {
		if _, err := c.Logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/" + g)}); err != nil {
			t.Fatal(err)
		}
	}

	plan, err := planCleanup(ctx, c, "alice")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range plan.Stacks {
		names = append(names, aws.ToString(s.StackName))
	}
	if want := []string{"alice-dva-01", "my-guided-stack"}; !slices.Equal(names, want) {
		t.Errorf("alice's stacks: %v, want %v (alice-smith's are not hers)", names, want)
	}
	if want := []string{"/aws/lambda/alice-HelloFunction", "/aws/lambda/alice-OldFunction", "/aws/lambda/alice-OtherFunction"}; !slices.Equal(plan.LogGroups, want) {
		t.Errorf("alice's log groups: %v, want %v", plan.LogGroups, want)
	}

	// Asked, answered no: nothing changes.
	var out strings.Builder
	if err := runCleanup(ctx, c, "alice", "us-east-1", false, strings.NewReader("n\n"), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"stack      alice-dva-01", "stack      my-guided-stack", "log group  /aws/lambda/alice-OldFunction", "[y/N]", "nothing deleted"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("cleanup's listing lacks %q:\n%s", want, out.String())
		}
	}
	if got := stackNames(t, c); len(got) != 4 {
		t.Errorf("after answering n: stacks %v, want all 4", got)
	}

	// Answered yes: alice's stacks and log groups go, the others stay.
	out.Reset()
	if err := runCleanup(ctx, c, "alice", "us-east-1", false, strings.NewReader("y\n"), &out); err != nil {
		t.Fatalf("cleanup: %v\n%s", err, out.String())
	}
	if got, want := stackNames(t, c), []string{"alice-smith-dva-01", "bob-dva-02"}; !slices.Equal(got, want) {
		t.Errorf("after cleanup: stacks %v, want %v\n%s", got, want, out.String())
	}
	var groups []string
	if err := eachLogGroup(ctx, c, "/aws/lambda/", func(g string) { groups = append(groups, g) }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(groups)
	if want := []string{"/aws/lambda/alice-smith-HelloFunction", "/aws/lambda/bob-HelloFunction"}; !slices.Equal(groups, want) {
		t.Errorf("after cleanup: log groups %v, want %v", groups, want)
	}

	// Again, with -yes: nothing left, nothing asked.
	out.Reset()
	if err := runCleanup(ctx, c, "alice", "us-east-1", true, strings.NewReader(""), &out); err != nil || !strings.Contains(out.String(), "nothing of alice left") {
		t.Errorf("second cleanup: %v\n%s", err, out.String())
	}
}

func stackNames(t *testing.T, c cleanupClients) []string {
	t.Helper()
	res, err := c.CFN.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range res.Stacks {
		if s.StackStatus != cfntypes.StackStatusDeleteComplete {
			names = append(names, aws.ToString(s.StackName))
		}
	}
	slices.Sort(names)
	return names
}

func TestBelongsTo(t *testing.T) {
	param := func(v string) []cfntypes.Parameter {
		return []cfntypes.Parameter{{ParameterKey: aws.String("Prefix"), ParameterValue: aws.String(v)}}
	}
	for _, tc := range []struct {
		stack  string
		params []cfntypes.Parameter
		want   bool
	}{
		{"alice-dva-01", nil, true},
		{"alice-dva-1", nil, false},
		{"alice-smith-dva-01", nil, false},
		{"alice-dva-01-extra", nil, false},
		{"guided", param("alice"), true},
		{"guided", param("alice-smith"), false},
		{"aws-sam-cli-managed-default", nil, false},
	} {
		s := cfntypes.Stack{StackName: aws.String(tc.stack), Parameters: tc.params}
		if got := belongsTo(s, "alice"); got != tc.want {
			t.Errorf("belongsTo(%s %v, alice) = %v, want %v", tc.stack, tc.params, got, tc.want)
		}
	}
}
