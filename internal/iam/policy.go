// Package iam enforces, offline, the identity-based policies of a Lambda function's
// execution role on its DynamoDB calls, and answers a denied call exactly as DynamoDB
// does (HTTP 400 AccessDeniedException), so a missing permission shows up in the
// workshop as it would on AWS.
//
// The identity-based policies (inline and managed policies of the role) and the
// role's permissions boundary are evaluated: a request is allowed only when both
// allow it. Conditions are not evaluated: a statement with a Condition grants
// nothing and denies nothing, and is reported so the logs can say so.
package iam

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Statement is one statement of an identity-based policy.
type Statement struct {
	Sid       string
	Effect    string // Allow or Deny
	Action    []string
	NotAction []string
	Resource  []string
	// NotResource applies the statement to every resource except these.
	NotResource []string
	Condition   map[string]any
	// Source says where the statement comes from, for messages, e.g.
	// "inline policy HelloWorldFunctionPolicies, statement 2".
	Source string
}

// Policy is an identity-based policy attached to a role.
type Policy struct {
	// Name is e.g. "inline policy HelloWorldFunctionPolicies", or the managed policy ARN.
	Name       string
	Statements []Statement
}

// Role is an execution role and the policies attached to it.
type Role struct {
	Name, ARN string
	Policies  []Policy
	// Boundary is the role's permissions boundary (a managed policy), nil when
	// it has none: the most its policies may grant.
	Boundary *Policy
	// BoundaryUnknown says why the role's permissions boundary cannot be read
	// offline; the role is then allowed nothing (security fails closed).
	BoundaryUnknown string
}

// The policy types AWS names in an AccessDeniedException.
const (
	IdentityBased = "identity-based policy"
	Boundary      = "permissions boundary"
)

// Decision is the outcome of evaluating one action on one resource.
type Decision struct {
	Allowed      bool
	ExplicitDeny bool
	// By is the type of policy that denied the request (IdentityBased or
	// Boundary); "" when allowed.
	By string
	// Matched is the deciding statement: the Deny for an explicit deny, the
	// identity-based Allow for an allow, nil for an implicit deny.
	Matched *Statement
	// BoundaryUnknown is Role.BoundaryUnknown when the unreadable boundary
	// decided the denial.
	BoundaryUnknown string
	// Skipped holds the statements whose action and resource match but which carry a
	// Condition, which is not evaluated offline: an Allow then grants nothing and a
	// Deny is ignored.
	Skipped []Statement
}

// Evaluate decides action (e.g. dynamodb:PutItem) on resource (an ARN or "*") as
// IAM does for a role in its own account: an explicit Deny in the identity-based
// policies or the permissions boundary wins; then the identity-based policies
// must allow it, then the boundary (when the role has one) must allow it too;
// else the request is implicitly denied by the first that does not. A nil role
// allows nothing.
func (r *Role) Evaluate(action, resource string) Decision {
	if r == nil {
		return Decision{By: IdentityBased}
	}
	d := evaluate(r.Policies, action, resource)
	if d.ExplicitDeny {
		d.By = IdentityBased
		return d
	}
	var b Decision
	switch {
	case r.BoundaryUnknown != "":
		b.BoundaryUnknown = r.BoundaryUnknown
	case r.Boundary != nil:
		b = evaluate([]Policy{*r.Boundary}, action, resource)
	default:
		b.Allowed = true // no boundary: identity-based policies alone decide
	}
	d.Skipped = append(d.Skipped, b.Skipped...)
	switch {
	case b.ExplicitDeny:
		d.Allowed, d.ExplicitDeny, d.Matched, d.By = false, true, b.Matched, Boundary
	case !d.Allowed:
		d.By = IdentityBased
	case !b.Allowed:
		d.Allowed, d.Matched, d.By, d.BoundaryUnknown = false, nil, Boundary, b.BoundaryUnknown
	}
	return d
}

// evaluate decides with one set of policies: an explicit Deny wins, then an
// Allow, else an implicit deny.
func evaluate(policies []Policy, action, resource string) Decision {
	var d Decision
	var allow, deny *Statement
	for i := range policies {
		for j := range policies[i].Statements {
			st := policies[i].Statements[j]
			if !st.appliesTo(action, resource) {
				continue
			}
			if len(st.Condition) > 0 {
				d.Skipped = append(d.Skipped, st)
				continue
			}
			switch {
			case st.Effect == "Deny" && deny == nil:
				deny = &st
			case st.Effect == "Allow" && allow == nil:
				allow = &st
			}
		}
	}
	switch {
	case deny != nil:
		d.ExplicitDeny, d.Matched = true, deny
	case allow != nil:
		d.Allowed, d.Matched = true, allow
	}
	return d
}

// appliesTo reports whether the statement's action and resource elements match.
func (s *Statement) appliesTo(action, resource string) bool {
	actionIn := anyMatch(s.Action, action, true)
	if s.NotAction != nil {
		actionIn = !anyMatch(s.NotAction, action, true)
	}
	resourceIn := anyMatch(s.Resource, resource, false)
	if s.NotResource != nil {
		resourceIn = !anyMatch(s.NotResource, resource, false)
	}
	return actionIn && resourceIn
}

func anyMatch(patterns []string, value string, foldCase bool) bool {
	for _, p := range patterns {
		if foldCase {
			// Action names are case-insensitive in IAM.
			if wildcardMatch(strings.ToLower(p), strings.ToLower(value)) {
				return true
			}
		} else if wildcardMatch(p, value) {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against pattern, where * matches any run of characters
// (including ':' and '/', as in IAM ARNs) and ? matches exactly one.
func wildcardMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			// Let the last * absorb one more character and retry.
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// ParsePolicy reads a policy document as decoded from JSON or YAML (intrinsic
// functions already resolved). Statement may be one object or a list; Action,
// NotAction, Resource and NotResource a string or a list of strings. name names the
// policy in messages, e.g. "inline policy HelloWorldFunctionPolicies" or a managed
// policy ARN.
func ParsePolicy(name string, doc any) (Policy, error) {
	pol := Policy{Name: name}
	m, ok := doc.(map[string]any)
	if !ok {
		return pol, fmt.Errorf("policy %s: the document must be an object with a Statement, got %s", name, describe(doc))
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k != "Version" && k != "Id" && k != "Statement" {
			return pol, fmt.Errorf("policy %s: unknown field %q (a policy document has Version, Id and Statement)", name, k)
		}
	}
	raw, ok := m["Statement"]
	if !ok {
		return pol, fmt.Errorf("policy %s: the document has no Statement", name)
	}
	var list []any
	switch v := raw.(type) {
	case []any:
		list = v
	case map[string]any:
		list = []any{v}
	default:
		return pol, fmt.Errorf("policy %s: Statement must be an object or a list of objects, got %s", name, describe(raw))
	}
	if len(list) == 0 {
		return pol, fmt.Errorf("policy %s: Statement is empty", name)
	}
	for i, item := range list {
		st, err := parseStatement(item)
		where := fmt.Sprintf("%s, statement %d", name, i+1)
		if m, ok := item.(map[string]any); ok {
			if sid, _ := m["Sid"].(string); sid != "" {
				where += fmt.Sprintf(" (Sid %s)", sid)
			}
		}
		if err != nil {
			return pol, fmt.Errorf("policy %s: %w", where, err)
		}
		st.Source = where
		pol.Statements = append(pol.Statements, st)
	}
	return pol, nil
}

func parseStatement(item any) (Statement, error) {
	var st Statement
	m, ok := item.(map[string]any)
	if !ok {
		return st, fmt.Errorf("a statement must be an object, got %s", describe(item))
	}
	var err error
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		switch k {
		case "Sid":
			if st.Sid, ok = v.(string); !ok {
				return st, fmt.Errorf("Sid must be a string, got %s", describe(v))
			}
		case "Effect":
			if st.Effect, ok = v.(string); !ok || (st.Effect != "Allow" && st.Effect != "Deny") {
				return st, fmt.Errorf(`Effect must be "Allow" or "Deny" (case matters), got %s`, describe(v))
			}
		case "Action":
			st.Action, err = actionList(k, v)
		case "NotAction":
			st.NotAction, err = actionList(k, v)
		case "Resource":
			st.Resource, err = stringList(k, v)
		case "NotResource":
			st.NotResource, err = stringList(k, v)
		case "Condition":
			if v == nil {
				continue
			}
			if st.Condition, ok = v.(map[string]any); !ok {
				return st, fmt.Errorf("Condition must be an object, got %s", describe(v))
			}
		case "Principal", "NotPrincipal":
			return st, fmt.Errorf("%s is not allowed in an identity-based policy: the policy applies to the role it is attached to", k)
		default:
			return st, fmt.Errorf("unknown field %q", k)
		}
		if err != nil {
			return st, err
		}
	}
	switch {
	case st.Effect == "":
		return st, fmt.Errorf(`Effect is missing: add Effect: Allow`)
	case st.Action == nil && st.NotAction == nil:
		return st, fmt.Errorf("Action is missing: name the actions, e.g. dynamodb:GetItem")
	case st.Action != nil && st.NotAction != nil:
		return st, fmt.Errorf("a statement has Action or NotAction, not both")
	case st.Resource == nil && st.NotResource == nil:
		return st, fmt.Errorf("Resource is missing: name the resources, e.g. the table ARN (!GetAtt Table.Arn)")
	case st.Resource != nil && st.NotResource != nil:
		return st, fmt.Errorf("a statement has Resource or NotResource, not both")
	}
	return st, nil
}

func actionList(field string, v any) ([]string, error) {
	list, err := stringList(field, v)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		if a != "*" && !strings.Contains(a, ":") {
			return nil, fmt.Errorf("%s %q is not an action: write service:Action, e.g. dynamodb:%s", field, a, a)
		}
	}
	return list, nil
}

// stringList reads a string or a list of strings; it never returns nil without an error.
func stringList(field string, v any) ([]string, error) {
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case []any:
		if len(v) == 0 {
			return nil, fmt.Errorf("%s is an empty list", field)
		}
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s must hold strings, got %s (an intrinsic function left unresolved?)", field, describe(e))
			}
			out = append(out, s)
		}
		return out, nil
	case []string:
		if len(v) == 0 {
			return nil, fmt.Errorf("%s is an empty list", field)
		}
		return append([]string(nil), v...), nil
	default:
		return nil, fmt.Errorf("%s must be a string or a list of strings, got %s (an intrinsic function left unresolved?)", field, describe(v))
	}
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case map[string]any:
		return fmt.Sprintf("an object %v", v)
	case []any:
		return fmt.Sprintf("a list %v", v)
	default:
		return fmt.Sprintf("%T %v", v, v)
	}
}
