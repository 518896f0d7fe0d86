package iam

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
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
	// Body is the request as it was read, in canonical JSON: what the proxy
	// forwards, so that the backend reads the resources that were authorized.
	Body []byte
	// Elsewhere is a resource ARN of another region or account, which the local
	// stack does not have (DynamoDB answers ResourceNotFoundException once IAM
	// allows it); "" when every resource is local.
	Elsewhere string
}

// starOperations act on no particular resource: IAM checks them on "*".
var starOperations = []string{
	"ListTables", "ListBackups", "ListGlobalTables", "ListExports", "ListImports",
	"ListContributorInsights", "ListBulkOperations", "DescribeLimits", "DescribeEndpoints",
}

// indexOperations authorize the index ARN when the request names an IndexName.
var indexOperations = []string{"Query", "Scan", "SearchVectors", "DescribeContributorInsights", "UpdateContributorInsights"}

// tableMembers name a table; arnMembers a resource by its ARN. Every one a
// request holds is authorized (a restore names its source and its target).
var (
	tableMembers = []string{"TableName", "TargetTableName", "SourceTableName"}
	arnMembers   = []string{"TableArn", "SourceTableArn", "ResourceArn", "BackupArn", "ExportArn", "ImportArn", "BulkOperationArn"}
)

// transactParts are the members of a TransactItems element, with the action each
// is authorized as.
var transactParts = []struct{ member, action string }{
	{"Put", "PutItem"}, {"Update", "UpdateItem"}, {"Delete", "DeleteItem"},
	{"ConditionCheck", "ConditionCheckItem"}, {"Get", "GetItem"},
}

// ParseDynamoDB reads a DynamoDB request as DynamoDB does and tells which IAM
// action(s) and resource(s) it needs. target is its X-Amz-Target header
// (DynamoDB_20120810.PutItem), body its JSON body. A request DynamoDB would refuse
// before IAM is asked (unknown operation, body that does not decode, no table)
// returns a *RequestError with DynamoDB's answer.
//
// Tables become arn:aws:dynamodb:REGION:ACCOUNT:table/NAME (a TableName that is
// already an ARN is kept), a Query or Scan with IndexName .../table/NAME/index/INDEX.
// BatchGetItem and BatchWriteItem check every table of RequestItems, in name order
// (the SDKs send them in map order, so the first denied table named is stable).
// ExecuteStatement (PartiQL) checks dynamodb:PartiQLSelect, PartiQLInsert,
// PartiQLUpdate or PartiQLDelete, from the statement's verb, on the table (or index)
// the statement names; a statement this simple reader cannot find a table in is
// refused.
func ParseDynamoDB(target string, body []byte, region, account string) (Request, error) {
	// DynamoDB reads the body before the operation (dynalite's order, from AWS).
	in, err := decodeBody(body)
	if err != nil {
		return Request{}, err
	}
	op, ok := strings.CutPrefix(target, targetPrefix)
	shape := operations[op]
	if !ok || shape == nil {
		return Request{}, &RequestError{Status: http.StatusBadRequest, Type: "com.amazon.coral.service#UnknownOperationException",
			Why: fmt.Sprintf("X-Amz-Target %q is not a DynamoDB operation (%sOperation, with the operation's exact name)", target, targetPrefix)}
	}
	req := Request{Operation: op}
	if in, err = canonical(in, shape, "", false); err != nil {
		var re *RequestError
		if errors.As(err, &re) {
			re.Why = op + ": " + re.Why
		}
		return req, err
	}
	var b bytes.Buffer
	in.encode(&b)
	req.Body = b.Bytes()

	arn := arns{region: region, account: account}
	same := func(action string, resources ...string) (Request, error) {
		req.Action = "dynamodb:" + action
		for _, r := range resources {
			if !slices.Contains(req.Resources, r) {
				req.Resources = append(req.Resources, r)
				req.Checks = append(req.Checks, Check{Action: req.Action, Resource: r})
			}
		}
		req.Elsewhere = arn.elsewhere(req.Checks)
		return req, nil
	}

	switch op {
	case "BatchGetItem", "BatchWriteItem":
		items := in.get("RequestItems")
		if items == nil {
			return req, missing(op, "RequestItems")
		}
		if len(items.members) == 0 {
			return req, validationError(op+": RequestItems names no table",
				"1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
		}
		var names []string
		for _, m := range items.members {
			names = append(names, m.key)
		}
		slices.Sort(names)
		var tables []string
		for _, name := range names {
			tables = append(tables, arn.table(name))
		}
		return same(op, tables...)

	case "TransactWriteItems", "TransactGetItems":
		items := in.get("TransactItems")
		if items == nil || len(items.elems) == 0 {
			return req, missing(op, "TransactItems")
		}
		for i, it := range items.elems {
			var found []string
			for _, p := range transactParts {
				part := it.get(p.member)
				if part == nil {
					continue
				}
				found = append(found, p.member)
				table, ok := part.str("TableName")
				if !ok {
					return req, validationError(fmt.Sprintf("%s: TransactItems[%d].%s names no TableName", op, i, p.member),
						"1 validation error detected: Value null at 'transactItems."+fmt.Sprint(i+1)+".member."+lowerFirst(p.member)+".tableName' failed to satisfy constraint: Member must not be null")
				}
				req.add(Check{Action: "dynamodb:" + p.action, Resource: arn.table(table)})
			}
			if len(found) != 1 {
				return req, validationError(fmt.Sprintf("%s: TransactItems[%d] holds %d of Put, Update, Delete, ConditionCheck and Get, not one", op, i, len(found)),
					"TransactItems can only contain one of Check, Put, Update or Delete")
			}
		}
		req.Elsewhere = arn.elsewhere(req.Checks)
		return req, nil

	case "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction":
		var stmts []string
		list := map[string]string{"BatchExecuteStatement": "Statements", "ExecuteTransaction": "TransactStatements"}[op]
		if list == "" {
			s, ok := in.str("Statement")
			if !ok {
				return req, missing(op, "Statement")
			}
			stmts = append(stmts, s)
		} else {
			l := in.get(list)
			if l == nil || len(l.elems) == 0 {
				return req, missing(op, list)
			}
			for i, e := range l.elems {
				s, ok := e.str("Statement")
				if !ok {
					return req, validationError(fmt.Sprintf("%s: %s[%d] has no Statement", op, list, i),
						"1 validation error detected: Value null at '"+lowerFirst(list)+"."+fmt.Sprint(i+1)+".member.statement' failed to satisfy constraint: Member must not be null")
				}
				stmts = append(stmts, s)
			}
		}
		for _, s := range stmts {
			st, err := parsePartiQL(s)
			if err != nil {
				return req, validationError(op+": "+err.Error(), "Statement wasn't well formed, can't be processed: "+err.Error())
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

	if slices.Contains(starOperations, op) {
		return same(op, "*")
	}
	var resources []string
	for _, m := range tableMembers {
		if name, ok := in.str(m); ok {
			if idx, ok := in.str("IndexName"); ok && m == "TableName" && slices.Contains(indexOperations, op) {
				resources = append(resources, arn.index(name, idx))
			} else {
				resources = append(resources, arn.table(name))
			}
		}
	}
	if name, ok := in.get("TableCreationParameters").str("TableName"); ok {
		resources = append(resources, arn.table(name)) // ImportTable
	}
	if name, ok := in.str("GlobalTableName"); ok {
		// Global tables have no region in their ARN.
		resources = append(resources, fmt.Sprintf("arn:aws:dynamodb::%s:global-table/%s", account, name))
	}
	for _, m := range arnMembers {
		if a, ok := in.str(m); ok {
			resources = append(resources, a)
		}
	}
	if len(resources) == 0 {
		// Name the member DynamoDB would miss first.
		for _, m := range slices.Concat(tableMembers, []string{"TableCreationParameters", "GlobalTableName"}, arnMembers) {
			if shape.Member(m) != nil {
				return req, missing(op, m)
			}
		}
		return req, validationError(op+" names no resource this offline check knows", "")
	}
	return same(op, resources...)
}

// add appends c unless the request already checks it.
func (r *Request) add(c Check) {
	if !slices.Contains(r.Checks, c) {
		r.Checks = append(r.Checks, c)
	}
}

type arns struct{ region, account string }

func (a arns) table(name string) string {
	if strings.HasPrefix(name, "arn:") {
		return name // DynamoDB accepts a table ARN as TableName
	}
	return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", a.region, a.account, name)
}

func (a arns) index(table, index string) string { return a.table(table) + "/index/" + index }

// elsewhere returns the first resource not in this region and account. DynamoDB
// Local serves a table ARN of any region or account from its own tables, so such
// a request must not reach it: a policy may allow another region's tables.
func (a arns) elsewhere(checks []Check) string {
	for _, c := range checks {
		r := c.Resource
		if r == "*" || strings.HasPrefix(r, "arn:aws:dynamodb:"+a.region+":"+a.account+":") ||
			strings.HasPrefix(r, "arn:aws:dynamodb::"+a.account+":global-table/") {
			continue
		}
		return r
	}
	return ""
}

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
