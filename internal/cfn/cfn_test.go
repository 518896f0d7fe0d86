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
		{"bad yaml", "Resources:\n  A:\n   Type: x\n  - b", "template.yaml:4: not valid YAML: line 4"},
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

const conditional = `Parameters:
  Stage: {Type: String, Default: dev}
  Size: {Type: Number, Default: 128}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  IsUsEast1: !Equals [us-east-1, !Ref "AWS::Region"]
  ProdInUs: !And [!Condition IsProd, !Condition IsUsEast1]
  AnyOf: !Or [!Condition IsProd, !Equals [!Ref Size, 128]]
  Big: !Equals [!Sub "${Size}", "1024"]
Resources:
  Always:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: !If [IsProd, 1024, !Ref Size]
      Tracing: !If [IsProd, Active, !Ref "AWS::NoValue"]
      Environment:
        Variables:
          MODE: !If [IsProd, production, development]
          DEBUG: !If [IsDev, "1", !Ref "AWS::NoValue"]
      Layers:
        - a
        - !If [IsProd, b, !Ref "AWS::NoValue"]
        - !If [IsDev, [nested, !If [IsProd, x, y]], z]
  ProdOnly:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties: {}
  DevOnly:
    Type: AWS::Serverless::Function
    Condition: IsDev
    Properties: {}
Outputs:
  ProdUrl:
    Condition: IsProd
    Value: x
  Mode:
    Value: !If [IsProd, p, d]
`

func TestConditions(t *testing.T) {
	tests := []struct {
		name      string
		params    map[string]string
		region    string
		conds     map[string]bool
		resources []string
		props     map[string]any // Always's properties after the choice
		outputs   map[string]any
	}{
		{name: "defaults", params: map[string]string{"Stage": "dev", "Size": "128"}, region: "us-east-1",
			conds:     map[string]bool{"IsProd": false, "IsDev": true, "IsUsEast1": true, "ProdInUs": false, "AnyOf": true, "Big": false},
			resources: []string{"Always", "DevOnly"},
			props: map[string]any{
				"MemorySize":  "128",
				"Environment": map[string]any{"Variables": map[string]any{"MODE": "development", "DEBUG": "1"}},
				"Layers":      []any{"a", []any{"nested", "y"}},
			},
			outputs: map[string]any{"Mode": map[string]any{"Value": "d"}}},
		{name: "prod override", params: map[string]string{"Stage": "prod", "Size": "1024"}, region: "eu-west-1",
			conds:     map[string]bool{"IsProd": true, "IsDev": false, "IsUsEast1": false, "ProdInUs": false, "AnyOf": true, "Big": true},
			resources: []string{"Always", "ProdOnly"},
			props: map[string]any{
				"MemorySize":  1024,
				"Tracing":     "Active",
				"Environment": map[string]any{"Variables": map[string]any{"MODE": "production"}},
				"Layers":      []any{"a", "b", "z"},
			},
			outputs: map[string]any{"ProdUrl": map[string]any{"Condition": "IsProd", "Value": "x"}, "Mode": map[string]any{"Value": "p"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse("template.yaml", []byte(conditional))
			if err != nil {
				t.Fatal(err)
			}
			env := &Env{Region: tt.region, AccountID: "123456789012", Params: tt.params}
			conds, err := env.EvalConditions(tpl)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(conds, tt.conds) {
				t.Errorf("conditions = %v, want %v", conds, tt.conds)
			}
			// The "Always" MemorySize default branch is a Ref: resolve it as the stack would.
			if err := tpl.ApplyConditions(conds); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range tpl.Resources() {
				ids = append(ids, r.ID)
			}
			if !reflect.DeepEqual(ids, tt.resources) {
				t.Errorf("resources = %v, want %v", ids, tt.resources)
			}
			always, _ := tpl.Resource("Always")
			env.Conditions = conds
			props, err := env.Resolve(always.Properties)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(props, tt.props) {
				t.Errorf("Always's properties = %#v\nwant %#v", props, tt.props)
			}
			if outs := tpl.Doc["Outputs"]; !reflect.DeepEqual(outs, tt.outputs) {
				t.Errorf("outputs = %#v, want %#v", outs, tt.outputs)
			}
		})
	}
}

// A condition that cannot be evaluated is refused, naming the file, the line,
// and the resource and property (or the condition) it is in.
func TestConditionErrors(t *testing.T) {
	head := "Parameters:\n  Stage: {Type: String, Default: dev}\nConditions:\n  IsProd: !Equals [!Ref Stage, prod]\n"
	tests := []struct{ name, conditions, resources, want string }{
		{"unknown condition in !If", "", "  Fn:\n    Type: X\n    Properties:\n      Environment:\n        Variables:\n          MODE: !If [IsPrd, a, b]\n",
			`template.yaml:9: resource Fn: property Environment: !If IsPrd: there is no condition "IsPrd" in the Conditions section (it has IsProd)`},
		{"unknown resource Condition", "", "  Fn:\n    Type: X\n    Condition: Nope\n",
			`template.yaml:6: resource Fn: Condition Nope: there is no condition "Nope"`},
		{"!If with two arguments", "", "  Fn:\n    Type: X\n    Properties:\n      Timeout: !If [IsProd, 3]\n",
			"template.yaml:9: resource Fn: property Timeout: !If takes [condition, value if true, value if false]"},
		{"unknown parameter in a condition", "  Bad: !Equals [!Ref Stag, prod]\n", "  Fn:\n    Type: X\n",
			`template.yaml:5: condition Bad: !Equals: !Ref Stag: there is no parameter or resource named "Stag" (did you mean Stage?)`},
		{"a cycle", "  A: !Condition B\n  B: !Not [!Condition A]\n", "  Fn:\n    Type: X\n",
			"condition A refers to itself through Condition"},
		{"!If as a condition", "  Bad: !If [IsProd, a, b]\n", "  Fn:\n    Type: X\n",
			"template.yaml:5: condition Bad: !If cannot be used as a condition"},
		{"!And with one", "  Bad: !And [!Condition IsProd]\n", "  Fn:\n    Type: X\n",
			"template.yaml:5: condition Bad: !And takes 2 to 10 conditions"},
		{"a condition on an unknown name", "  Bad: !Condition Nope\n", "  Fn:\n    Type: X\n",
			`template.yaml:5: condition Bad: there is no condition "Nope" (Conditions has Bad, IsProd)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse("template.yaml", []byte(head+tt.conditions+"Resources:\n"+tt.resources))
			if err != nil {
				t.Fatal(err)
			}
			env := &Env{Region: "us-east-1", Params: map[string]string{"Stage": "dev"}}
			conds, err := env.EvalConditions(tpl)
			if err == nil {
				err = tpl.ApplyConditions(conds)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// Fn::If left in a document (the SAM translator's output keeps them) is
// resolved with Env.Conditions.
func TestResolveIf(t *testing.T) {
	env := &Env{Conditions: map[string]bool{"IsProd": false}}
	got, err := env.Resolve(map[string]any{
		"A": map[string]any{"Fn::If": []any{"IsProd", "p", "d"}},
		"B": map[string]any{"Fn::If": []any{"IsProd", "p", map[string]any{"Ref": "AWS::NoValue"}}},
	})
	if err != nil || !reflect.DeepEqual(got, map[string]any{"A": "d"}) {
		t.Errorf("Resolve = %v, %v; want map[A:d]", got, err)
	}
	_, err = env.Resolve(map[string]any{"Fn::If": []any{"IsPrd", "p", "d"}})
	if err == nil || !strings.Contains(err.Error(), `there is no condition "IsPrd" in the Conditions section (it has IsProd)`) {
		t.Errorf("unknown condition: err = %v", err)
	}
}
