package dynamo

import (
	"fmt"
	"regexp"
	"strings"
)

// minidyn's parser reports syntax errors in its own words; DynamoDB names the
// expression, the token it stopped at and the tokens around it. syntaxError finds
// that token with a small operand/operator automaton, enough for the usual
// mistakes (a missing or doubled operator, a missing =).

var exprToken = regexp.MustCompile(`#?[A-Za-z_][A-Za-z0-9_]*(?:\.#?[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*|:[A-Za-z0-9_]+|\d+|<>|<=|>=|[=<>(),+\-]|\S`)

var exprFields = []string{"KeyConditionExpression", "ConditionExpression", "UpdateExpression", "FilterExpression", "ProjectionExpression"}

// syntaxError rewrites minidyn's syntax error for the request in.
func syntaxError(in obj, detail string) *apiError {
	first := ""
	for _, f := range exprFields {
		e, ok := in[f].(string)
		if !ok {
			continue
		}
		if first == "" {
			first = f
		}
		if tok, near, ok := badToken(e, f == "UpdateExpression"); ok {
			return invalid("Invalid %s: Syntax error; token: %q, near: %q", f, tok, near)
		}
	}
	if first == "" {
		return invalid("%s", detail)
	}
	return invalid("Invalid %s: Syntax error; %s", first, strings.TrimPrefix(detail, "Syntax error: "))
}

func badToken(expr string, update bool) (tok, near string, found bool) {
	locs := exprToken.FindAllStringIndex(expr, -1)
	word := func(i int) string { return expr[locs[i][0]:locs[i][1]] }
	nearOf := func(i int) string {
		from, to := locs[max(i-1, 0)][0], locs[i][1]
		if i+1 < len(locs) {
			to = locs[i+1][1]
		}
		return expr[from:to]
	}
	wantOperand, pairPending := true, false
	for i := range locs {
		w := word(i)
		upper := strings.ToUpper(w)
		isFunc := i+1 < len(locs) && word(i+1) == "(" && funcArity[w] > 0
		switch {
		case update && (upper == "SET" || upper == "REMOVE" || upper == "ADD" || upper == "DELETE"):
			if !wantOperand && pairPending {
				return w, nearOf(i), true
			}
			wantOperand, pairPending = true, upper == "ADD" || upper == "DELETE"
			continue
		case upper == "NOT":
			if !wantOperand {
				return w, nearOf(i), true
			}
		case isFunc:
			if !wantOperand {
				return w, nearOf(i), true
			}
		case w == "(":
			if !wantOperand && !(i > 0 && funcArity[word(i-1)] > 0) {
				return w, nearOf(i), true
			}
			wantOperand = true
		case w == ")":
			if wantOperand {
				return w, nearOf(i), true
			}
		case w == ",":
			if wantOperand {
				return w, nearOf(i), true
			}
			wantOperand = true
		case upper == "AND" || upper == "OR" || upper == "BETWEEN" || upper == "IN" ||
			w == "=" || w == "<>" || w == "<" || w == "<=" || w == ">" || w == ">=" || w == "+" || w == "-":
			if wantOperand {
				return w, nearOf(i), true
			}
			wantOperand = true
		default: // an operand: a path, :value, #name
			if !wantOperand {
				if pairPending { // ADD path value, DELETE path value
					pairPending = false
					continue
				}
				return w, nearOf(i), true
			}
			wantOperand = false
		}
	}
	if wantOperand && len(locs) > 0 {
		return "<EOF>", fmt.Sprint(word(len(locs) - 1)), true
	}
	return "", "", false
}
