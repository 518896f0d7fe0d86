package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas"
	smithy "github.com/aws/smithy-go"
)

// The proxy reads a request as DynamoDB does and forwards what it read, not the
// bytes it got: the backends decode JSON differently (minidyn, in Go, matches
// member names case-insensitively; DynamoDB Local, in Java, exactly; duplicate
// keys are resolved by each), so a body the proxy authorized on one table could
// otherwise name another table to the backend.
//
// DynamoDB's reading, as AWS answers (and as dynalite, tested against AWS,
// documents): the body is one JSON object; member names match exactly and unknown
// ones are ignored; a duplicate key's last value wins (as DynamoDB Local does);
// null is an absent member; a value of the wrong JSON type is a
// SerializationException. The canonical body keeps only the members of the
// operation's input shape (from the SDK's Smithy schemas), each once.

// operations maps every DynamoDB operation to its input shape.
var operations = map[string]*smithy.Schema{
	"BatchExecuteStatement":               schemas.BatchExecuteStatementInput,
	"BatchGetItem":                        schemas.BatchGetItemInput,
	"BatchWriteItem":                      schemas.BatchWriteItemInput,
	"CancelBulkOperation":                 schemas.CancelBulkOperationInput,
	"CreateBackup":                        schemas.CreateBackupInput,
	"CreateGlobalTable":                   schemas.CreateGlobalTableInput,
	"CreateTable":                         schemas.CreateTableInput,
	"DeleteBackup":                        schemas.DeleteBackupInput,
	"DeleteItem":                          schemas.DeleteItemInput,
	"DeleteResourcePolicy":                schemas.DeleteResourcePolicyInput,
	"DeleteTable":                         schemas.DeleteTableInput,
	"DescribeBackup":                      schemas.DescribeBackupInput,
	"DescribeBulkOperation":               schemas.DescribeBulkOperationInput,
	"DescribeContinuousBackups":           schemas.DescribeContinuousBackupsInput,
	"DescribeContributorInsights":         schemas.DescribeContributorInsightsInput,
	"DescribeEndpoints":                   schemas.DescribeEndpointsRequest,
	"DescribeExport":                      schemas.DescribeExportInput,
	"DescribeGlobalTable":                 schemas.DescribeGlobalTableInput,
	"DescribeGlobalTableSettings":         schemas.DescribeGlobalTableSettingsInput,
	"DescribeImport":                      schemas.DescribeImportInput,
	"DescribeKinesisStreamingDestination": schemas.DescribeKinesisStreamingDestinationInput,
	"DescribeLimits":                      schemas.DescribeLimitsInput,
	"DescribeTable":                       schemas.DescribeTableInput,
	"DescribeTableReplicaAutoScaling":     schemas.DescribeTableReplicaAutoScalingInput,
	"DescribeTimeToLive":                  schemas.DescribeTimeToLiveInput,
	"DisableKinesisStreamingDestination":  schemas.KinesisStreamingDestinationInput,
	"EnableKinesisStreamingDestination":   schemas.KinesisStreamingDestinationInput,
	"ExecuteStatement":                    schemas.ExecuteStatementInput,
	"ExecuteTransaction":                  schemas.ExecuteTransactionInput,
	"ExportTableToPointInTime":            schemas.ExportTableToPointInTimeInput,
	"GetItem":                             schemas.GetItemInput,
	"GetResourcePolicy":                   schemas.GetResourcePolicyInput,
	"ImportTable":                         schemas.ImportTableInput,
	"ListBackups":                         schemas.ListBackupsInput,
	"ListBulkOperations":                  schemas.ListBulkOperationsInput,
	"ListContributorInsights":             schemas.ListContributorInsightsInput,
	"ListExports":                         schemas.ListExportsInput,
	"ListGlobalTables":                    schemas.ListGlobalTablesInput,
	"ListImports":                         schemas.ListImportsInput,
	"ListTables":                          schemas.ListTablesInput,
	"ListTagsOfResource":                  schemas.ListTagsOfResourceInput,
	"PutItem":                             schemas.PutItemInput,
	"PutResourcePolicy":                   schemas.PutResourcePolicyInput,
	"Query":                               schemas.QueryInput,
	"RestoreTableFromBackup":              schemas.RestoreTableFromBackupInput,
	"RestoreTableToPointInTime":           schemas.RestoreTableToPointInTimeInput,
	"Scan":                                schemas.ScanInput,
	"SearchVectors":                       schemas.SearchVectorsInput,
	"StartBulkPutItems":                   schemas.StartBulkPutItemsInput,
	"TagResource":                         schemas.TagResourceInput,
	"TransactGetItems":                    schemas.TransactGetItemsInput,
	"TransactWriteItems":                  schemas.TransactWriteItemsInput,
	"UntagResource":                       schemas.UntagResourceInput,
	"UpdateContinuousBackups":             schemas.UpdateContinuousBackupsInput,
	"UpdateContributorInsights":           schemas.UpdateContributorInsightsInput,
	"UpdateGlobalTable":                   schemas.UpdateGlobalTableInput,
	"UpdateGlobalTableSettings":           schemas.UpdateGlobalTableSettingsInput,
	"UpdateItem":                          schemas.UpdateItemInput,
	"UpdateKinesisStreamingDestination":   schemas.UpdateKinesisStreamingDestinationInput,
	"UpdateTable":                         schemas.UpdateTableInput,
	"UpdateTableReplicaAutoScaling":       schemas.UpdateTableReplicaAutoScalingInput,
	"UpdateTimeToLive":                    schemas.UpdateTimeToLiveInput,
}

// RequestError is a request the proxy refuses before authorizing it, with the
// answer DynamoDB gives to such a request.
type RequestError struct {
	Status  int
	Type    string // __type, e.g. com.amazon.coral.service#SerializationException
	Key     string // "Message" or "message", as DynamoDB spells it for Type
	Message string // "" when DynamoDB sends none
	Why     string // for the log: what in the request is wrong
}

func (e *RequestError) Error() string {
	name := e.Type[strings.LastIndex(e.Type, "#")+1:]
	if e.Message != "" {
		name += ": " + e.Message
	}
	return e.Why + " (" + name + ")"
}

func serializationError(why, msg string) error {
	return &RequestError{Status: http.StatusBadRequest, Type: "com.amazon.coral.service#SerializationException", Key: "Message", Message: msg, Why: why}
}

func validationError(why, msg string) error {
	return &RequestError{Status: http.StatusBadRequest, Type: "com.amazon.coral.validate#ValidationException", Key: "message", Message: msg, Why: why}
}

// missing is DynamoDB's answer to a request without a required member.
func missing(op, member string) error {
	return validationError(op+" names no "+member,
		"1 validation error detected: Value null at '"+lowerFirst(member)+"' failed to satisfy constraint: Member must not be null")
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// value is a decoded JSON value.
type value struct {
	kind    byte   // '{' object, '[' array, '"' string, '0' number, 't' true, 'f' false, 'n' null
	text    string // a string's value, a number's literal
	members []member
	elems   []*value
}

type member struct {
	key string
	val *value
}

// get returns an object's member, nil when absent or null.
func (v *value) get(key string) *value {
	if v == nil || v.kind != '{' {
		return nil
	}
	for _, m := range v.members {
		if m.key == key && m.val.kind != 'n' {
			return m.val
		}
	}
	return nil
}

// str returns an object's string member.
func (v *value) str(key string) (string, bool) {
	m := v.get(key)
	if m == nil || m.kind != '"' {
		return "", false
	}
	return m.text, true
}

// decodeBody reads a request body: one JSON object, valid UTF-8, nothing after it.
// A duplicate key keeps its last value.
func decodeBody(body []byte) (*value, error) {
	// An empty body, invalid JSON and a non-object are a SerializationException
	// without a message, as DynamoDB answers them.
	bad := func(why string) error {
		return serializationError("the body is not a JSON object ("+why+")", "")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, bad("it is empty")
	}
	if !utf8.Valid(body) {
		return nil, bad("it is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := readValue(dec)
	if err != nil {
		return nil, bad(err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad("something follows the object")
	}
	if v.kind != '{' {
		return nil, bad("it is not an object")
	}
	return v, nil
}

func readValue(dec *json.Decoder) (*value, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &value{kind: '{'}
			index := map[string]int{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				val, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				if i, dup := index[key]; dup {
					v.members[i].val = val
					continue
				}
				index[key] = len(v.members)
				v.members = append(v.members, member{key, val})
			}
			_, err := dec.Token() // '}'
			return v, err
		case '[':
			v := &value{kind: '['}
			for dec.More() {
				e, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				v.elems = append(v.elems, e)
			}
			_, err := dec.Token() // ']'
			return v, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return &value{kind: '"', text: t}, nil
	case json.Number:
		return &value{kind: '0', text: string(t)}, nil
	case bool:
		if t {
			return &value{kind: 't'}, nil
		}
		return &value{kind: 'f'}, nil
	case nil:
		return &value{kind: 'n'}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// canonical returns v as a value of shape s: structures and unions keep only
// their members, named exactly, without nulls. path names v for the log;
// element says v is a list element or map value (DynamoDB words the errors
// differently there).
func canonical(v *value, s *smithy.Schema, path string, element bool) (*value, error) {
	if v.kind == 'n' {
		return v, nil
	}
	fail := func(msg string) (*value, error) {
		return nil, serializationError(path+" is "+kindName(v.kind), msg)
	}
	switch s.Type() {
	case smithy.ShapeTypeStructure, smithy.ShapeTypeUnion:
		switch v.kind {
		case '{':
		case '[':
			return fail("Unrecognized collection type class com.amazonaws.dynamodb.v20120810." + shapeName(s))
		default:
			if element {
				return fail("Unexpected value type in payload")
			}
			return fail("Unexpected field type")
		}
		out := &value{kind: '{'}
		for _, m := range v.members {
			ms := s.Member(m.key)
			if ms == nil || m.val.kind == 'n' {
				continue // unknown to DynamoDB (a case variant too), or null: absent
			}
			c, err := canonical(m.val, ms, join(path, m.key), false)
			if err != nil {
				return nil, err
			}
			out.members = append(out.members, member{m.key, c})
		}
		return out, nil

	case smithy.ShapeTypeList, smithy.ShapeTypeSet:
		switch v.kind {
		case '[':
		case '{':
			return fail("Start of structure or map found where not expected")
		default:
			return fail("Unexpected field type")
		}
		out := &value{kind: '['}
		for i, e := range v.elems {
			c, err := canonical(e, s.ListMember(), fmt.Sprintf("%s[%d]", path, i), true)
			if err != nil {
				return nil, err
			}
			out.elems = append(out.elems, c)
		}
		return out, nil

	case smithy.ShapeTypeMap:
		switch v.kind {
		case '{':
		case '[':
			return fail("Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810." + shapeName(s.MapValue()) + ">")
		default:
			return fail("Unexpected field type")
		}
		out := &value{kind: '{'}
		for _, m := range v.members {
			c, err := canonical(m.val, s.MapValue(), join(path, m.key), true)
			if err != nil {
				return nil, err
			}
			out.members = append(out.members, member{m.key, c})
		}
		return out, nil

	case smithy.ShapeTypeString, smithy.ShapeTypeEnum:
		switch v.kind {
		case '"':
			return v, nil
		case 't':
			return fail("TRUE_VALUE cannot be converted to String")
		case 'f':
			return fail("FALSE_VALUE cannot be converted to String")
		case '0':
			if strings.ContainsAny(v.text, ".eE") {
				return fail("DECIMAL_VALUE cannot be converted to String")
			}
			return fail("NUMBER_VALUE cannot be converted to String")
		case '[':
			return fail("Unrecognized collection type class java.lang.String")
		default:
			return fail("Start of structure or map found where not expected")
		}
	}
	// Numbers, booleans, blobs, timestamps: a scalar goes as it came (DynamoDB
	// judges it; no resource is named there); a collection cannot be one.
	switch v.kind {
	case '{':
		return fail("Start of structure or map found where not expected")
	case '[':
		return fail("Unrecognized collection type")
	}
	return v, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func shapeName(s *smithy.Schema) string {
	if s == nil {
		return ""
	}
	if id := s.TargetID(); id.Name != "" {
		return id.Name
	}
	return s.ID().Name
}

func kindName(k byte) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	}
	return "null"
}

// encode writes v as JSON.
func (v *value) encode(b *bytes.Buffer) {
	switch v.kind {
	case '{':
		b.WriteByte('{')
		for i, m := range v.members {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(jsonString(m.key))
			b.WriteByte(':')
			m.val.encode(b)
		}
		b.WriteByte('}')
	case '[':
		b.WriteByte('[')
		for i, e := range v.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			e.encode(b)
		}
		b.WriteByte(']')
	case '"':
		b.WriteString(jsonString(v.text))
	case '0':
		b.WriteString(v.text)
	case 't':
		b.WriteString("true")
	case 'f':
		b.WriteString("false")
	default:
		b.WriteString("null")
	}
}
