// Package cfn reads SAM and CloudFormation templates into plain Go values and
// resolves their intrinsic functions to local values.
//
// Short-form tags (!Ref, !Sub, !GetAtt ...) become the long form CloudFormation
// itself uses ({"Ref": ...}, {"Fn::Sub": ...}), so the rest of the harness
// handles YAML and JSON templates (such as the SAM translator's output) alike.
package cfn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed template.
type Template struct {
	Path string         // file it came from, as given to Load
	Name string         // how messages name the file; Path when empty
	Doc  map[string]any // the whole document
	// lines maps "Resources/ID" and "Resources/ID/Properties/Key" to a 1-based line.
	lines map[string]int
}

// Resource is one entry of the Resources section.
type Resource struct {
	ID         string // logical id
	Type       string
	Properties map[string]any
	Metadata   map[string]any
	Line       int // 0 when unknown (JSON input)
}

// Load reads and parses a template file.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading template: %w", err)
	}
	return Parse(path, data)
}

// Parse parses template text. name is used in messages.
func Parse(name string, data []byte) (*Template, error) {
	t := &Template{Path: name, lines: map[string]int{}}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		if err := json.Unmarshal(trimmed, &t.Doc); err != nil {
			return nil, fmt.Errorf("%s: not valid JSON: %w", name, err)
		}
		return t, t.validate()
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, data, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: the file is empty", name)
	}
	v, err := decode(name, root.Content[0])
	if err != nil {
		return nil, err
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: a template is a mapping with Resources at the top level", name)
	}
	t.Doc = doc
	t.recordLines(root.Content[0])
	return t, t.validate()
}

func (t *Template) validate() error {
	res, ok := t.Doc["Resources"].(map[string]any)
	if !ok || len(res) == 0 {
		return fmt.Errorf("%s: no Resources section: a template needs at least one resource", t.Path)
	}
	for id, r := range res {
		m, ok := r.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: resource %s is not a mapping (it needs Type and Properties)", t.Path, id)
		}
		if _, ok := m["Type"].(string); !ok {
			return fmt.Errorf("%s: resource %s has no Type", t.Path, id)
		}
	}
	return nil
}

// recordLines remembers where resources and their properties start.
func (t *Template) recordLines(doc *yaml.Node) {
	for i := 0; i+1 < len(doc.Content); i += 2 {
		t.lines[doc.Content[i].Value] = doc.Content[i].Line
	}
	if globals := mapValue(doc, "Globals"); globals != nil {
		for i := 0; i+1 < len(globals.Content); i += 2 {
			sec := globals.Content[i].Value
			t.lines["Globals/"+sec] = globals.Content[i].Line
			props := globals.Content[i+1]
			for j := 0; props.Kind == yaml.MappingNode && j+1 < len(props.Content); j += 2 {
				t.lines["Globals/"+sec+"/"+props.Content[j].Value] = props.Content[j].Line
			}
		}
	}
	if conds := mapValue(doc, "Conditions"); conds != nil {
		for i := 0; i+1 < len(conds.Content); i += 2 {
			t.lines["Conditions/"+conds.Content[i].Value] = conds.Content[i].Line
		}
	}
	res := mapValue(doc, "Resources")
	if res == nil {
		return
	}
	for i := 0; i+1 < len(res.Content); i += 2 {
		id := res.Content[i].Value
		t.lines["Resources/"+id] = res.Content[i].Line
		if props := mapValue(res.Content[i+1], "Properties"); props != nil {
			for j := 0; j+1 < len(props.Content); j += 2 {
				t.lines["Resources/"+id+"/Properties/"+props.Content[j].Value] = props.Content[j].Line
			}
		}
	}
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// Line returns the line of a resource ("ID") or one of its properties ("ID/Properties/Key"), or 0.
func (t *Template) Line(path string) int {
	return t.lines["Resources/"+path]
}

// Where names a place in the template for messages: "template.yaml:12".
func (t *Template) Where(path string) string {
	return t.at("Resources/" + path)
}

// WhereKey names a place outside Resources by its path in the document
// ("Globals/Api/Cors", "Outputs"): "template.yaml:3", or the file alone.
func (t *Template) WhereKey(path string) string {
	return t.at(path)
}

// WhereCondition names the line of a condition of the Conditions section.
func (t *Template) WhereCondition(name string) string {
	return t.at("Conditions/" + name)
}

func (t *Template) at(key string) string {
	if l := t.lines[key]; l > 0 {
		return fmt.Sprintf("%s:%d", t.displayName(), l)
	}
	return t.displayName()
}

func (t *Template) displayName() string {
	if t.Name == "" {
		return t.Path
	}
	return t.Name
}

// Resources returns the resources sorted by logical id.
func (t *Template) Resources() []Resource {
	res, _ := t.Doc["Resources"].(map[string]any)
	ids := slices.Sorted(maps.Keys(res))
	out := make([]Resource, 0, len(ids))
	for _, id := range ids {
		r, _ := t.Resource(id)
		out = append(out, r)
	}
	return out
}

// Resource returns one resource by logical id.
func (t *Template) Resource(id string) (Resource, bool) {
	res, _ := t.Doc["Resources"].(map[string]any)
	m, ok := res[id].(map[string]any)
	if !ok {
		return Resource{}, false
	}
	r := Resource{ID: id, Line: t.Line(id)}
	r.Type, _ = m["Type"].(string)
	r.Properties, _ = m["Properties"].(map[string]any)
	if r.Properties == nil {
		r.Properties = map[string]any{}
	}
	r.Metadata, _ = m["Metadata"].(map[string]any)
	return r, true
}

// ParamDefaults returns each parameter's Default as a string ("" when none).
func (t *Template) ParamDefaults() map[string]string {
	out := map[string]string{}
	params, _ := t.Doc["Parameters"].(map[string]any)
	for name, p := range params {
		m, _ := p.(map[string]any)
		if d, ok := m["Default"]; ok {
			out[name] = fmt.Sprint(d)
		} else {
			out[name] = ""
		}
	}
	return out
}

// Lookup follows a slash-separated path ("Properties/Environment/Variables")
// through maps, and through lists by index.
func Lookup(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	return LookupKeys(v, strings.Split(path, "/"))
}

// LookupKeys follows keys through maps, and through lists by index.
func LookupKeys(v any, keys []string) (any, bool) {
	for _, key := range keys {
		switch c := v.(type) {
		case map[string]any:
			next, ok := c[key]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// tagFuncs maps short-form tags to their long form.
var tagFuncs = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!FindInMap": "Fn::FindInMap",
	"!GetAtt": "Fn::GetAtt", "!GetAZs": "Fn::GetAZs", "!ImportValue": "Fn::ImportValue",
	"!Join": "Fn::Join", "!Select": "Fn::Select", "!Split": "Fn::Split", "!Sub": "Fn::Sub",
	"!Transform": "Fn::Transform", "!And": "Fn::And", "!Equals": "Fn::Equals",
	"!If": "Fn::If", "!Not": "Fn::Not", "!Or": "Fn::Or", "!Length": "Fn::Length",
	"!ToJsonString": "Fn::ToJsonString",
}

func decode(name string, n *yaml.Node) (any, error) {
	if fn, ok := tagFuncs[n.Tag]; ok {
		plain := *n
		plain.Tag = ""
		if n.Kind == yaml.ScalarNode {
			plain.Tag = "!!str"
		}
		v, err := decode(name, &plain)
		if err != nil {
			return nil, err
		}
		// !GetAtt A.B is the short form of ["A", "B"].
		if s, ok := v.(string); ok && fn == "Fn::GetAtt" {
			id, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("%s:%d: !GetAtt %s needs the form Resource.Attribute (for example Table.Arn)", name, n.Line, s)
			}
			v = []any{id, attr}
		}
		return map[string]any{fn: v}, nil
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return nil, fmt.Errorf("%s:%d: unknown tag %s (CloudFormation knows !Ref, !Sub, !GetAtt, !Join, !Select, !If ...)", name, n.Line, n.Tag)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("%s:%d: key %q appears twice in the same mapping", name, n.Content[i].Line, k)
			}
			v, err := decode(name, n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := decode(name, c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.AliasNode:
		return decode(name, n.Alias)
	default:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n.Line, err)
		}
		// Keep dates such as Version: 2012-10-17 as CloudFormation does: a string.
		if n.Tag == "!!timestamp" {
			return n.Value, nil
		}
		return v, nil
	}
}
