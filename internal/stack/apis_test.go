package stack

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/lambdart"
	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
)

func loadStack(t *testing.T, template string) *Stack {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, TemplateFile), []byte(template), 0o644); err != nil {
		t.Fatal(err)
	}
	app, env, err := Load(dir, sam.Deployment{})
	if err != nil {
		t.Fatal(err)
	}
	return &Stack{App: app, Env: env, Functions: map[string]*lambdart.Function{}}
}

// The API Gateway the stack serves: stages and binary media types resolved
// as CloudFormation would, ~1 read as / as SAM does.
func TestAPIs(t *testing.T) {
	s := loadStack(t, `Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref Stage
      BinaryMediaTypes: ["image~1png", "application~1octet-stream"]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./
      Events:
        Hello: {Type: Api, Properties: {Path: /hello, Method: get, RestApiId: !Ref MyApi}}
        Other: {Type: Api, Properties: {Path: /other, Method: get}}
        Http: {Type: HttpApi, Properties: {Path: /h, Method: get}}
`)
	apis, err := s.apis()
	if err != nil {
		t.Fatal(err)
	}
	if len(apis) != 3 {
		t.Fatalf("apis = %+v", apis)
	}
	my, implicit, httpAPI := apis[0], apis[1], apis[2]
	if my.ID != "MyApi" || my.Stage != "dev" || !reflect.DeepEqual(my.BinaryMediaTypes, []string{"image/png", "application/octet-stream"}) || len(my.Routes) != 1 || my.Routes[0].Path != "/hello" {
		t.Errorf("MyApi = %+v", my)
	}
	if implicit.ID != sam.ImplicitRestApi || implicit.Stage != "" || len(implicit.Routes) != 1 || implicit.Routes[0].Path != "/other" {
		t.Errorf("implicit API = %+v (an empty Stage is apigw's default, Prod)", implicit)
	}
	if !httpAPI.HTTP || httpAPI.APIID != sam.LocalHTTPAPIID || httpAPI.Routes[0].PayloadFormat != "2.0" {
		t.Errorf("HTTP API = %+v", httpAPI)
	}

	s = loadStack(t, `Resources:
  MyApi: {Type: AWS::Serverless::Api}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./
      Events:
        Hello: {Type: Api, Properties: {Path: /hello, Method: get, RestApiId: !Ref MyApi}}
`)
	if _, err := s.apis(); err == nil || !strings.Contains(err.Error(), "needs StageName") {
		t.Errorf("an Api without StageName: err = %v", err)
	}
}
