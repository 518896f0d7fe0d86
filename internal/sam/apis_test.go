package sam

import (
	"reflect"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/cfn"
)

const apiTemplate = `Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    BinaryMediaTypes: ["image~1png"]
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./
      Events:
        Dev:
          Type: Api
          Properties: {Path: /hello, Method: get, RestApiId: !Ref MyApi}
        Implicit:
          Type: Api
          Properties: {Path: /other, Method: post}
        Http:
          Type: HttpApi
          Properties: {Path: /h, Method: get}
        HttpOld:
          Type: HttpApi
          Properties: {Path: /old, Method: get, PayloadFormatVersion: "1.0"}
        CatchAll:
          Type: HttpApi
`

func readString(t *testing.T, src string) (*App, error) {
	t.Helper()
	tpl, err := cfn.Parse("template.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return Read(tpl, Deployment{})
}

// Api events go to the API their RestApiId names, or to SAM's implicit
// ServerlessRestApi; HttpApi events to ServerlessHttpApi with payload 2.0.
func TestReadAPIs(t *testing.T) {
	app, err := readString(t, apiTemplate)
	if err != nil {
		t.Fatal(err)
	}
	want := []Route{
		{Function: "Fn", Event: "CatchAll", Method: "ANY", Path: "$default", API: ImplicitHttpApi, HttpApi: true, PayloadFormat: "2.0"},
		{Function: "Fn", Event: "Dev", Method: "GET", Path: "/hello", API: "MyApi"},
		{Function: "Fn", Event: "Http", Method: "GET", Path: "/h", API: ImplicitHttpApi, HttpApi: true, PayloadFormat: "2.0"},
		{Function: "Fn", Event: "HttpOld", Method: "GET", Path: "/old", API: ImplicitHttpApi, HttpApi: true, PayloadFormat: "1.0"},
		{Function: "Fn", Event: "Implicit", Method: "POST", Path: "/other", API: ImplicitRestApi},
	}
	if !reflect.DeepEqual(app.Routes, want) {
		t.Errorf("routes =\n%+v\nwant\n%+v", app.Routes, want)
	}
	wantAPIs := []API{
		{ID: "MyApi", StageName: "dev", BinaryMediaTypes: []any{"image~1png"}},
		{ID: ImplicitRestApi, BinaryMediaTypes: []any{"image~1png"}},
		{ID: ImplicitHttpApi, HTTP: true},
	}
	if !reflect.DeepEqual(app.APIs, wantAPIs) {
		t.Errorf("APIs =\n%+v\nwant\n%+v", app.APIs, wantAPIs)
	}
	env, err := app.Env(Deployment{})
	if err != nil {
		t.Fatal(err)
	}
	if env.Refs[ImplicitHttpApi] != LocalHTTPAPIID || env.Refs[ImplicitRestApi] != LocalAPIID || env.Refs["MyApi"] != LocalAPIID {
		t.Errorf("refs = %v", env.Refs)
	}
}

func TestReadAPIsRefuses(t *testing.T) {
	tests := []struct {
		name, events, want string
	}{
		{"RestApiId to nothing", `{Type: Api, Properties: {Path: /a, Method: get, RestApiId: !Ref Nope}}`, "RestApiId Nope, but the template has no AWS::Serverless::Api Nope"},
		{"RestApiId to an HttpApi", `{Type: Api, Properties: {Path: /a, Method: get, RestApiId: !Ref Http}}`, "no AWS::Serverless::Api Http"},
		{"ApiId to a REST API", `{Type: HttpApi, Properties: {Path: /a, Method: get, ApiId: !Ref Rest}}`, "no AWS::Serverless::HttpApi Rest"},
		{"RestApiId as a string", `{Type: Api, Properties: {Path: /a, Method: get, RestApiId: Rest}}`, "RestApiId must be !Ref"},
		{"HttpApi with a path and no method", `{Type: HttpApi, Properties: {Path: /a}}`, "needs Properties Path and Method"},
		{"payload format", `{Type: HttpApi, Properties: {Path: /a, Method: get, PayloadFormatVersion: "3.0"}}`, `PayloadFormatVersion "3.0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := `Resources:
  Rest: {Type: AWS::Serverless::Api, Properties: {StageName: dev}}
  Http: {Type: AWS::Serverless::HttpApi}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./
      Events:
        E: ` + tt.events + "\n"
			_, err := readString(t, src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
