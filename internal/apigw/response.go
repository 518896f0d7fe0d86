package apigw

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// proxyResponse is a validated Lambda proxy integration response.
type proxyResponse struct {
	status int
	header http.Header
	body   []byte
	base64 bool // body is base64 text: the gateway decides whether to decode it
}

// allowedFields are the only fields of a proxy response API Gateway accepts.
var allowedFields = []string{"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}

// parseProxyResponse checks the function's output the way API Gateway does
// before answering; any error means "Malformed Lambda proxy response".
func parseProxyResponse(payload []byte) (*proxyResponse, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil {
		if json.Valid(payload) {
			return nil, fmt.Errorf("the function returned %s, not an object with statusCode, headers and body", jsonKind(payload))
		}
		return nil, fmt.Errorf("the function's output is not valid JSON")
	}
	if fields == nil {
		return nil, fmt.Errorf("the function returned null, not an object with statusCode, headers and body")
	}
	var unknown []string
	for k := range fields {
		if !slices.Contains(allowedFields, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("unexpected field %s (allowed: %s)", strings.Join(quoteAll(unknown), ", "), strings.Join(allowedFields, ", "))
	}

	res := &proxyResponse{header: http.Header{}}
	raw, ok := fields["statusCode"]
	if !ok || isNull(raw) {
		return nil, fmt.Errorf("statusCode is missing")
	}
	if err := json.Unmarshal(raw, &res.status); err != nil {
		return nil, fmt.Errorf("statusCode must be an integer, got %s", jsonKind(raw))
	}
	if res.status < 100 || res.status > 599 {
		return nil, fmt.Errorf("statusCode %d is not an HTTP status code", res.status)
	}

	// multiValueHeaders first, then headers; a pair given in both appears once.
	if raw, ok := fields["multiValueHeaders"]; ok && !isNull(raw) {
		var mv map[string][]string
		if err := json.Unmarshal(raw, &mv); err != nil {
			return nil, fmt.Errorf("multiValueHeaders must map names to lists of strings, got %s", describe(raw))
		}
		for k, vs := range mv {
			for _, v := range vs {
				res.header.Add(k, v)
			}
		}
	}
	if raw, ok := fields["headers"]; ok && !isNull(raw) {
		var h map[string]string
		if err := json.Unmarshal(raw, &h); err != nil {
			return nil, fmt.Errorf("headers must map names to strings, got %s", describe(raw))
		}
		for k, v := range h {
			if !slices.Contains(res.header.Values(k), v) {
				res.header.Add(k, v)
			}
		}
	}

	var body string
	if raw, ok := fields["body"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &body); err != nil {
			return nil, fmt.Errorf("body must be a string, got %s (encode it, e.g. with json.Marshal, and return the string)", jsonKind(raw))
		}
	}
	var isBase64 bool
	if raw, ok := fields["isBase64Encoded"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &isBase64); err != nil {
			return nil, fmt.Errorf("isBase64Encoded must be true or false, got %s", jsonKind(raw))
		}
	}
	res.body, res.base64 = []byte(body), isBase64
	return res, nil
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// describe says what a JSON value is: its kind, or for an object whose values
// are of the wrong type, that.
func describe(raw json.RawMessage) string {
	if jsonKind(raw) != "an object" {
		return jsonKind(raw)
	}
	return "an object with a value of another type"
}

// jsonKind names the type of a JSON value for messages.
func jsonKind(raw []byte) string {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "":
		return "nothing"
	case s[0] == '{':
		return "an object"
	case s[0] == '[':
		return "an array"
	case s[0] == '"':
		return "a string"
	case s == "true" || s == "false":
		return "a boolean"
	case s == "null":
		return "null"
	default:
		return "a number"
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
