package sam

import (
	"fmt"
	"io"
	"strings"
)

//go:generate go test -run TestLocalVsAWSDoc -update

// DocFile is the support table as Markdown, relative to the repository root.
const DocFile = "docs/local-vs-aws.md"

// WriteDoc writes docs/local-vs-aws.md from SupportTable: one Markdown table
// per section, in the table's order.
func WriteDoc(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`# Local stack vs AWS: what is emulated, refused or only warned

<!-- Generated from internal/sam/support.go (SupportTable); do not edit.
     Regenerate with: go generate ./internal/sam -->

The local stack never ignores a template property or a limit silently. Each one is
**emulated** as AWS does, **refused** at start (the message names the file and line, the
resource and the property, and what AWS would do), or **warned** once at start where the
difference cannot change an answer. A property, event type or intrinsic function this
table does not list is refused by name. Limits the local stack does not enforce yet are
listed as **not emulated yet**.

` + "`go run ./scripts/workshop run STEP`" + ` says on its first line what it refuses or warns
about in the step's template.

`)
	section := ""
	for _, r := range SupportTable {
		if r.Section != section {
			section = r.Section
			fmt.Fprintf(&b, "\n## %s\n\n| %s | local stack | how, and where it differs from AWS |\n| --- | --- | --- |\n", heading(section), column(section))
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", code(r.Name), r.Support, strings.ReplaceAll(r.Note, "|", `\|`))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func heading(section string) string {
	if strings.HasPrefix(section, "AWS::") {
		return "`" + section + "` properties"
	}
	return strings.ToUpper(section[:1]) + section[1:] + "s"
}

func column(section string) string {
	switch {
	case strings.HasPrefix(section, "AWS::"), strings.HasSuffix(section, "property"):
		return "property"
	case strings.HasSuffix(section, "limit"):
		return "limit"
	}
	return "name"
}

// code sets names in code font; limits and "other types" are prose.
func code(name string) string {
	if strings.ContainsAny(name, " ") {
		return name
	}
	return "`" + name + "`"
}
