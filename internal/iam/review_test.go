package iam

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestReviewRole(t *testing.T) {
	const table = "arn:aws:dynamodb:us-east-1:123456789012:table/dva-Table"
	role := func(doc string) *Role {
		t.Helper()
		p, err := ParsePolicy("inline policy P", mustJSON(t, doc))
		if err != nil {
			t.Fatal(err)
		}
		return &Role{Name: "R", Policies: []Policy{p}}
	}
	tests := []struct {
		name   string
		doc    string
		uses   []string // actions used on the table, allowed
		broad  string
		unused []string
		wantOK bool
	}{
		{"exact", `{"Statement":[{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:Scan"],"Resource":"` + table + `"}]}`,
			[]string{"dynamodb:PutItem", "dynamodb:Scan"}, "", nil, true},
		{"scan granted, never used", `{"Statement":[{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:Scan"],"Resource":"` + table + `"}]}`,
			[]string{"dynamodb:PutItem"}, "", []string{"dynamodb:Scan on " + table}, false},
		{"dynamodb:*", `{"Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"` + table + `"}]}`,
			[]string{"dynamodb:PutItem"}, "allows dynamodb:*", nil, false},
		{"every table", `{"Statement":[{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"*"}]}`,
			[]string{"dynamodb:PutItem"}, "every table", nil, false},
		{"NotAction", `{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"` + table + `"}]}`,
			[]string{"dynamodb:PutItem"}, "NotAction", nil, false},
		{"control plane on * is fine", `{"Statement":[{"Effect":"Allow","Action":"dynamodb:List*","Resource":"*"},{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"` + table + `"}]}`,
			[]string{"dynamodb:PutItem"}, "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := role(tt.doc)
			var uses []Use
			for _, a := range tt.uses {
				d := r.Evaluate(a, table)
				uses = append(uses, Use{Action: a, Resource: table, Allowed: d.Allowed, Statement: d.Matched, Count: 1})
			}
			rv := ReviewRole(r, uses)
			if rv.OK() != tt.wantOK {
				t.Errorf("OK() = %v, want %v: %+v", rv.OK(), tt.wantOK, rv)
			}
			if tt.broad != "" && (len(rv.Broad) != 1 || !strings.Contains(rv.Broad[0], tt.broad) || !strings.Contains(rv.Broad[0], "inline policy P, statement 1")) {
				t.Errorf("Broad = %q, want one naming the statement and %q", rv.Broad, tt.broad)
			}
			if len(rv.Unused) != len(tt.unused) {
				t.Fatalf("Unused = %q, want %q", rv.Unused, tt.unused)
			}
			for i, u := range tt.unused {
				if !strings.HasPrefix(rv.Unused[i], u) {
					t.Errorf("Unused[%d] = %q, want it to start with %q", i, rv.Unused[i], u)
				}
			}
		})
	}
}

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}
