package cfn

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// yamlLine is the position gopkg.in/yaml.v3 gives an error: often the line
// where the enclosing block starts, not the line that is wrong.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError words a YAML syntax error at the line that breaks the document:
// the last line whose addition turns a prefix that parses into one that does
// not (a block left open, such as a flow list over several lines, parses
// again once closed, so it is not taken for the culprit).
func yamlError(name string, data []byte, err error) error {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return fmt.Errorf("%s: not valid YAML: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	reported, _ := strconv.Atoi(m[1])
	line := badLine(data)
	if line == 0 || line == reported {
		return fmt.Errorf("%s:%d: not valid YAML: line %d: %s (check the indentation of that line against the lines above)", name, reported, reported, m[2])
	}
	return fmt.Errorf("%s:%d: not valid YAML: line %d breaks the block that starts at line %d (%s): check the indentation of line %d against the lines above it",
		name, line, line, reported, m[2], line)
}

// maxScanLines bounds the re-scan: a template has a few hundred lines.
const maxScanLines = 5000

// badLine returns the 1-based line found as yamlError says, or 0.
func badLine(data []byte) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > maxScanLines {
		return 0
	}
	found, prevOK := 0, true
	for k := 1; k <= len(lines); k++ {
		var n yaml.Node
		ok := yaml.Unmarshal(bytes.Join(lines[:k], nil), &n) == nil
		if prevOK && !ok {
			found = k
		}
		prevOK = ok
	}
	if prevOK {
		return 0 // the whole document parses: nothing to find
	}
	return found
}
