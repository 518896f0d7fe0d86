package stack

import (
	"context"
	"strings"
	"testing"

	"github.com/serverless-dva/sam-dynamodb-go/internal/cfn"
	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/samtools"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

const tableARN = "arn:aws:dynamodb:us-east-1:123456789012:table/sam-app-Table"

// TestRoles reads the execution roles with and without the SAM translator
// and asks each the questions the proxy will ask.
func TestRoles(t *testing.T) {
	for _, withTranslator := range []bool{true, false} {
		name := map[bool]string{true: "translated", false: "as written"}[withTranslator]
		t.Run(name, func(t *testing.T) {
			if withTranslator {
				tool.SkipMissing(t, samtools.Available(context.Background()))
			} else {
				t.Setenv("WORKSHOP_PYTHON", "/nonexistent")
			}
			tpl, err := cfn.Load("testdata/roles.yaml")
			if err != nil {
				t.Fatal(err)
			}
			app, err := sam.Read(tpl, sam.Deployment{})
			if err != nil {
				t.Fatal(err)
			}
			env, err := app.Env(sam.Deployment{})
			if err != nil {
				t.Fatal(err)
			}
			roles, notes, err := Roles(context.Background(), app, env)
			if err != nil {
				t.Fatal(err)
			}
			tests := []struct {
				fn, action string
				allowed    bool
			}{
				{"Explicit", "dynamodb:Scan", false}, // the attached AWS::IAM::Policy denies it
				{"Explicit", "dynamodb:PutItem", false},
				{"Explicit", "logs:PutLogEvents", true},
				{"Implicit", "dynamodb:PutItem", true},
				{"Implicit", "dynamodb:Query", true}, // AmazonDynamoDBReadOnlyAccess
				{"Implicit", "logs:CreateLogStream", true},
				// The CRUD policy template: expanded by the translator, unknown without it.
				{"Implicit", "dynamodb:DeleteItem", withTranslator},
				// A managed policy as permissions boundary: both must allow.
				{"Bounded", "dynamodb:Scan", true},
				{"Bounded", "dynamodb:PutItem", false},
				// A boundary that cannot be read offline: nothing is allowed.
				{"UnknownBoundary", "dynamodb:Scan", false},
			}
			for _, tt := range tests {
				r, ok := roles[tt.fn]
				if !ok {
					t.Fatalf("no role for %s", tt.fn)
				}
				res := tableARN
				if strings.HasPrefix(tt.action, "logs:") {
					res = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/x:*"
				}
				if d := r.Evaluate(tt.action, res); d.Allowed != tt.allowed {
					t.Errorf("%s (%s) %s: allowed = %v, want %v", tt.fn, r.Name, tt.action, d.Allowed, tt.allowed)
				}
			}
			if got := roles["Explicit"].Name; got != "sam-app-FunctionRole" {
				t.Errorf("explicit role name = %q", got)
			}
			if _, ok := roles["Outside"]; ok {
				t.Errorf("a role outside the template cannot be known, yet Outside has one")
			}
			joined := strings.Join(notes, "\n")
			for _, want := range []string{
				"Outside uses the role arn:aws:iam::123456789012:role/elsewhere",
				"the execution role of UnknownBoundary has a permissions boundary that cannot be read offline (arn:aws:iam::123456789012:policy/Elsewhere is neither",
			} {
				if !strings.Contains(joined, want) {
					t.Errorf("notes lack %q:\n%s", want, joined)
				}
			}
			if !withTranslator && !strings.Contains(joined, "DynamoDBCrudPolicy") {
				t.Errorf("without the translator the notes should name the policy template it cannot expand:\n%s", joined)
			}
		})
	}
}
