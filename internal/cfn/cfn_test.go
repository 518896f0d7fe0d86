package cfn

import (
	"reflect"
	"strings"
	"testing"
)

const sample = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  Prefix:
    Type: String
    Default: dva
Resources:
  Table:
    Type: AWS::Serverless::SimpleTable
    Properties:
      TableName: !Sub ${Prefix}-Table
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: 2012-10-17
      Resource: !GetAtt Table.Arn
      Joined: !Join [":", [a, !Ref Prefix]]
      Gone: !Ref AWS::NoValue
`

func TestParseAndResolve(t *testing.T) {
	tpl, err := Parse("template.yaml", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if got := tpl.ParamDefaults()["Prefix"]; got != "dva" {
		t.Errorf("Prefix default = %q, want dva", got)
	}
	if l := tpl.Line("Table"); l != 8 {
		t.Errorf("line of Table = %d, want 8", l)
	}
	if w := tpl.Where("Table/Properties/TableName"); w != "template.yaml:11" {
		t.Errorf("Where = %q", w)
	}
	env := &Env{Region: "us-east-1", AccountID: "123456789012", Params: map[string]string{"Prefix": "dva"},
		Refs:  map[string]string{"Table": "dva-Table"},
		Attrs: map[string]map[string]string{"Table": {"Arn": "arn:aws:dynamodb:us-east-1:123456789012:table/dva-Table"}}}
	role, _ := tpl.Resource("Role")
	got, err := env.Resolve(role.Properties)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17"},
		"Resource":                 "arn:aws:dynamodb:us-east-1:123456789012:table/dva-Table",
		"Joined":                   "a:dva",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("resolved = %#v\nwant %#v", got, want)
	}
}

func TestResolveErrors(t *testing.T) {
	env := &Env{Params: map[string]string{"Prefix": "dva"}, Refs: map[string]string{"Table": "t"},
		Attrs: map[string]map[string]string{"Table": {"Arn": "arn"}}}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"misspelt ref", map[string]any{"Ref": "Tabel"}, `did you mean Table?`},
		{"unknown attr", map[string]any{"Fn::GetAtt": []any{"Table", "StreamArn"}}, `has no attribute "StreamArn"`},
		{"getatt on param", map[string]any{"Fn::GetAtt": []any{"Prefix", "Arn"}}, `use !Ref Prefix`},
		{"sub unknown", map[string]any{"Fn::Sub": "${Prefx}-T"}, `${Prefx}`},
		{"unsupported", map[string]any{"Fn::ImportValue": "x"}, `!ImportValue is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.Resolve(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"bad yaml", "Resources:\n  A:\n   Type: x\n  - b", "template.yaml: not valid YAML"},
		{"no resources", "Parameters: {}\n", "no Resources section"},
		{"no type", "Resources:\n  Fn:\n    Properties: {}\n", "resource Fn has no Type"},
		{"bad getatt", "Resources:\n  A:\n    Type: X\n    Properties:\n      B: !GetAtt Table\n", "template.yaml:5: !GetAtt Table needs the form"},
		{"unknown tag", "Resources:\n  A:\n    Type: X\n    Properties:\n      B: !Reff Table\n", "unknown tag !Reff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("template.yaml", []byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
