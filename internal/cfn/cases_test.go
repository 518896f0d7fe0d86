package cfn

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// caseEnv is a deployed stack as the cases below see it.
func caseEnv() *Env {
	return &Env{
		Region: "eu-west-1", AccountID: "111122223333", StackName: "app",
		Params: map[string]string{"Prefix": "dva", "Count": "2"},
		Refs:   map[string]string{"Table": "dva-Table", "Fn": "dva-Fn"},
		Attrs: map[string]map[string]string{
			"Table": {"Arn": "arn:aws:dynamodb:eu-west-1:111122223333:table/dva-Table", "StreamArn": "arn:stream"},
		},
	}
}

func TestResolveIntrinsics(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"plain value", "text", "text"},
		{"number", 3.0, 3.0},
		{"AWS::Region", map[string]any{"Ref": "AWS::Region"}, "eu-west-1"},
		{"AWS::AccountId", map[string]any{"Ref": "AWS::AccountId"}, "111122223333"},
		{"AWS::StackName", map[string]any{"Ref": "AWS::StackName"}, "app"},
		{"AWS::StackId", map[string]any{"Ref": "AWS::StackId"}, "arn:aws:cloudformation:eu-west-1:111122223333:stack/app/local"},
		{"AWS::Partition", map[string]any{"Ref": "AWS::Partition"}, "aws"},
		{"AWS::URLSuffix", map[string]any{"Ref": "AWS::URLSuffix"}, "amazonaws.com"},
		{"AWS::NoValue at the top", map[string]any{"Ref": "AWS::NoValue"}, nil},
		{"AWS::NoValue in a list", []any{"a", map[string]any{"Ref": "AWS::NoValue"}, "b"}, []any{"a", "b"}},
		{"AWS::NoValue in a map", map[string]any{"A": 1.0, "B": map[string]any{"Ref": "AWS::NoValue"}}, map[string]any{"A": 1.0}},
		{"parameter", map[string]any{"Ref": "Prefix"}, "dva"},
		{"resource", map[string]any{"Ref": "Table"}, "dva-Table"},
		{"a one-key map that is no function", map[string]any{"Key": map[string]any{"Ref": "Fn"}}, map[string]any{"Key": "dva-Fn"}},
		{"GetAtt", map[string]any{"Fn::GetAtt": []any{"Table", "StreamArn"}}, "arn:stream"},
		{"GetAtt with a resolved part", map[string]any{"Fn::GetAtt": []any{"Table", map[string]any{"Fn::Join": []any{"", []any{"A", "rn"}}}}}, "arn:aws:dynamodb:eu-west-1:111122223333:table/dva-Table"},
		{"Sub with parameters and attributes", map[string]any{"Fn::Sub": "${Prefix}-${Table.Arn}-${AWS::Region}"}, "dva-arn:aws:dynamodb:eu-west-1:111122223333:table/dva-Table-eu-west-1"},
		{"Sub with variables", map[string]any{"Fn::Sub": []any{"${Name}/${Prefix}", map[string]any{"Name": map[string]any{"Ref": "Table"}}}}, "dva-Table/dva"},
		{"Sub literal", map[string]any{"Fn::Sub": "${!Literal}-${Prefix}"}, "${Literal}-dva"},
		{"Join", map[string]any{"Fn::Join": []any{",", []any{"a", map[string]any{"Ref": "Prefix"}, 3.0}}}, "a,dva,3"},
		{"Select", map[string]any{"Fn::Select": []any{"1", []any{"a", "b", "c"}}}, "b"},
		{"Select with a number and a Ref index", map[string]any{"Fn::Select": []any{map[string]any{"Ref": "Count"}, []any{"a", "b", "c"}}}, "c"},
		{"Split", map[string]any{"Fn::Split": []any{"-", map[string]any{"Ref": "Table"}}}, []any{"dva", "Table"}},
		{"Select of Split", map[string]any{"Fn::Select": []any{0.0, map[string]any{"Fn::Split": []any{":", "a:b"}}}}, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := caseEnv().Resolve(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Resolve(%v) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestResolveIntrinsicErrors(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"Ref of a non-name", map[string]any{"Ref": []any{"a"}}, "!Ref takes a name"},
		{"Ref unknown, nothing close", map[string]any{"Ref": "Zzzzzzzz"}, `there is no parameter or resource named "Zzzzzzzz" (known: Count, Fn, Prefix, Table)`},
		{"Ref in another case", map[string]any{"Ref": "table"}, "did you mean Table?"},
		{"Ref inside a list", []any{map[string]any{"Ref": "Nope"}}, "!Ref Nope"},
		{"Ref inside a map", map[string]any{"A": map[string]any{"Ref": "Nope"}, "B": 1.0}, "!Ref Nope"},
		{"GetAtt of one part", map[string]any{"Fn::GetAtt": []any{"Table"}}, "!GetAtt takes Resource.Attribute"},
		{"GetAtt of a string", map[string]any{"Fn::GetAtt": "Table.Arn"}, "!GetAtt takes Resource.Attribute"},
		{"GetAtt of an unresolvable part", map[string]any{"Fn::GetAtt": []any{map[string]any{"Ref": "Nope"}, "Arn"}}, "!Ref Nope"},
		{"GetAtt of an unknown resource", map[string]any{"Fn::GetAtt": []any{"Tabel", "Arn"}}, `!GetAtt Tabel.Arn: there is no resource named "Tabel" (did you mean Table?)`},
		{"GetAtt's attribute list", map[string]any{"Fn::GetAtt": []any{"Table", "Name"}}, "(it has Arn, StreamArn)"},
		{"Sub of a number", map[string]any{"Fn::Sub": 3.0}, "!Sub takes a string"},
		{"Sub of three", map[string]any{"Fn::Sub": []any{"a", map[string]any{}, "c"}}, "!Sub takes a string or [string, {variables}]"},
		{"Sub variable unresolvable", map[string]any{"Fn::Sub": []any{"${X}", map[string]any{"X": map[string]any{"Ref": "Nope"}}}}, "!Sub variable X: !Ref Nope"},
		{"Sub variable not a string", map[string]any{"Fn::Sub": []any{"${X}", map[string]any{"X": []any{"a"}}}}, "!Sub variable X: expected a string"},
		{"Sub attribute unknown", map[string]any{"Fn::Sub": "${Table.Nope}"}, `!Sub "${Table.Nope}": ${Table.Nope}: !GetAtt Table.Nope`},
		{"Join of a string", map[string]any{"Fn::Join": "a,b"}, "!Join takes [delimiter, [values]]"},
		{"Join of a non-list", map[string]any{"Fn::Join": []any{",", "a"}}, "!Join's second argument must be a list"},
		{"Join unresolvable", map[string]any{"Fn::Join": []any{",", []any{map[string]any{"Ref": "Nope"}}}}, "!Ref Nope"},
		{"Select of one", map[string]any{"Fn::Select": []any{"0"}}, "!Select takes [index, [values]]"},
		{"Select out of range", map[string]any{"Fn::Select": []any{"3", []any{"a"}}}, "!Select index 3 is out of range"},
		{"Select negative", map[string]any{"Fn::Select": []any{"-1", []any{"a"}}}, "!Select index -1 is out of range"},
		{"Select index not a number", map[string]any{"Fn::Select": []any{"x", []any{"a"}}}, "!Select index x is out of range"},
		{"Select index unresolvable", map[string]any{"Fn::Select": []any{map[string]any{"Ref": "Nope"}, []any{"a"}}}, "!Ref Nope"},
		{"Select list unresolvable", map[string]any{"Fn::Select": []any{"0", []any{map[string]any{"Ref": "Nope"}}}}, "!Ref Nope"},
		{"Split of one", map[string]any{"Fn::Split": []any{","}}, "!Split takes [delimiter, string]"},
		{"Split unresolvable", map[string]any{"Fn::Split": []any{",", map[string]any{"Ref": "Nope"}}}, "!Ref Nope"},
		{"unsupported", map[string]any{"Fn::FindInMap": []any{"M", "a", "b"}}, "!FindInMap is not supported when running locally"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := caseEnv().Resolve(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Resolve(%v) = %v, %v; want an error with %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestSuggestWithNothingKnown(t *testing.T) {
	_, err := (&Env{}).Resolve(map[string]any{"Ref": "Table"})
	if err == nil || !strings.HasSuffix(err.Error(), `there is no parameter or resource named "Table"`) {
		t.Errorf("err = %v, want no suggestion when nothing is known", err)
	}
}

func TestResolveString(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		want    string
		wantErr string
	}{
		{"string", map[string]any{"Ref": "Prefix"}, "dva", ""},
		{"float", 5.0, "5", ""},
		{"int", 7, "7", ""},
		{"bool", true, "true", ""},
		{"list", []any{"a"}, "", "expected a string, got [a]"},
		{"map", map[string]any{"A": "b"}, "", "expected a string, got map[A:b]"},
		{"error", map[string]any{"Ref": "Nope"}, "", "!Ref Nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := caseEnv().ResolveString(tt.in)
			if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("ResolveString(%v) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(path, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Path != path || tpl.Where("Table") != path+":8" {
		t.Errorf("Load: Path %s, Where(Table) %s", tpl.Path, tpl.Where("Table"))
	}
	tpl.Name = "steps/x/template.yaml"
	if w := tpl.Where("Table"); w != "steps/x/template.yaml:8" {
		t.Errorf("Where with a Name = %s", w)
	}
	if w := tpl.Where("Nope"); w != "steps/x/template.yaml" {
		t.Errorf("Where of an unknown resource = %s, want the file alone", w)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "reading template") {
		t.Errorf("Load of a missing file = %v, want a wrapped fs.ErrNotExist", err)
	}
}

func TestParseForms(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		check func(t *testing.T, tpl *Template)
	}{
		{"JSON", `{"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": {"Ref": "P"}}}}}`,
			func(t *testing.T, tpl *Template) {
				r, ok := tpl.Resource("T")
				if !ok || r.Type != "AWS::DynamoDB::Table" || !reflect.DeepEqual(r.Properties["TableName"], map[string]any{"Ref": "P"}) || r.Line != 0 {
					t.Errorf("Resource(T) = %+v, %v", r, ok)
				}
			}},
		{"aliases and dates", "Resources:\n  A:\n    Type: X\n    Properties: &props\n      Version: 2012-10-17\n  B:\n    Type: X\n    Properties: *props\n",
			func(t *testing.T, tpl *Template) {
				b, _ := tpl.Resource("B")
				if b.Properties["Version"] != "2012-10-17" {
					t.Errorf("B's Version = %#v, want the alias's date as a string", b.Properties["Version"])
				}
			}},
		{"short forms", "Resources:\n  A:\n    Type: X\n    Properties:\n      S: !Sub '${AWS::Region}'\n      L: !Split [',', 'a,b']\n      G: !GetAtt T.Arn\n",
			func(t *testing.T, tpl *Template) {
				a, _ := tpl.Resource("A")
				want := map[string]any{"S": map[string]any{"Fn::Sub": "${AWS::Region}"}, "L": map[string]any{"Fn::Split": []any{",", "a,b"}}, "G": map[string]any{"Fn::GetAtt": []any{"T", "Arn"}}}
				if !reflect.DeepEqual(a.Properties, want) {
					t.Errorf("A's Properties = %#v\nwant %#v", a.Properties, want)
				}
			}},
		{"resources sorted, properties and metadata", "Resources:\n  B:\n    Type: Y\n    Metadata:\n      BuildMethod: go1.x\n  A:\n    Type: X\n",
			func(t *testing.T, tpl *Template) {
				rs := tpl.Resources()
				if len(rs) != 2 || rs[0].ID != "A" || rs[1].ID != "B" || rs[1].Metadata["BuildMethod"] != "go1.x" || rs[0].Properties == nil || rs[1].Line != 2 {
					t.Errorf("Resources() = %+v", rs)
				}
				if _, ok := tpl.Resource("C"); ok {
					t.Error("Resource(C) found a resource that is not there")
				}
			}},
		{"parameter defaults", "Parameters:\n  P:\n    Type: String\n  N:\n    Type: Number\n    Default: 5\nResources:\n  A:\n    Type: X\n",
			func(t *testing.T, tpl *Template) {
				if got := tpl.ParamDefaults(); !reflect.DeepEqual(got, map[string]string{"P": "", "N": "5"}) {
					t.Errorf("ParamDefaults() = %v", got)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse("template.yaml", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, tpl)
		})
	}
}

func TestParseMoreErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"bad JSON", `{"Resources": }`, "template.yaml: not valid JSON"},
		{"empty", "", "template.yaml: the file is empty"},
		{"comments only", "# nothing\n", "template.yaml: the file is empty"},
		{"a list", "- a\n- b\n", "template.yaml: a template is a mapping with Resources at the top level"},
		{"resource not a mapping", "Resources:\n  A: text\n", "resource A is not a mapping"},
		{"JSON resource without Type", `{"Resources": {"A": {}}}`, "resource A has no Type"},
		{"duplicate key", "Resources:\n  A:\n    Type: X\n  A:\n    Type: Y\n", `template.yaml:4: key "A" appears twice`},
		{"duplicate in a tag", "Resources:\n  A:\n    Type: X\n    Properties:\n      P: !Sub\n        - x\n        - {a: 1, a: 2}\n", `key "a" appears twice`},
		{"duplicate in a list", "Resources:\n  A:\n    Type: X\n    Properties:\n      P:\n        - {a: 1, a: 2}\n", `key "a" appears twice`},
		{"bad scalar", "Resources:\n  A:\n    Type: X\n    Properties:\n      P: !!int abc\n", "template.yaml:5:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("template.yaml", []byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	var syntax *json.SyntaxError
	if _, err := Parse("t.json", []byte(`{"Resources": }`)); !errors.As(err, &syntax) {
		t.Errorf("the JSON error %v does not wrap json's", err)
	}
}

func TestLookup(t *testing.T) {
	doc := map[string]any{"Properties": map[string]any{"Events": []any{map[string]any{"Path": "/a"}}, "N": 1.0}}
	tests := []struct {
		path string
		want any
		ok   bool
	}{
		{"", doc, true},
		{"Properties/N", 1.0, true},
		{"Properties/Events/0/Path", "/a", true},
		{"Properties/Events/1/Path", nil, false},
		{"Properties/Events/-1", nil, false},
		{"Properties/Events/x", nil, false},
		{"Properties/Missing", nil, false},
		{"Properties/N/deeper", nil, false},
	}
	for _, tt := range tests {
		got, ok := Lookup(doc, tt.path)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Lookup(%q) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}
