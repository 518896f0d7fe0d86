package cfn

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Env holds the local values that intrinsic functions resolve to: what
// CloudFormation would know about a deployed stack.
type Env struct {
	Region    string
	AccountID string
	StackName string
	Params    map[string]string            // parameter values
	Refs      map[string]string            // logical id -> Ref value (physical id)
	Attrs     map[string]map[string]string // logical id -> attribute -> value
	// Conditions are the values of the Conditions section (EvalConditions),
	// for Fn::If.
	Conditions map[string]bool
}

// noValue marks AWS::NoValue: the property is removed.
type noValue struct{}

// Resolve returns v with every intrinsic function replaced by its value.
func (e *Env) Resolve(v any) (any, error) {
	r, err := e.resolve(v)
	if _, ok := r.(noValue); ok {
		return nil, err
	}
	return r, err
}

// ResolveString resolves v and requires a string result.
func (e *Env) ResolveString(v any) (string, error) {
	r, err := e.Resolve(v)
	if err != nil {
		return "", err
	}
	switch s := r.(type) {
	case string:
		return s, nil
	case float64, int, bool:
		return fmt.Sprint(s), nil
	}
	return "", fmt.Errorf("expected a string, got %v", r)
}

func (e *Env) resolve(v any) (any, error) {
	switch c := v.(type) {
	case []any:
		out := make([]any, 0, len(c))
		for _, x := range c {
			r, err := e.resolve(x)
			if err != nil {
				return nil, err
			}
			if _, ok := r.(noValue); !ok {
				out = append(out, r)
			}
		}
		return out, nil
	case map[string]any:
		if len(c) == 1 {
			for k, arg := range c {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return e.call(k, arg)
				}
			}
		}
		out := make(map[string]any, len(c))
		for k, x := range c {
			r, err := e.resolve(x)
			if err != nil {
				return nil, err
			}
			if _, ok := r.(noValue); !ok {
				out[k] = r
			}
		}
		return out, nil
	}
	return v, nil
}

func (e *Env) call(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("!Ref takes a name, got %v", arg)
		}
		return e.ref(name)
	case "Fn::GetAtt":
		parts, err := e.resolve(arg)
		if err != nil {
			return nil, err
		}
		l, ok := parts.([]any)
		if !ok || len(l) != 2 {
			return nil, fmt.Errorf("!GetAtt takes Resource.Attribute, got %v", arg)
		}
		return e.getAtt(fmt.Sprint(l[0]), fmt.Sprint(l[1]))
	case "Fn::Sub":
		return e.sub(arg)
	case "Fn::If":
		l, err := fnArgs(arg, 3, "!If", "[condition, value if true, value if false]")
		if err != nil {
			return nil, err
		}
		name, _ := l[0].(string)
		b, ok := e.Conditions[name]
		if !ok {
			return nil, fmt.Errorf("!If %v: there is no condition %q in the Conditions section%s", l[0], name, knownConds(e.Conditions))
		}
		if b {
			return e.resolve(l[1])
		}
		return e.resolve(l[2])
	case "Fn::Join":
		l, err := fnArgs(arg, 2, "!Join", "[delimiter, [values]]")
		if err != nil {
			return nil, err
		}
		items, err := e.resolve(l[1])
		if err != nil {
			return nil, err
		}
		list, ok := items.([]any)
		if !ok {
			return nil, fmt.Errorf("!Join's second argument must be a list, got %v", items)
		}
		strs := make([]string, len(list))
		for i, x := range list {
			strs[i] = fmt.Sprint(x)
		}
		return strings.Join(strs, fmt.Sprint(l[0])), nil
	case "Fn::Select":
		l, err := fnArgs(arg, 2, "!Select", "[index, [values]]")
		if err != nil {
			return nil, err
		}
		idx, err := e.ResolveString(l[0])
		if err != nil {
			return nil, err
		}
		items, err := e.resolve(l[1])
		if err != nil {
			return nil, err
		}
		list, _ := items.([]any)
		var i int
		if _, err := fmt.Sscan(idx, &i); err != nil || i < 0 || i >= len(list) {
			return nil, fmt.Errorf("!Select index %s is out of range for %v", idx, items)
		}
		return list[i], nil
	case "Fn::Split":
		l, err := fnArgs(arg, 2, "!Split", "[delimiter, string]")
		if err != nil {
			return nil, err
		}
		s, err := e.ResolveString(l[1])
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(s, fmt.Sprint(l[0])) {
			out = append(out, p)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s is not supported when running locally (supported: !Ref, !Sub, !GetAtt, !Join, !Select, !Split, !If)", shortName(fn))
}

// fnArgs is arg as the list of n arguments an intrinsic function fn takes
// (form shows them, for the message).
func fnArgs(arg any, n int, fn, form string) ([]any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != n {
		return nil, fmt.Errorf("%s takes %s, got %v", fn, form, arg)
	}
	return l, nil
}

func shortName(fn string) string {
	return "!" + strings.TrimPrefix(fn, "Fn::")
}

func (e *Env) ref(name string) (any, error) {
	switch name {
	case "AWS::Region":
		return e.Region, nil
	case "AWS::AccountId":
		return e.AccountID, nil
	case "AWS::StackName":
		return e.StackName, nil
	case "AWS::StackId":
		return fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/local", e.Region, e.AccountID, e.StackName), nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::NoValue":
		return noValue{}, nil
	}
	if v, ok := e.Params[name]; ok {
		return v, nil
	}
	if v, ok := e.Refs[name]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("!Ref %s: there is no parameter or resource named %q%s", name, name, e.suggest(name))
}

func (e *Env) getAtt(id, attr string) (any, error) {
	attrs, ok := e.Attrs[id]
	if !ok {
		if _, isParam := e.Params[id]; isParam {
			return nil, fmt.Errorf("!GetAtt %s.%s: %s is a parameter; use !Ref %s", id, attr, id, id)
		}
		return nil, fmt.Errorf("!GetAtt %s.%s: there is no resource named %q%s", id, attr, id, e.suggest(id))
	}
	v, ok := attrs[attr]
	if !ok {
		known := slices.Sorted(maps.Keys(attrs))
		return nil, fmt.Errorf("!GetAtt %s.%s: %s has no attribute %q here (it has %s)", id, attr, id, attr, strings.Join(known, ", "))
	}
	return v, nil
}

// suggest names the closest known name when a reference is misspelt.
func (e *Env) suggest(name string) string {
	var names []string
	for n := range e.Params {
		names = append(names, n)
	}
	for n := range e.Refs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if strings.EqualFold(n, name) || distance(strings.ToLower(n), strings.ToLower(name)) <= 2 {
			return fmt.Sprintf(" (did you mean %s?)", n)
		}
	}
	if len(names) > 0 {
		return fmt.Sprintf(" (known: %s)", strings.Join(names, ", "))
	}
	return ""
}

var subVar = regexp.MustCompile(`\$\{([^}!]*)\}`)

func (e *Env) sub(arg any) (any, error) {
	var text string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		text = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("!Sub takes a string or [string, {variables}], got %v", arg)
		}
		text, _ = a[0].(string)
		m, _ := a[1].(map[string]any)
		for k, v := range m {
			r, err := e.ResolveString(v)
			if err != nil {
				return nil, fmt.Errorf("!Sub variable %s: %w", k, err)
			}
			vars[k] = r
		}
	default:
		return nil, fmt.Errorf("!Sub takes a string, got %v", arg)
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(text, func(m string) string {
		name := subVar.FindStringSubmatch(m)[1]
		if v, ok := vars[name]; ok {
			return fmt.Sprint(v)
		}
		var v any
		var err error
		if id, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			v, err = e.getAtt(id, attr)
		} else {
			v, err = e.ref(name)
		}
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("!Sub %q: ${%s}: %w", text, name, err)
			}
			return m
		}
		return fmt.Sprint(v)
	})
	// ${!Literal} is written as ${Literal}.
	out = strings.ReplaceAll(out, "${!", "${")
	return out, firstErr
}

// distance is the Levenshtein edit distance, for "did you mean" hints.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
