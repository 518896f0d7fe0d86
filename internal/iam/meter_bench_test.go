package iam

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkPrice prices the answers the proxy meters: a Scan answer of 1,200
// items of 1 KB padding and a key (about 1.2 MB: a full page of small items)
// and a small PutItem.
func BenchmarkPrice(b *testing.B) {
	pad := strings.Repeat("x", 1000)
	items := make([]string, 1200)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id":{"S":"seed-%06d"},"pad":{"S":"%s"}}`, i+1, pad)
	}
	scan := []byte(`{"Count":1200,"Items":[` + strings.Join(items, ",") + `],"ScannedCount":1200}`)
	put := []byte(`{"Item":{"id":{"S":"hello"},"n":{"N":"42"},"when":{"S":"2026-11-29T23:00:00Z"}},"TableName":"Table"}`)
	cases := []struct {
		name, op    string
		req, resp   []byte
		read, write float64
	}{
		{"Scan1200x1KB", "Scan", []byte(`{"TableName":"Table"}`), scan, 149, 0}, // 1,200 × 1,016 bytes: 298 units of 4 KB, halved,
		{"PutItemSmall", "PutItem", put, []byte(`{}`), 0, 1},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.req) + len(c.resp)))
			b.ReportAllocs()
			for b.Loop() {
				cost := Price(c.op, c.req, 200, c.resp)
				if cost.ReadUnits != c.read || cost.WriteUnits != c.write {
					b.Fatalf("%s: %g read units and %g write units, want %g and %g", c.name, cost.ReadUnits, cost.WriteUnits, c.read, c.write)
				}
			}
		})
	}
}
