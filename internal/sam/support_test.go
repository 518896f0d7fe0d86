package sam

import (
	"reflect"
	"strings"
	"testing"
)

// Each thing the local stack cannot run as AWS does stops Read with a line
// naming the file and line, the resource and the property, and what AWS would
// do; what it only warns about runs, with the warning kept once.
func TestReviewRefuses(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"refused property", fnWith("      Layers: [arn:aws:lambda:us-east-1:1:layer:x:1]"),
			"template.yaml:10: Fn: Layers is refused when running locally: The layers' content is not available offline"},
		{"unknown property (a typo)", fnWith("      Polices: AmazonDynamoDBFullAccess"),
			"template.yaml:10: Fn: Polices is refused when running locally: the local stack does not know AWS::Serverless::Function Polices"},
		{"event type", fnWith("      Events:\n        Q: {Type: SQS, Properties: {Queue: arn}}"),
			"template.yaml:10: Fn: event Q (Type SQS) is refused"},
		{"event property", fnWith("      Events:\n        H: {Type: Api, Properties: {Path: /h, Method: get, Auth: {ApiKeyRequired: true}}}"),
			"Fn: event H property Auth is refused when running locally: Authorizers"},
		{"intrinsic anywhere", fnWith("      Description: !FindInMap [M, a, b]"),
			"Fn: !FindInMap in Description is refused"},
		{"intrinsic in outputs", fnWith("") + "Outputs:\n  O: {Value: !ImportValue other}\n",
			"template.yaml:10: Outputs: !ImportValue in O/Value is refused"},
		{"unknown intrinsic", fnWith("      Description: {\"Fn::Nope\": x}"),
			"the local stack does not know intrinsic function Fn::Nope"},
		{"Globals property", "Globals:\n  Function:\n    VpcConfig: {SubnetIds: [s]}\n" + fnWith(""),
			"template.yaml:3: Globals Function: VpcConfig is refused"},
		{"Globals section", "Globals:\n  StateMachine: {}\n" + fnWith(""),
			"template.yaml:2: Globals StateMachine is refused"},
		{"resource type", fnWith("") + "  Q:\n    Type: AWS::SQS::Queue\n",
			"template.yaml:10: Q: Type AWS::SQS::Queue is refused"},
		{"Cors key", "Globals:\n  Api:\n    Cors: {AllowOrigin: \"'*'\", AllowOrigins: x}\n" + fnWith(""),
			"Globals Api: Cors AllowOrigins is refused"},
		{"Environment without Variables", fnWith("      Environment:\n        Variabels: {TABLE_NAME: t}"), "template.yaml:10: Fn: Environment Variabels is refused"},
		{"package type", fnWith("      PackageType: Image"), "Fn: PackageType Image is refused"},
		{"resource attribute", strings.Replace(fnWith(""), "    Metadata:", "    CreationPolicy: {}\n    Metadata:", 1),
			"Fn: CreationPolicy is refused"},
		{"template section", "Rules: {}\n" + fnWith(""), "template.yaml:1: Rules is refused"},
		{"provisioned table", fnWith("") + "  T:\n    Type: AWS::Serverless::SimpleTable\n    Properties:\n      ProvisionedThroughput: {ReadCapacityUnits: 1, WriteCapacityUnits: 1}\n",
			"template.yaml:13: T: ProvisionedThroughput is refused when running locally: Capacity throttling"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readString(t, tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestReviewWarns(t *testing.T) {
	app, err := readString(t, fnWith("      Tracing: Active"))
	if err != nil {
		t.Fatal(err)
	}
	if len(app.Warnings) != 1 || !strings.Contains(app.Warnings[0].String(), "template.yaml:10: Fn: Tracing runs locally unlike on AWS, in a way that cannot change an answer: X-Ray") {
		t.Errorf("warnings = %v", app.Warnings)
	}
}

// The table has no duplicate rows and says something of each.
func TestSupportTableRows(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range SupportTable {
		key := r.Section + "/" + r.Name
		if seen[key] {
			t.Errorf("row %s appears twice", key)
		}
		seen[key] = true
		if r.Support != Emulated && r.Note == "" {
			t.Errorf("row %s is %s without a note saying what AWS would do", key, r.Support)
		}
	}
}

// fnWith is a template with one function whose last properties are extra
// (each line indented by 6 spaces); the function's properties start at line 6.
func fnWith(extra string) string {
	src := `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: go1.x
    Properties:
      CodeUri: ./
      Handler: bootstrap
`
	if extra != "" {
		src += extra + "\n"
	}
	return src
}

// ReadCors reads Cors as the SAM translator does: the string form is the
// origin, the object form's AllowOrigin defaults to '*', and each value is a
// quoted literal.
func TestReadCors(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want *Cors
		err  string
	}{
		{"absent", nil, nil, ""},
		{"string", "'*'", &Cors{AllowOrigin: "*"}, ""},
		{"object", map[string]any{"AllowOrigin": "'https://example.com'", "AllowMethods": "'GET,OPTIONS'", "AllowHeaders": "'Content-Type'", "MaxAge": "'600'", "AllowCredentials": true},
			&Cors{AllowOrigin: "https://example.com", AllowMethods: "GET,OPTIONS", AllowHeaders: "Content-Type", MaxAge: "600", AllowCredentials: true}, ""},
		{"origin defaults to '*'", map[string]any{"AllowHeaders": "'X-Api-Key'"}, &Cors{AllowOrigin: "*", AllowHeaders: "X-Api-Key"}, ""},
		{"unquoted", map[string]any{"AllowOrigin": "*"}, nil, `Cors AllowOrigin is *: write it in single quotes inside double quotes (for example AllowOrigin: "'*'")`},
		{"MaxAge as a number", map[string]any{"MaxAge": 600}, nil, `MaxAge: "'600'"`},
		{"credentials with '*'", map[string]any{"AllowCredentials": true}, nil, "AllowCredentials cannot be true when AllowOrigin is"},
		{"unknown key", map[string]any{"AllowOrigins": "'*'"}, nil, "Cors has no property AllowOrigins"},
		{"a list", []any{"'*'"}, nil, "Cors must be the allowed origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadCors(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadCors = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
