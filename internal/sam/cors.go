package sam

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Cors is what a REST API's Cors property configures, as the SAM translator
// reads it: the header values of the OPTIONS mock integration SAM adds to
// each path (SAM's single quotes removed). It has the fields of apigw.CORS.
type Cors struct {
	AllowOrigin      string
	AllowMethods     string // "": the path's methods and OPTIONS
	AllowHeaders     string
	MaxAge           string
	AllowCredentials bool
}

// ReadCors reads a resolved Cors value: a string (the origin, as in
// Cors: "'*'") or a map of AllowOrigin (default '*'), AllowMethods,
// AllowHeaders, MaxAge and AllowCredentials. Each value but AllowCredentials
// is an API Gateway mapping expression, so a literal is written in single
// quotes; without them the deployment fails on AWS, so they are refused here.
func ReadCors(v any) (*Cors, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if s, isString := v.(string); isString {
		m, ok = map[string]any{"AllowOrigin": s}, true
	}
	if !ok {
		return nil, fmt.Errorf("Cors must be the allowed origin (for example Cors: \"'*'\") or a mapping of AllowOrigin, AllowMethods, AllowHeaders, MaxAge and AllowCredentials")
	}
	c := &Cors{AllowOrigin: "*"}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k == "AllowCredentials" {
			b, ok := m[k].(bool)
			if !ok {
				return nil, fmt.Errorf("Cors AllowCredentials must be true or false, got %v", m[k])
			}
			c.AllowCredentials = b
			continue
		}
		dst := map[string]*string{"AllowOrigin": &c.AllowOrigin, "AllowMethods": &c.AllowMethods, "AllowHeaders": &c.AllowHeaders, "MaxAge": &c.MaxAge}[k]
		if dst == nil {
			return nil, fmt.Errorf("Cors has no property %s (SAM knows AllowOrigin, AllowMethods, AllowHeaders, MaxAge, AllowCredentials)", k)
		}
		s, ok := m[k].(string)
		if !ok || len(s) < 2 || !strings.HasPrefix(s, "'") || !strings.HasSuffix(s, "'") {
			return nil, fmt.Errorf("Cors %s is %v: write it in single quotes inside double quotes (for example %s: \"'%v'\"): API Gateway reads it as a mapping expression, and the deployment fails on an unquoted value", k, m[k], k, m[k])
		}
		*dst = s[1 : len(s)-1]
	}
	if c.AllowOrigin == "" {
		return nil, fmt.Errorf("Cors AllowOrigin is empty: SAM requires a value (for example \"'*'\")")
	}
	if c.AllowCredentials && c.AllowOrigin == "*" {
		return nil, fmt.Errorf("Cors AllowCredentials cannot be true when AllowOrigin is \"'*'\" or not set (the SAM translator refuses it): name the origin, for example AllowOrigin: \"'https://example.com'\"")
	}
	return c, nil
}
