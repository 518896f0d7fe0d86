package cfn

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestYAMLErrorAtTheBadLine breaks the indentation of one line of a step's
// template: the message names that line, not the line of the block around
// it that gopkg.in/yaml.v3 reports.
func TestYAMLErrorAtTheBadLine(t *testing.T) {
	data, err := os.ReadFile("../../solutions/01-hello-api/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	tests := []struct {
		name     string
		old, new string
	}{
		{"one space less", "      Handler: bootstrap", "     Handler: bootstrap"},
		{"one space more", "      Handler: bootstrap", "       Handler: bootstrap"},
		{"a key without its colon", "      Handler: bootstrap", "      Handler bootstrap"},
		{"a tab", "      Handler: bootstrap", "\tHandler: bootstrap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := 0
			for i, l := range lines {
				if l == tt.old {
					want = i + 1
				}
			}
			if want == 0 {
				t.Fatalf("the template has no line %q: update this test", tt.old)
			}
			broken := strings.Replace(string(data), tt.old, tt.new, 1)
			_, err := Parse("template.yaml", []byte(broken))
			if err == nil {
				t.Fatalf("%s parses", tt.name)
			}
			prefix := "template.yaml:" + itoa(want) + ": not valid YAML"
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("the error does not start with %q:\n%v", prefix, err)
			}
			t.Log(err)
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
