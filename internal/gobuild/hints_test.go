package gobuild

import (
	"strings"
	"testing"
)

// TestCompilerHints gives each common compiler error its hint, once per kind.
func TestCompilerHints(t *testing.T) {
	tests := []struct {
		output string
		first  string
		want   []string
	}{
		{"steps/01/main.go:25:15: undefined: jsonMarshal\nsteps/01/main.go:26:2: undefined: jsonMarshal\n",
			"steps/01/main.go:25:15: undefined: jsonMarshal", []string{"hint: nothing named jsonMarshal is declared"}},
		{"steps/01/main.go:9:2: \"os\" imported and not used\n", "", []string{`remove "os" from the imports`}},
		{"steps/01/main.go:20:2: declared and not used: x\n", "", []string{"use x, or write _"}},
		{"steps/01/main.go:20:2: x declared but not used\n", "", []string{"use x, or write _"}},
		{"steps/01/main.go:30:1: missing return\n", "", []string{"must return on every path"}},
		{"steps/01/main.go:22:15: cannot use body (variable of type []byte) as string value in struct literal\n", "", []string{"string(body) for a []byte"}},
		{"steps/01/main.go:22:9: not enough return values\n\thave (events.APIGatewayProxyResponse)\n\twant (events.APIGatewayProxyResponse, error)\n", "", []string{"one value per result"}},
		{"steps/01/main.go:22:9: assignment mismatch: 1 variable but json.Marshal returns 2 values\n", "", []string{"one variable per value"}},
		{"steps/01/main.go:22:9: syntax error: unexpected }\n", "", nil},
	}
	for _, tt := range tests {
		e := &CompileError{Output: tt.output}
		hints := e.Hints()
		if len(hints) != len(tt.want) {
			t.Errorf("%q: %d hints, want %d: %q", tt.output, len(hints), len(tt.want), hints)
			continue
		}
		for i, w := range tt.want {
			if !strings.Contains(hints[i], w) {
				t.Errorf("%q: hint %q lacks %q", tt.output, hints[i], w)
			}
		}
		if tt.first != "" && e.FirstError() != tt.first {
			t.Errorf("FirstError() = %q, want %q", e.FirstError(), tt.first)
		}
	}
}
