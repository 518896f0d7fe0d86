package cfn

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// CloudFormation's conditions, as the local stack deploys them: the
// Conditions section is evaluated with the parameters (defaults and
// overrides); a resource or output whose Condition is false is not created;
// every Fn::If takes the branch its condition chooses, and a branch that is
// AWS::NoValue removes the property (or list element) it stands for. What
// cannot be evaluated is refused, never skipped.

// EvalConditions evaluates t's Conditions section with e's parameters and
// pseudo parameters (AWS::Region ...). A condition may use Fn::Equals,
// Fn::And, Fn::Or, Fn::Not, {Condition: Name} and, inside Fn::Equals, Ref to
// a parameter and the other intrinsic functions e resolves.
func (e *Env) EvalConditions(t *Template) (map[string]bool, error) {
	defs, _ := t.Doc["Conditions"].(map[string]any)
	if raw, ok := t.Doc["Conditions"]; ok && defs == nil && raw != nil {
		return nil, fmt.Errorf("%s: Conditions must be a mapping of names to conditions", t.Where(""))
	}
	c := &condEval{t: t, e: e, defs: defs, vals: map[string]bool{}, busy: map[string]bool{}}
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		if _, err := c.cond(name); err != nil {
			return nil, err
		}
	}
	return c.vals, nil
}

type condEval struct {
	t    *Template
	e    *Env
	defs map[string]any
	vals map[string]bool
	busy map[string]bool // being evaluated: a cycle when met again
}

func (c *condEval) cond(name string) (bool, error) {
	if v, ok := c.vals[name]; ok {
		return v, nil
	}
	def, ok := c.defs[name]
	if !ok {
		return false, fmt.Errorf("there is no condition %q%s", name, knownNames(c.defs))
	}
	if c.busy[name] {
		return false, fmt.Errorf("%s: condition %s refers to itself through Condition", c.t.WhereCondition(name), name)
	}
	c.busy[name] = true
	v, err := c.eval(def)
	delete(c.busy, name)
	if err != nil {
		if strings.HasPrefix(err.Error(), c.t.displayName()+":") {
			return false, err // already placed (a condition it refers to)
		}
		return false, fmt.Errorf("%s: condition %s: %w", c.t.WhereCondition(name), name, err)
	}
	c.vals[name] = v
	return v, nil
}

func (c *condEval) eval(v any) (bool, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("a condition is one of !Equals, !And, !Or, !Not or {Condition: Name}, got %s", show(v))
	}
	for fn, arg := range m {
		switch fn {
		case "Condition":
			name, ok := arg.(string)
			if !ok {
				return false, fmt.Errorf("Condition takes the name of a condition, got %s", show(arg))
			}
			return c.cond(name)
		case "Fn::Equals":
			l, ok := arg.([]any)
			if !ok || len(l) != 2 {
				return false, fmt.Errorf("!Equals takes two values, got %s", show(arg))
			}
			var vals [2]string
			for i, x := range l {
				s, err := c.e.ResolveString(x)
				if err != nil {
					return false, fmt.Errorf("!Equals: %w", err)
				}
				vals[i] = s
			}
			return vals[0] == vals[1], nil
		case "Fn::And", "Fn::Or":
			l, ok := arg.([]any)
			if !ok || len(l) < 2 || len(l) > 10 {
				return false, fmt.Errorf("%s takes 2 to 10 conditions, got %s", shortName(fn), show(arg))
			}
			and := fn == "Fn::And"
			for _, x := range l {
				b, err := c.eval(x)
				if err != nil {
					return false, err
				}
				if b != and { // a false in !And, a true in !Or decides
					return b, nil
				}
			}
			return and, nil
		case "Fn::Not":
			l, ok := arg.([]any)
			if !ok || len(l) != 1 {
				return false, fmt.Errorf("!Not takes a list of one condition, got %s", show(arg))
			}
			b, err := c.eval(l[0])
			return !b, err
		default:
			return false, fmt.Errorf("%s cannot be used as a condition (use !Equals, !And, !Or, !Not or {Condition: Name})", shortName(fn))
		}
	}
	panic("unreachable")
}

// ApplyConditions deploys t's conditions into its document: resources and
// outputs whose Condition is false are removed, and every Fn::If in the
// resources, Globals and Outputs is replaced by the branch conds chooses
// (AWS::NoValue removes what it stands for). Errors name the file, line,
// resource and property.
func (t *Template) ApplyConditions(conds map[string]bool) error {
	res, _ := t.Doc["Resources"].(map[string]any)
	for _, id := range slices.Sorted(maps.Keys(res)) {
		r, _ := res[id].(map[string]any)
		keep, err := t.keep(r, conds)
		if err != nil {
			return fmt.Errorf("%s: resource %s: %w", t.Where(id), id, err)
		}
		if !keep {
			delete(res, id)
			continue
		}
		for _, key := range slices.Sorted(maps.Keys(r)) {
			if key == "Properties" {
				props, _ := r[key].(map[string]any)
				for _, p := range slices.Sorted(maps.Keys(props)) {
					if err := chooseIn(props, p, conds); err != nil {
						return fmt.Errorf("%s: resource %s: property %s: %w", t.Where(id+"/Properties/"+p), id, p, err)
					}
				}
				continue
			}
			if err := chooseIn(r, key, conds); err != nil {
				return fmt.Errorf("%s: resource %s: %s: %w", t.Where(id), id, key, err)
			}
		}
	}
	if len(res) == 0 {
		return fmt.Errorf("%s: no resource is created with these parameters: every resource has a false Condition", t.Where(""))
	}
	globals, _ := t.Doc["Globals"].(map[string]any)
	for _, section := range slices.Sorted(maps.Keys(globals)) {
		props, _ := globals[section].(map[string]any)
		for _, p := range slices.Sorted(maps.Keys(props)) {
			if err := chooseIn(props, p, conds); err != nil {
				return fmt.Errorf("%s: Globals %s: property %s: %w", t.Where(""), section, p, err)
			}
		}
	}
	outs, _ := t.Doc["Outputs"].(map[string]any)
	for _, id := range slices.Sorted(maps.Keys(outs)) {
		o, _ := outs[id].(map[string]any)
		keep, err := t.keep(o, conds)
		if err == nil && keep {
			err = chooseIn(outs, id, conds)
		}
		if err != nil {
			return fmt.Errorf("%s: output %s: %w", t.Where(""), id, err)
		}
		if !keep {
			delete(outs, id)
		}
	}
	return nil
}

// keep reads a resource's or output's Condition.
func (t *Template) keep(r map[string]any, conds map[string]bool) (bool, error) {
	raw, ok := r["Condition"]
	if !ok {
		return true, nil
	}
	name, ok := raw.(string)
	if !ok {
		return false, fmt.Errorf("Condition must name a condition of the Conditions section, got %s", show(raw))
	}
	v, ok := conds[name]
	if !ok {
		return false, fmt.Errorf("Condition %s: there is no condition %q in the Conditions section%s", name, name, knownConds(conds))
	}
	return v, nil
}

// chooseIn replaces the Fn::If in m[key]; a value that becomes AWS::NoValue
// is removed.
func chooseIn(m map[string]any, key string, conds map[string]bool) error {
	v, gone, err := choose(m[key], conds)
	if err != nil {
		return err
	}
	if gone {
		delete(m, key)
	} else {
		m[key] = v
	}
	return nil
}

// choose returns v with every Fn::If replaced by its chosen branch; gone
// reports a value that is AWS::NoValue after the choice.
func choose(v any, conds map[string]bool) (_ any, gone bool, _ error) {
	switch c := v.(type) {
	case map[string]any:
		if arg, ok := c["Fn::If"]; ok && len(c) == 1 {
			l, ok := arg.([]any)
			if !ok || len(l) != 3 {
				return nil, false, fmt.Errorf("!If takes [condition, value if true, value if false], got %s", show(arg))
			}
			name, ok := l[0].(string)
			if !ok {
				return nil, false, fmt.Errorf("!If: the first element names a condition, got %s", show(l[0]))
			}
			b, ok := conds[name]
			if !ok {
				return nil, false, fmt.Errorf("!If %s: there is no condition %q in the Conditions section%s", name, name, knownConds(conds))
			}
			branch := l[2]
			if b {
				branch = l[1]
			}
			return choose(branch, conds)
		}
		if ref, ok := c["Ref"]; ok && len(c) == 1 && ref == "AWS::NoValue" {
			return nil, true, nil
		}
		for _, k := range slices.Sorted(maps.Keys(c)) {
			if err := chooseIn(c, k, conds); err != nil {
				return nil, false, err
			}
		}
		return c, false, nil
	case []any:
		out := c[:0:0]
		for _, x := range c {
			r, gone, err := choose(x, conds)
			if err != nil {
				return nil, false, err
			}
			if !gone {
				out = append(out, r)
			}
		}
		return out, false, nil
	}
	return v, false, nil
}

func knownConds(conds map[string]bool) string {
	if len(conds) == 0 {
		return " (the template has none)"
	}
	return " (it has " + strings.Join(slices.Sorted(maps.Keys(conds)), ", ") + ")"
}

func knownNames(defs map[string]any) string {
	if len(defs) == 0 {
		return " (the template has no Conditions section)"
	}
	return " (Conditions has " + strings.Join(slices.Sorted(maps.Keys(defs)), ", ") + ")"
}

// show prints a template value for a message.
func show(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case string:
		return fmt.Sprintf("%q", v)
	}
	return fmt.Sprint(v)
}
