package apigw

import (
	"fmt"
	"net/url"
	"strings"
)

// methods API Gateway accepts for a method on a resource.
var validMethods = map[string]bool{
	"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true,
	"HEAD": true, "OPTIONS": true, "ANY": true,
}

// node is one resource of the API's resource tree, as API Gateway builds it
// from the routes' paths: /items/{id} creates /items and /items/{id}.
type node struct {
	resource string           // template path, e.g. /items/{id}
	literal  map[string]*node // fixed path parts
	variable *node            // {name} or {name+}: API Gateway allows one per level
	varName  string
	greedy   bool
	methods  map[string]Route // GET, POST, ..., ANY
}

func newNode(resource string) *node {
	return &node{resource: resource, literal: map[string]*node{}, methods: map[string]Route{}}
}

// add inserts a route, rejecting what API Gateway would reject on deploy.
func (n *node) add(rt Route, httpAPI bool) error {
	method := strings.ToUpper(rt.Method)
	if !validMethods[method] {
		return fmt.Errorf("route %s %s: method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY", rt.Method, rt.Path)
	}
	if rt.PayloadFormat != "" && rt.PayloadFormat != "1.0" && rt.PayloadFormat != "2.0" {
		return fmt.Errorf("route %s %s: payload format %q: use 2.0 or 1.0", rt.Method, rt.Path, rt.PayloadFormat)
	}
	if !httpAPI && rt.PayloadFormat == "2.0" {
		return fmt.Errorf("route %s %s: payload format 2.0 is for HTTP APIs only", rt.Method, rt.Path)
	}
	if rt.Invoker == nil {
		return fmt.Errorf("route %s %s: no function to invoke", rt.Method, rt.Path)
	}
	if !strings.HasPrefix(rt.Path, "/") {
		return fmt.Errorf("route %s %s: path must start with /", rt.Method, rt.Path)
	}
	cur := n
	parts := splitPath(rt.Path)
	for i, part := range parts {
		if part == "" {
			return fmt.Errorf("route %s %s: empty path part (double or trailing slash)", rt.Method, rt.Path)
		}
		name, greedy, isVar, err := parsePart(part)
		if err != nil {
			return fmt.Errorf("route %s %s: %w", rt.Method, rt.Path, err)
		}
		resource := "/" + strings.Join(parts[:i+1], "/")
		if !isVar {
			child, ok := cur.literal[part]
			if !ok {
				child = newNode(resource)
				cur.literal[part] = child
			}
			cur = child
			continue
		}
		if greedy && i != len(parts)-1 {
			return fmt.Errorf("route %s %s: the greedy path part {%s+} must be the last one", rt.Method, rt.Path, name)
		}
		if cur.variable == nil {
			cur.variable = newNode(resource)
			cur.varName, cur.greedy = name, greedy
		} else if cur.varName != name || cur.greedy != greedy {
			return fmt.Errorf("route %s %s: %s conflicts with %s: API Gateway allows only one variable path part per level",
				rt.Method, rt.Path, resource, cur.variable.resource)
		}
		cur = cur.variable
	}
	if prev, ok := cur.methods[method]; ok {
		return fmt.Errorf("two routes for %s %s (%s and %s)", method, cur.resource, prev.Function, rt.Function)
	}
	rt.Method = method
	cur.methods[method] = rt
	return nil
}

// splitPath turns "/a/b" into ["a", "b"] and "/" into none.
func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// parsePart reads "{name}" or "{name+}"; anything else is a literal part.
func parsePart(part string) (name string, greedy, isVar bool, err error) {
	if !strings.HasPrefix(part, "{") && !strings.HasSuffix(part, "}") {
		if strings.ContainsAny(part, "{}") {
			return "", false, false, fmt.Errorf("path part %q: braces are only allowed around a whole part, like {id}", part)
		}
		return "", false, false, nil
	}
	if !strings.HasPrefix(part, "{") || !strings.HasSuffix(part, "}") {
		return "", false, false, fmt.Errorf("path part %q: a path parameter is written {name}", part)
	}
	name = part[1 : len(part)-1]
	if strings.HasSuffix(name, "+") {
		name, greedy = name[:len(name)-1], true
	}
	if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != "" {
		return "", false, false, fmt.Errorf("path part %q: a parameter name uses letters, digits, _ - and . only", part)
	}
	return name, greedy, true, nil
}

// segments splits a request path (raw, as sent) as the API routes it, and
// returns the path its event carries. A REST API keeps the path
// percent-encoded, so an encoded slash (%2F) stays inside its segment; an
// HTTP API decodes it, twice, and cuts it at a decoded "?" (recorded from
// deployed APIs, see testdata/README.md); ok is false when it does not decode.
func (a *api) segments(raw string) (path string, segs []string, ok bool) {
	if !a.HTTP {
		return raw, splitPath(raw), true
	}
	path = raw
	for range 2 {
		d, err := url.PathUnescape(path)
		if err != nil {
			return "", nil, false
		}
		path = d
	}
	path, _, _ = strings.Cut(path, "?")
	return path, splitPath(path), true
}

// match finds the resource for a request path. Like API Gateway it prefers a
// fixed part over a variable one and backtracks only when the rest of the path
// cannot be matched; the method is checked afterwards, so a more specific
// resource without the method answers 403 rather than falling back.
func (n *node) match(parts []string, params map[string]string) *node {
	if len(parts) == 0 {
		return n
	}
	child, ok := n.literal[parts[0]]
	if !ok {
		// A REST segment is still encoded: /h%65llo is /hello.
		if d, err := url.PathUnescape(parts[0]); err == nil && !strings.Contains(d, "/") {
			child, ok = n.literal[d]
		}
	}
	if ok {
		if found := child.match(parts[1:], params); found != nil {
			return found
		}
	}
	if n.variable == nil || parts[0] == "" {
		return nil
	}
	if n.greedy {
		params[n.varName] = strings.Join(parts, "/")
		return n.variable
	}
	params[n.varName] = parts[0]
	if found := n.variable.match(parts[1:], params); found != nil {
		return found
	}
	delete(params, n.varName)
	return nil
}

// route returns the method's route on this resource, ANY as a fallback.
func (n *node) route(method string) (Route, bool) {
	if rt, ok := n.methods[method]; ok {
		return rt, true
	}
	rt, ok := n.methods["ANY"]
	return rt, ok
}
