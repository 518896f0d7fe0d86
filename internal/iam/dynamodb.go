package iam

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// targetPrefix starts the X-Amz-Target of every DynamoDB operation.
const targetPrefix = "DynamoDB_20120810."

// Check is one authorization IAM makes for a request: an action on a resource.
type Check struct {
	Action   string // dynamodb:PutItem
	Resource string // an ARN, or "*"
}

// Request is what a DynamoDB request asks IAM for.
type Request struct {
	Operation string // the API operation, e.g. PutItem or TransactWriteItems
	// Action is the IAM action checked on every one of Resources. It is empty for
	// operations whose parts need different actions (TransactWriteItems,
	// TransactGetItems, BatchExecuteStatement, ExecuteTransaction): see Checks.
	Action    string
	Resources []string
	// Checks lists every authorization, in the order they are made: one per resource
	// for most operations, one per item for transactions, whose items are authorized
	// as their underlying action (a Put as dynamodb:PutItem, a ConditionCheck as
	// dynamodb:ConditionCheckItem, a Get as dynamodb:GetItem). The request is allowed
	// only if every check is.
	Checks []Check
}

// starOperations act on no particular resource: IAM checks them on "*".
var starOperations = []string{
	"ListTables", "ListBackups", "ListGlobalTables", "ListExports", "ListImports",
	"ListContributorInsights", "DescribeLimits", "DescribeEndpoints",
}

// indexOperations authorize the index ARN when the request names an IndexName.
var indexOperations = []string{"Query", "Scan", "DescribeContributorInsights", "UpdateContributorInsights"}

// requestBody holds the request fields that name resources.
type requestBody struct {
	TableName          string
	IndexName          string
	RequestItems       map[string]json.RawMessage
	TransactItems      []transactItem
	Statement          string
	Statements         []struct{ Statement string }
	TransactStatements []struct{ Statement string }
	// Operations on backups, exports, tags and resource policies name an ARN.
	TableArn, ResourceArn, BackupArn, ExportArn, ImportArn string
	GlobalTableName                                        string
	TableCreationParameters                                *struct{ TableName string }
}

type transactItem struct {
	Put, Update, Delete, ConditionCheck, Get *struct{ TableName string }
}

// ParseDynamoDB tells which IAM action(s) and resource(s) a DynamoDB request needs.
// target is its X-Amz-Target header (DynamoDB_20120810.PutItem), body its JSON body.
//
// Tables become arn:aws:dynamodb:REGION:ACCOUNT:table/NAME (a TableName that is
// already an ARN is kept), a Query or Scan with IndexName .../table/NAME/index/INDEX.
// BatchGetItem and BatchWriteItem check every table of RequestItems, in name order
// (the SDKs send them in map order, so the first denied table named is stable).
// ExecuteStatement (PartiQL) checks dynamodb:PartiQLSelect, PartiQLInsert,
// PartiQLUpdate or PartiQLDelete, from the statement's verb, on the table (or index)
// the statement names; an error is returned when the statement names none this
// simple reader can find.
func ParseDynamoDB(target string, body []byte, region, account string) (Request, error) {
	op, ok := strings.CutPrefix(target, targetPrefix)
	if !ok || op == "" {
		return Request{}, fmt.Errorf("X-Amz-Target %q is not a DynamoDB operation (%sOperation)", target, targetPrefix)
	}
	req := Request{Operation: op}
	var b requestBody
	if len(body) > 0 {
		if err := json.Unmarshal(body, &b); err != nil {
			return req, fmt.Errorf("%s: the body is not a DynamoDB JSON request: %w", op, err)
		}
	}
	arn := arns{region: region, account: account}
	same := func(action string, resources ...string) (Request, error) {
		req.Action = "dynamodb:" + action
		for _, r := range resources {
			if !slices.Contains(req.Resources, r) {
				req.Resources = append(req.Resources, r)
				req.Checks = append(req.Checks, Check{Action: req.Action, Resource: r})
			}
		}
		return req, nil
	}

	switch op {
	case "BatchGetItem", "BatchWriteItem":
		if len(b.RequestItems) == 0 {
			return req, fmt.Errorf("%s: RequestItems names no table", op)
		}
		names := slices.Sorted(maps.Keys(b.RequestItems))
		var tables []string
		for _, name := range names {
			tables = append(tables, arn.table(name))
		}
		return same(op, tables...)

	case "TransactWriteItems", "TransactGetItems":
		if len(b.TransactItems) == 0 {
			return req, fmt.Errorf("%s: TransactItems is empty", op)
		}
		for i, it := range b.TransactItems {
			action, table := it.action()
			if action == "" || table == "" {
				return req, fmt.Errorf("%s: TransactItems[%d] names no Put, Update, Delete, ConditionCheck or Get with a TableName", op, i)
			}
			req.add(Check{Action: "dynamodb:" + action, Resource: arn.table(table)})
		}
		return req, nil

	case "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction":
		stmts := []string{b.Statement}
		switch op {
		case "BatchExecuteStatement":
			stmts = stmts[:0]
			for _, s := range b.Statements {
				stmts = append(stmts, s.Statement)
			}
		case "ExecuteTransaction":
			stmts = stmts[:0]
			for _, s := range b.TransactStatements {
				stmts = append(stmts, s.Statement)
			}
		}
		if len(stmts) == 0 {
			return req, fmt.Errorf("%s: no statement", op)
		}
		for _, s := range stmts {
			st, err := parsePartiQL(s)
			if err != nil {
				return req, fmt.Errorf("%s: %w", op, err)
			}
			res := arn.table(st.table)
			if st.index != "" {
				res = arn.index(st.table, st.index)
			}
			req.add(Check{Action: "dynamodb:" + st.action, Resource: res})
		}
		if op == "ExecuteStatement" {
			req.Action, req.Resources = req.Checks[0].Action, []string{req.Checks[0].Resource}
		}
		return req, nil
	}

	switch {
	case slices.Contains(starOperations, op):
		return same(op, "*")
	case b.TableName != "" && b.IndexName != "" && slices.Contains(indexOperations, op):
		return same(op, arn.index(b.TableName, b.IndexName))
	case b.TableName != "":
		return same(op, arn.table(b.TableName))
	case b.TableCreationParameters != nil && b.TableCreationParameters.TableName != "":
		return same(op, arn.table(b.TableCreationParameters.TableName)) // ImportTable
	case b.GlobalTableName != "":
		// Global tables have no region in their ARN.
		return same(op, fmt.Sprintf("arn:aws:dynamodb::%s:global-table/%s", account, b.GlobalTableName))
	}
	for _, a := range []string{b.TableArn, b.ResourceArn, b.BackupArn, b.ExportArn, b.ImportArn} {
		if a != "" {
			return same(op, a)
		}
	}
	return req, fmt.Errorf("%s: the request names no table or resource ARN this offline check knows", op)
}

// add appends c unless the request already checks it.
func (r *Request) add(c Check) {
	if !slices.Contains(r.Checks, c) {
		r.Checks = append(r.Checks, c)
	}
}

func (it transactItem) action() (action, table string) {
	for _, c := range []struct {
		action string
		part   *struct{ TableName string }
	}{
		{"PutItem", it.Put}, {"UpdateItem", it.Update}, {"DeleteItem", it.Delete},
		{"ConditionCheckItem", it.ConditionCheck}, {"GetItem", it.Get},
	} {
		if c.part != nil {
			return c.action, c.part.TableName
		}
	}
	return "", ""
}

type arns struct{ region, account string }

func (a arns) table(name string) string {
	if strings.HasPrefix(name, "arn:") {
		return name // DynamoDB accepts a table ARN as TableName
	}
	return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", a.region, a.account, name)
}

func (a arns) index(table, index string) string { return a.table(table) + "/index/" + index }

// partiQL is what IAM needs from a PartiQL statement.
type partiQL struct {
	action, table, index string
}

// parsePartiQL finds the verb and the table (and index) of a DynamoDB PartiQL
// statement: SELECT ... FROM t[.index], INSERT INTO t, UPDATE t, DELETE FROM t, and
// EXISTS(SELECT ...) in transactions. Names may be "double quoted".
func parsePartiQL(stmt string) (partiQL, error) {
	toks, err := tokenize(stmt)
	if err != nil {
		return partiQL{}, fmt.Errorf("PartiQL statement %q: %w", stmt, err)
	}
	fail := func(why string) (partiQL, error) {
		return partiQL{}, fmt.Errorf("PartiQL statement %q: %s", stmt, why)
	}
	// EXISTS(SELECT ...) is a condition check in ExecuteTransaction.
	if len(toks) > 2 && toks[0].isWord("EXISTS") && toks[1].text == "(" {
		toks = toks[2:]
	}
	if len(toks) == 0 || toks[0].kind != word {
		return fail("it does not start with SELECT, INSERT, UPDATE or DELETE")
	}
	var p partiQL
	var rest []token
	switch strings.ToUpper(toks[0].text) {
	case "SELECT":
		p.action = "PartiQLSelect"
		i := slices.IndexFunc(toks, func(t token) bool { return t.isWord("FROM") })
		if i < 0 {
			return fail("SELECT without FROM")
		}
		rest = toks[i+1:]
	case "INSERT":
		p.action = "PartiQLInsert"
		if len(toks) < 2 || !toks[1].isWord("INTO") {
			return fail("INSERT without INTO")
		}
		rest = toks[2:]
	case "UPDATE":
		p.action = "PartiQLUpdate"
		rest = toks[1:]
	case "DELETE":
		p.action = "PartiQLDelete"
		if len(toks) < 2 || !toks[1].isWord("FROM") {
			return fail("DELETE without FROM")
		}
		rest = toks[2:]
	default:
		return fail("it does not start with SELECT, INSERT, UPDATE or DELETE")
	}
	if len(rest) == 0 || (rest[0].kind != word && rest[0].kind != quoted) {
		return fail("no table name after " + strings.ToUpper(toks[0].text))
	}
	p.table = rest[0].text
	if p.action == "PartiQLSelect" && len(rest) >= 3 && rest[1].text == "." && (rest[2].kind == word || rest[2].kind == quoted) {
		p.index = rest[2].text
	}
	return p, nil
}

type tokenKind int

const (
	word    tokenKind = iota // an unquoted identifier or keyword
	quoted                   // a "double quoted" name
	literal                  // a 'single quoted' string
	punct                    // any other character
)

type token struct {
	kind tokenKind
	text string
}

func (t token) isWord(w string) bool { return t.kind == word && strings.EqualFold(t.text, w) }

// tokenize splits a PartiQL statement into the tokens parsePartiQL needs.
func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'':
			// A doubled quote inside stands for one quote.
			var sb strings.Builder
			j := i + 1
			for {
				if j >= len(s) {
					return nil, fmt.Errorf("a %c quote is not closed", c)
				}
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						sb.WriteByte(c)
						j += 2
						continue
					}
					break
				}
				sb.WriteByte(s[j])
				j++
			}
			kind := quoted
			if c == '\'' {
				kind = literal
			}
			toks = append(toks, token{kind, sb.String()})
			i = j + 1
		case isIdentChar(c):
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			toks = append(toks, token{word, s[i:j]})
			i = j
		default:
			toks = append(toks, token{punct, string(c)})
			i++
		}
	}
	return toks, nil
}

func isIdentChar(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}
