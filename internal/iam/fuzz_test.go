package iam

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const tableA = "arn:aws:dynamodb:us-east-1:123456789012:table/TableA"

// FuzzProxy keeps the proxy's promise: whatever the body and the target, a
// request it forwards names only resources the role allows, read the way
// minidyn reads it (Go: member names case-insensitively) and the way DynamoDB
// Local reads it (Java: exactly), and with no key twice, so no other decoder can
// pick another value. The role allows everything on TableA, nothing else.
func FuzzProxy(f *testing.F) {
	for _, seed := range []struct{ op, body string }{
		// The bypasses reported: fields the old decoder choked on, and case variants.
		{"PutItem", `{"TableName":"TableB","IndexName":5,"Item":{"id":{"S":"x"}}}`},
		{"PutItem", `{"TableName":"TableB","TableArn":5,"Item":{"id":{"S":"x"}}}`},
		{"DeleteTable", `{"TableName":"TableB","IndexName":5}`},
		{"DeleteTable", `{"TableName":"TableB","TableArn":5}`},
		{"PutItem", `{"TableName":"TableB","tablename":"TableA","Item":{"id":{"S":"x"}}}`},
		{"PutItem", `{"tablename":"TableB","TableName":"TableA"}`},
		{"PutItem", `{"TableName":"TableB","TableName":"TableA"}`},
		{"PutItem", `{"TableName":"TableA","TableName":"TableB"}`},
		{"PutItem", `{"TableName":"TableA","TABLENAME":"TableB"}`},
		{"PutItem", `{"TableName":"TableA","Table\u004eame":"TableB"}`},
		{"PutItem", "{\"TableName\":\"TableA\",\"\u212aey\":{},\"Tableſame\":\"TableB\"}"},
		{"Query", `{"TableName":"TableA","IndexName":"I","indexname":"J"}`},
		{"Query", `{"TableName":"TableA","tableName":"TableB","IndexName":"I"}`},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"TableA","tablename":"TableB"}}]}`},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"TableA"},"put":{"TableName":"TableB"}}]}`},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"TableA"},"Delete":{"TableName":"TableB"}}]}`},
		{"TransactWriteItems", `{"transactitems":[{"Put":{"TableName":"TableB"}}],"TransactItems":[{"Put":{"TableName":"TableA"}}]}`},
		{"TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"TableA"}},{"get":{"TableName":"TableB"}}]}`},
		{"BatchWriteItem", `{"RequestItems":{"TableA":[]},"requestitems":{"TableB":[]}}`},
		{"BatchWriteItem", `{"RequestItems":{"TableA":[],"TableB":[]}}`},
		{"BatchGetItem", `{"RequestItems":{"TableA":{"Keys":[]}},"RequestItems":{"TableB":{"Keys":[]}}}`},
		{"ExecuteStatement", `{"Statement":"SELECT * FROM TableA","statement":"DELETE FROM TableB"}`},
		{"BatchExecuteStatement", `{"Statements":[{"Statement":"SELECT * FROM TableA","STATEMENT":"SELECT * FROM TableB"}]}`},
		{"ExecuteTransaction", `{"TransactStatements":[{"Statement":"EXISTS(SELECT * FROM TableA)"}]}`},
		{"ImportTable", `{"TableCreationParameters":{"TableName":"TableA","tablename":"TableB"}}`},
		{"RestoreTableToPointInTime", `{"SourceTableName":"TableA","TargetTableName":"TableB"}`},
		{"TagResource", `{"ResourceArn":"` + tableA + `","resourcearn":"arn:aws:dynamodb:us-east-1:123456789012:table/TableB"}`},
		{"PutItem", `{"TableName":"arn:aws:dynamodb:eu-west-1:123456789012:table/TableB"}`},
		{"PutItem", `{"TableName":"` + tableA + `"}`},
		{"ListTables", `{}`},
		{"Bogus", `{"TableName":"TableB"}`},
		{"PutItem", `{bad`},
		{"PutItem", `{"TableName":"TableA"} {"TableName":"TableB"}`},
	} {
		f.Add(targetPrefix+seed.op, []byte(seed.body))
	}

	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		target := r.Header.Get("X-Amz-Target")
		for _, name := range forwardedResources(body) {
			if !allowedForA(name) {
				// t is not available here: report through the answer.
				w.WriteHeader(599)
				io.WriteString(w, target+" "+string(body)+" names "+name)
				return
			}
		}
		if dup := duplicateKey(body); dup != "" {
			w.WriteHeader(599)
			io.WriteString(w, target+" "+string(body)+" has the key "+dup+" twice")
			return
		}
		io.WriteString(w, `{}`)
	}))
	defer backend.Close()
	p, err := NewProxy(backend.URL, region, account, nil)
	if err != nil {
		f.Fatal(err)
	}
	p.Register("keyA", Identity{Role: &Role{Name: "A", Policies: []Policy{
		mustPolicy(f, "inline policy TableA", `{Statement: [{Effect: Allow, Action: "dynamodb:*", Resource: ["`+tableA+`", "`+tableA+`/*"]}]}`),
	}}, Function: "FA"})

	f.Fuzz(func(t *testing.T, target string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Authorization", authorization("keyA", region))
		r.Header.Set("X-Amz-Target", target)
		w := httptest.NewRecorder()
		p.ServeHTTP(w, r)
		if w.Code == 599 {
			t.Fatalf("forwarded a request for another resource: %s", w.Body.String())
		}
	})
}

// forwardedResources lists every table, index and ARN a body names, read both
// case-insensitively (Go's encoding/json, as minidyn) and exactly (as DynamoDB
// Local). An index is returned as TABLE/index/INDEX.
func forwardedResources(body []byte) []string {
	type named struct{ TableName string }
	type statement struct{ Statement string }
	var folded struct {
		TableName, IndexName, TargetTableName, SourceTableName string
		TableArn, SourceTableArn, ResourceArn, BackupArn       string
		ExportArn, ImportArn, BulkOperationArn                 string
		GlobalTableName                                        string
		RequestItems                                           map[string]json.RawMessage
		TransactItems                                          []struct{ Put, Update, Delete, ConditionCheck, Get *named }
		TableCreationParameters                                *named
		Statement                                              string
		Statements, TransactStatements                         []statement
	}
	// A type error stops no decoding of the other members: read what decodes.
	_ = json.Unmarshal(body, &folded)
	names := []string{folded.TableName, folded.TargetTableName, folded.SourceTableName, folded.TableArn, folded.SourceTableArn,
		folded.ResourceArn, folded.BackupArn, folded.ExportArn, folded.ImportArn, folded.BulkOperationArn}
	if folded.IndexName != "" {
		names = append(names, folded.TableName+"/index/"+folded.IndexName)
	}
	if folded.GlobalTableName != "" {
		names = append(names, "global-table/"+folded.GlobalTableName)
	}
	for k := range folded.RequestItems {
		names = append(names, k)
	}
	for _, it := range folded.TransactItems {
		for _, p := range []*named{it.Put, it.Update, it.Delete, it.ConditionCheck, it.Get} {
			if p != nil {
				names = append(names, p.TableName)
			}
		}
	}
	if folded.TableCreationParameters != nil {
		names = append(names, folded.TableCreationParameters.TableName)
	}
	stmts := []string{folded.Statement}
	for _, s := range append(folded.Statements, folded.TransactStatements...) {
		stmts = append(stmts, s.Statement)
	}

	var exact map[string]any
	_ = json.Unmarshal(body, &exact)
	str := func(m any, key string) string {
		obj, _ := m.(map[string]any)
		s, _ := obj[key].(string)
		return s
	}
	for _, k := range []string{"TableName", "TargetTableName", "SourceTableName", "TableArn", "SourceTableArn", "ResourceArn",
		"BackupArn", "ExportArn", "ImportArn", "BulkOperationArn"} {
		names = append(names, str(exact, k))
	}
	if idx := str(exact, "IndexName"); idx != "" {
		names = append(names, str(exact, "TableName")+"/index/"+idx)
	}
	if g := str(exact, "GlobalTableName"); g != "" {
		names = append(names, "global-table/"+g)
	}
	if items, ok := exact["RequestItems"].(map[string]any); ok {
		for k := range items {
			names = append(names, k)
		}
	}
	items, _ := exact["TransactItems"].([]any)
	for _, it := range items {
		obj, _ := it.(map[string]any)
		for _, part := range []string{"Put", "Update", "Delete", "ConditionCheck", "Get"} {
			if p, ok := obj[part]; ok {
				names = append(names, str(p, "TableName"))
			}
		}
	}
	names = append(names, str(exact["TableCreationParameters"], "TableName"))
	stmts = append(stmts, str(exact, "Statement"))
	for _, list := range []string{"Statements", "TransactStatements"} {
		l, _ := exact[list].([]any)
		for _, s := range l {
			stmts = append(stmts, str(s, "Statement"))
		}
	}
	for _, s := range stmts {
		if s == "" {
			continue
		}
		st, err := parsePartiQL(s)
		if err != nil {
			names = append(names, "unreadable statement "+s)
			continue
		}
		names = append(names, st.table)
	}

	var out []string
	for _, n := range names {
		if n != "" {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		out = append(out, "nothing") // the role allows no request on "*"
	}
	return out
}

// allowedForA says whether name is TableA, by name or ARN, or under it (an index,
// a backup, an export).
func allowedForA(name string) bool {
	for _, a := range []string{"TableA", tableA} {
		if name == a || strings.HasPrefix(name, a+"/") {
			return true
		}
	}
	return false
}

// duplicateKey returns a key some object of body holds twice, "" when none does.
func duplicateKey(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []map[string]bool // keys seen, per open object (nil for arrays)
	expectKey := func() bool {
		return len(stack) > 0 && stack[len(stack)-1] != nil
	}
	afterKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, map[string]bool{})
			case '[':
				stack = append(stack, nil)
			default:
				stack = stack[:len(stack)-1]
			}
			afterKey = false
			continue
		case string:
			if expectKey() && !afterKey {
				seen := stack[len(stack)-1]
				if seen[t] {
					return t
				}
				seen[t] = true
				afterKey = true
				continue
			}
		}
		afterKey = false
	}
}
