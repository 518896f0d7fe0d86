package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// standInTemplate is a deployed step 05 as moto holds it: the role as the
// template declares it (or not: Actions), and Outputs pointing at a stack
// running on this machine.
const standInTemplate = `
Parameters:
  Url: {Type: String}
  Table: {Type: String}
  Actions: {Type: String, Default: '["dynamodb:PutItem", "dynamodb:Scan"]'}
Resources:
  FunctionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: sts:AssumeRole, Principal: {Service: lambda.amazonaws.com}}]
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]
      # A JSON string: moto returns a policy written as YAML as Python's repr
      # of it, where AWS returns the JSON (URL-encoded) of any.
      Policies:
        - PolicyName: TableAccess
          PolicyDocument: !Sub '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ${Actions}, "Resource": "*"}]}'
Outputs:
  HelloApiUrl: {Value: !Ref Url}
  HelloFunctionArn: {Value: arn:aws:lambda:us-east-1:123456789012:function:alice-HelloFunction}
  TableName: {Value: !Ref Table}
`

// TestCheckRemote: `check 05 -stack` against moto's CloudFormation and IAM,
// with Outputs pointing at step 05's solution deployed locally, passes; each
// check fails, with a line saying what is wrong, when the stand-in is wrong.
func TestCheckRemote(t *testing.T) {
	// moto knows AWS's managed policies (AWSLambdaBasicExecutionRole) only when asked.
	t.Setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
	startMoto(t)
	t.Setenv("WORKSHOP_PARTICIPANT", "alice")
	ctx := context.Background()
	target, err := checks.FindStep("05", true)
	if err != nil {
		t.Fatal(err)
	}
	d, err := localDeployment(target)
	if err != nil {
		t.Fatal(err)
	}
	s, err := stack.Deploy(ctx, stack.Options{Dir: target.Dir, Deployment: d, Logs: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	api := httptest.NewServer(s.API) // 127.0.0.1
	defer api.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/500" {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"message": "Internal server error"}`)
			return
		}
		if r.URL.Path == "/mangled" { // stores the access, answers wrongly
			rec := httptest.NewRecorder()
			s.API.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hello", nil))
		}
		io.WriteString(w, `{"AccessDatetime":[],"Count":0}`)
	}))
	defer broken.Close()

	// The table is read with the participant's credentials: here the local
	// DynamoDB, with the local stack's access key; CloudFormation and IAM are moto's.
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", s.Backend.Endpoint())
	t.Setenv("AWS_ACCESS_KEY_ID", s.AccessKey)
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cf, iamc := cloudformation.NewFromConfig(cfg), awsiam.NewFromConfig(cfg)
	table := s.Env.Refs["Table"]

	tests := []struct {
		stack, url, actions string
		want                []string // in the output, in order
		failed              int
	}{
		{"alice-dva-05", api.URL + "/hello", "", []string{"ok   outputs", "ok   GET HelloApiUrl stores", "ok   execution role"}, 0},
		{"answers-500", broken.URL + "/500", "", []string{"FAIL GET HelloApiUrl", "answered 500, expected 200", "ok   execution role"}, 1},
		{"stores-nothing", broken.URL + "/hello", "", []string{"FAIL GET HelloApiUrl", "held 1 items before GET HelloApiUrl and 1 after, expected 2"}, 1},
		{"wrong-json", broken.URL + "/mangled", "", []string{"FAIL GET HelloApiUrl", "answered Count 0 with 0 AccessDatetime entries, but table alice-Table holds 2 items"}, 1},
		{"no-scan", api.URL + "/hello", `["dynamodb:PutItem"]`, []string{"ok   GET", "FAIL execution role matches template.yaml", "differs from the template: role no-scan-FunctionRole-", "(resource FunctionRole) allows [dynamodb:putitem] in its inline policies, template.yaml [dynamodb:putitem dynamodb:scan]"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.stack, func(t *testing.T) {
			params := []cfntypes.Parameter{
				{ParameterKey: aws.String("Url"), ParameterValue: aws.String(tt.url)},
				{ParameterKey: aws.String("Table"), ParameterValue: aws.String(table)},
			}
			if tt.actions != "" {
				params = append(params, cfntypes.Parameter{ParameterKey: aws.String("Actions"), ParameterValue: aws.String(tt.actions)})
			}
			if _, err := cf.CreateStack(ctx, &cloudformation.CreateStackInput{
				StackName: aws.String(tt.stack), TemplateBody: aws.String(standInTemplate), Parameters: params,
				Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
			}); err != nil {
				t.Fatalf("creating the stand-in stack on moto: %v", err)
			}
			// moto's CloudFormation leaves ManagedPolicyArns unattached; AWS attaches them.
			res, err := cf.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{StackName: aws.String(tt.stack), LogicalResourceId: aws.String("FunctionRole")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := iamc.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{
				RoleName:  res.StackResourceDetail.PhysicalResourceId,
				PolicyArn: aws.String("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
			}); err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			failed, err := runRemote(ctx, cfg, target, tt.stack, &out)
			if err != nil {
				t.Fatalf("runRemote: %v\n%s", err, out.String())
			}
			if failed != tt.failed {
				t.Errorf("%d checks failed, want %d:\n%s", failed, tt.failed, out.String())
			}
			rest := out.String()
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("output lacks %q (or not in order):\n%s", w, out.String())
					break
				}
				rest = rest[i+len(w):]
			}
		})
	}

	var out strings.Builder
	if _, err := runRemote(ctx, cfg, target, "bob-dva-05", &out); err == nil || !strings.Contains(err.Error(), "stack bob-dva-05 in us-east-1") {
		t.Errorf("a stack that does not exist: err = %v, want one naming it", err)
	}
}
