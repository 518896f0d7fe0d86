package iam

import (
	"fmt"
	"strings"
	"testing"
)

// TestPriceItemSizes checks the size Price gives each attribute type, through
// the requests and answers it reads: each item is padded to sit exactly on a
// unit boundary (1 KB for a write, 4 KB for a read), so one byte counted wrong
// changes the units. The sizes are computed by hand from DynamoDB's rules.
func TestPriceItemSizes(t *testing.T) {
	cases := []struct {
		attr string // one or more attributes, as in an item's JSON
		size int    // their size: names plus values
	}{
		{`"s":{"S":"héllo"}`, 1 + 6}, // UTF-8 bytes: é is 2
		{`"s":{"S":""}`, 1 + 0},
		{`"名":{"S":"x"}`, 3 + 1}, // a name is its UTF-8 bytes too
		{`"n":{"N":"12345"}`, 1 + 4},
		{`"n":{"N":"-0.0012300"}`, 1 + 4}, // digits "123": 2 + 1, and the sign
		{`"n":{"N":"1.5E10"}`, 1 + 2},     // the exponent is not counted
		{`"n":{"N":"0"}`, 1 + 1},
		{`"b":{"B":"AAEC"}`, 1 + 3}, // the decoded bytes
		{`"b":{"B":"AA=="}`, 1 + 1},
		{`"t":{"BOOL":false}`, 1 + 1},
		{`"z":{"NULL":true}`, 1 + 1},
		{`"ss":{"SS":["a","bé"]}`, 2 + 1 + 3},
		{`"ns":{"NS":["1","-22","100"]}`, 2 + 2 + 3 + 2},
		{`"bs":{"BS":["AAEC","AA=="]}`, 2 + 3 + 1},
		{`"l":{"L":[]}`, 1 + 3},
		{`"m":{"M":{}}`, 1 + 3},
		{`"l":{"L":[{"S":"ab"},{"BOOL":true},{"NULL":true}]}`, 1 + 3 + (1 + 2) + (1 + 1) + (1 + 1)},
		// m: 3 + (1 + "k" + L); L: 3 + (1 + M) + (1 + SS); M: 3 + 1 + "x" + N 7 (2); SS: 2.
		{`"m":{"M":{"k":{"L":[{"M":{"x":{"N":"7"}}},{"SS":["ab"]}]}}}`, 1 + 3 + 1 + 1 + 3 + (1 + 3 + 1 + 1 + 2) + (1 + 2)},
		{`"a":{"S":"x"},"bb":{"N":"-5"},"ccc":{"B":"AAEC"}`, (1 + 1) + (2 + 3) + (3 + 3)},
	}
	// Each op prices an item padded to size bytes; under is the units at the
	// boundary, over the units one byte past it.
	ops := []struct {
		op          string
		boundary    int
		under, over float64
		priced      func(item string) (req, resp string)
		units       func(Cost) float64
	}{
		{"PutItem", 1024, 1, 2, func(item string) (string, string) {
			return `{"TableName":"T","Item":` + item + `}`, `{}`
		}, func(c Cost) float64 { return c.WriteUnits }},
		{"UpdateItem", 1024, 1, 2, func(item string) (string, string) {
			return `{"TableName":"T","Key":` + item + `,"UpdateExpression":"REMOVE x"}`, `{}`
		}, func(c Cost) float64 { return c.WriteUnits }},
		{"BatchWriteItem", 1024, 1, 2, func(item string) (string, string) {
			return `{"RequestItems":{"T":[{"PutRequest":{"Item":` + item + `}}]}}`, `{}`
		}, func(c Cost) float64 { return c.WriteUnits }},
		{"GetItem", 4096, 0.5, 1, func(item string) (string, string) {
			return `{"TableName":"T","Key":{"pk":{"S":"p"}}}`, `{"Item":` + item + `}`
		}, func(c Cost) float64 { return c.ReadUnits }},
		{"Scan", 4096, 1, 2, func(item string) (string, string) {
			return `{"TableName":"T","ConsistentRead":true}`, `{"Items":[` + item + `],"Count":1,"ScannedCount":1}`
		}, func(c Cost) float64 { return c.ReadUnits }},
		{"BatchGetItem", 4096, 0.5, 1, func(item string) (string, string) {
			return `{"RequestItems":{"T":{"Keys":[{"pk":{"S":"p"}}]}}}`, `{"Responses":{"T":[` + item + `]}}`
		}, func(c Cost) float64 { return c.ReadUnits }},
		{"TransactGetItems", 4096, 2, 4, func(item string) (string, string) {
			return `{"TransactItems":[{"Get":{"TableName":"T","Key":{"pk":{"S":"p"}}}}]}`, `{"Responses":[{"Item":` + item + `}]}`
		}, func(c Cost) float64 { return c.ReadUnits }},
	}
	for _, c := range cases {
		for _, o := range ops {
			for extra, want := range map[int]float64{0: o.under, 1: o.over} {
				pad := o.boundary - c.size - len("pad") + extra
				item := `{` + c.attr + `,"pad":{"S":"` + strings.Repeat("x", pad) + `"}}`
				req, resp := o.priced(item)
				name := fmt.Sprintf("%s %s +%d", o.op, c.attr, extra)
				if got := o.units(Price(o.op, []byte(req), 200, []byte(resp))); got != want {
					t.Errorf("%s: %g units, want %g (the attributes' size should be %d)", name, got, want, c.size)
				}
			}
		}
	}
}
