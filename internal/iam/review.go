package iam

import (
	"fmt"
	"sort"
	"strings"
)

// DataPlane lists the DynamoDB actions that read or write items: the ones a
// least-privilege role grants on named tables only.
var DataPlane = []string{
	"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
	"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:Query", "dynamodb:Scan",
	"dynamodb:ConditionCheckItem", "dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert",
	"dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete",
}

// Review is a least-privilege review of a role against what a run used.
type Review struct {
	Broad  []string // statements that grant item access on every table or every action
	Unused []string // item actions granted on a resource that the run never used
}

// OK reports whether the role grants exactly what was used.
func (r Review) OK() bool { return len(r.Broad) == 0 && len(r.Unused) == 0 }

// ReviewRole compares the role's Allow statements on DynamoDB item actions
// with uses, the calls a run made (Proxy.Usage).
func ReviewRole(role *Role, uses []Use) Review {
	var rv Review
	for _, p := range role.Policies {
		for _, st := range p.Statements {
			if st.Effect != "Allow" || len(st.Condition) > 0 {
				continue
			}
			granted := grantedDataPlane(st)
			if len(granted) == 0 {
				continue
			}
			if why := broad(st); why != "" {
				rv.Broad = append(rv.Broad, fmt.Sprintf("%s %s", st.Source, why))
				continue
			}
			for _, action := range granted {
				for _, res := range st.Resource {
					if !used(uses, st, action, res) {
						rv.Unused = append(rv.Unused, fmt.Sprintf("%s on %s (%s)", action, res, st.Source))
					}
				}
			}
		}
	}
	sort.Strings(rv.Unused)
	return rv
}

// grantedDataPlane lists the item actions the statement allows.
func grantedDataPlane(st Statement) []string {
	var out []string
	for _, a := range DataPlane {
		in := anyMatch(st.Action, a, true)
		if st.NotAction != nil {
			in = !anyMatch(st.NotAction, a, true)
		}
		if in {
			out = append(out, a)
		}
	}
	return out
}

// broad says why a statement grants more than named actions on named tables.
func broad(st Statement) string {
	for _, a := range st.Action {
		if a == "*" || strings.EqualFold(a, "dynamodb:*") {
			return fmt.Sprintf("allows %s: name the actions the function calls instead (for example dynamodb:PutItem)", a)
		}
	}
	if st.NotAction != nil {
		return "uses NotAction with Allow, which grants every other action: list the actions the function calls in Action"
	}
	if st.NotResource != nil {
		return "uses NotResource with Allow, which grants every other resource: name the table in Resource (!GetAtt Table.Arn)"
	}
	for _, r := range st.Resource {
		if r == "*" || strings.HasSuffix(r, ":table/*") {
			return fmt.Sprintf("allows item actions on %s, every table: name the table in Resource (!GetAtt Table.Arn)", r)
		}
	}
	return ""
}

// used reports whether an allowed call of action on a resource matched by
// pattern res was decided by this statement.
func used(uses []Use, st Statement, action, res string) bool {
	for _, u := range uses {
		if u.Allowed && u.Statement != nil && u.Statement.Source == st.Source &&
			strings.EqualFold(u.Action, action) && wildcardMatch(res, u.Resource) {
			return true
		}
	}
	return false
}
