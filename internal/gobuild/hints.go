package gobuild

import (
	"regexp"
	"strings"
)

// compilerHint explains one kind of Go compiler error to someone new to Go,
// as exercism's Go track does: what the compiler means and the usual fix.
type compilerHint struct {
	re   *regexp.Regexp
	hint string // $1 is the regexp's first group
}

var compilerHints = []compilerHint{
	{regexp.MustCompile(`function main is undeclared in the main package|undefined: main$`),
		"a Go Lambda function is a package main with func main() { lambda.Start(handler) }: main.go must declare it (sam build links bootstrap from it; step_test.go calls it to run your function)."},
	{regexp.MustCompile(`undefined: (\S+)`),
		"nothing named $1 is declared where it is used: check its spelling and case (json.Marshal, not jsonMarshal or json.marshal), declare it, or import its package."},
	{regexp.MustCompile(`"([^"]+)" imported and not used`),
		`Go refuses an import the file does not use: remove "$1" from the imports, or use it.`},
	{regexp.MustCompile(`declared and not used: (\w+)|(\w+) declared (?:and|but) not used`),
		"Go refuses a local variable that is never read: use $1, or write _ in place of its name (_, err := ...)."},
	{regexp.MustCompile(`missing return`),
		"a function with results must return on every path: add a return with values of its result types at the end (return events.APIGatewayProxyResponse{...}, nil)."},
	{regexp.MustCompile(`(?:not enough|too many) return values`),
		"return gives one value per result of the function, in order: a handler returns (events.APIGatewayProxyResponse, error)."},
	{regexp.MustCompile(`assignment mismatch`),
		"the left side names one variable per value the call returns: body, err := json.Marshal(v) (two values)."},
	{regexp.MustCompile(`cannot use .* as .* value|mismatched types|cannot convert|invalid operation`),
		"the types differ: convert the value (string(body) for a []byte, aws.String(s) for a *string) or change the declared type."},
}

// FirstError is the compiler's first error line: "steps/01-hello-api/main.go:25:15: undefined: jsonMarshal".
func (e *CompileError) FirstError() string {
	for line := range strings.Lines(e.Output) {
		if fileRef.MatchString(line) {
			return strings.TrimSpace(line)
		}
	}
	first, _, _ := strings.Cut(strings.TrimSpace(e.Output), "\n")
	return first
}

// Hints returns one line per kind of error in the compiler's output, in the
// order they first appear, each starting "hint: ".
func (e *CompileError) Hints() []string {
	var out []string
	seen := map[int]bool{}
	for line := range strings.Lines(e.Output) {
		for i, h := range compilerHints {
			m := h.re.FindStringSubmatch(line)
			if m == nil || seen[i] {
				continue
			}
			seen[i] = true
			name := ""
			for _, g := range m[1:] {
				if g != "" {
					name = g
					break
				}
			}
			out = append(out, "hint: "+strings.ReplaceAll(h.hint, "$1", name))
			break
		}
	}
	return out
}
