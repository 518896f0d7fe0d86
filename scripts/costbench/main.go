// Command costbench compares what one GET /hello costs in step 05's design
// (put, then Scan every item) and step 08's (a transaction, a counter and one
// Query page of 20) as the table grows: for each size it deploys both
// solutions locally, fills the table, sends requests one at a time and prints
// the median latency and, from each invocation's COST line, the items read
// and the read units per request; then the ratio from the smallest size to
// the largest.
//
//	go run ./scripts/costbench                      # 1,000 / 10,000 / 100,000 items
//	go run ./scripts/costbench -sizes 1000,20000 -n 5
//
// WORKSHOP_DYNAMODB chooses the backend, as for every command. Everything
// listens on 127.0.0.1 and stops when the command ends.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// design is one solution under test, and how to fill its table with n
// accesses that its GET /hello reads.
type design struct {
	name, dir string
	items     func(n int) []map[string]any
}

var designs = []design{
	{name: "05 put then scan", dir: "05-put-then-scan", items: func(n int) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = map[string]any{"dt": fmt.Sprintf("seed-%09d", i)}
		}
		return out
	}},
	{name: "08 count and page", dir: "08-count-and-page", items: func(n int) []map[string]any {
		day := time.Now().UTC().Format(time.DateOnly)
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = map[string]any{"day": day, "id": fmt.Sprintf("%sT00:00:00.%09dZ#seed", day, i), "dt": day + " 00:00:00"}
		}
		return out
	}},
}

// result is what one design measured at one size.
type result struct {
	median               time.Duration
	itemsRead, readUnits float64 // per request (the median request's)
	failed               string  // why the requests failed, if they did
}

func main() {
	sizes := flag.String("sizes", "1000,10000,100000", "table sizes, comma-separated")
	n := flag.Int("n", 9, "measured requests per design and size (after one to warm up)")
	flag.Parse()
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || v < 1 {
			fmt.Fprintf(os.Stderr, "costbench: -sizes: %q is not a whole number\n", s)
			os.Exit(2)
		}
		ns = append(ns, v)
	}
	if err := run(ns, max(*n, 1)); err != nil {
		fmt.Fprintln(os.Stderr, "costbench:", err)
		os.Exit(1)
	}
}

func run(sizes []int, n int) error {
	ctx := context.Background()
	root, err := repo.Root(".")
	if err != nil {
		return err
	}
	fmt.Printf("costbench: DynamoDB backend %s, %d requests per point, one at a time\n", dynamo.KindFromEnv(), n)
	// DynamoDB Local (Java) runs its first requests slowly while its JIT
	// compiles: one discarded round keeps that out of the first figures.
	fmt.Printf("  warming up: %s at %d items, not counted\n", designs[0].name, sizes[0])
	if _, err := measure(ctx, filepath.Join(root, "solutions", designs[0].dir), designs[0], sizes[0], n); err != nil {
		return err
	}
	results := map[string]map[int]result{}
	for _, d := range designs {
		results[d.name] = map[int]result{}
		for _, size := range sizes {
			fmt.Printf("  %s at %d items: deploying, seeding, measuring...\n", d.name, size)
			r, err := measure(ctx, filepath.Join(root, "solutions", d.dir), d, size, n)
			if err != nil {
				return fmt.Errorf("%s at %d items: %w", d.name, size, err)
			}
			results[d.name][size] = r
		}
	}
	fmt.Printf("\n%-18s %10s %15s %20s %20s\n", "design", "items", "median latency", "items read/request", "read units/request")
	for _, d := range designs {
		for _, size := range sizes {
			r := results[d.name][size]
			if r.failed != "" {
				fmt.Printf("%-18s %10d  failed: %s\n", d.name, size, r.failed)
				continue
			}
			fmt.Printf("%-18s %10d %15s %20g %20g\n", d.name, size, r.median.Round(10*time.Microsecond), r.itemsRead, r.readUnits)
		}
	}
	fmt.Println()
	for _, d := range designs {
		lo, hi := sizes[0], sizes[len(sizes)-1]
		// A design that failed at the largest sizes: the ratio up to where it worked.
		for hi != lo && results[d.name][hi].failed != "" {
			hi = sizes[slices.Index(sizes, hi)-1]
		}
		a, b := results[d.name][lo], results[d.name][hi]
		if len(sizes) == 1 && a.failed == "" {
			fmt.Printf("ratio %-18s none: one size only\n", d.name)
			continue
		}
		if a.failed != "" || hi == lo {
			from := lo // the first size it failed at
			if a.failed == "" {
				from = sizes[1]
			}
			fmt.Printf("ratio %-18s none: it failed from %d items on\n", d.name, from)
			continue
		}
		note := ""
		if hi != sizes[len(sizes)-1] {
			note = fmt.Sprintf(" (it failed beyond %d items)", hi)
		}
		fmt.Printf("ratio %-18s %d/%d items: latency x%.2f, items read x%.2f, read units x%.2f%s\n", d.name, hi, lo,
			float64(b.median)/float64(a.median), b.itemsRead/a.itemsRead, b.readUnits/a.readUnits, note)
	}
	return nil
}

// why finds the line of the function logs that says why an invocation failed.
func why(logs string) string {
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.ToLower(lines[i]); strings.Contains(l, "timed out") || strings.Contains(l, "error") || strings.Contains(l, "deadline") {
			return strings.TrimSpace(lines[i])
		}
	}
	return "the function logs say nothing more"
}

// measure deploys the solution on a backend of its own (empty tables), seeds
// size items and times n requests after a warm-up.
func measure(ctx context.Context, dir string, d design, size, n int) (result, error) {
	var logs logbuf.Buffer
	s, err := stack.Deploy(ctx, stack.Options{Dir: dir, Logs: &logs})
	if err != nil {
		return result{}, err
	}
	defer s.Close()
	table, err := s.TableName("Table")
	if err != nil {
		return result{}, err
	}
	if err := dynamo.PutItemsParallel(ctx, s.DB, table, d.items(size), 8); err != nil {
		return result{}, err
	}
	type sample struct {
		took        time.Duration
		items, rcus float64
	}
	var samples []sample
	for i := range n + 1 {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/hello", nil)
		req.RemoteAddr = "127.0.0.1:50000"
		rec := httptest.NewRecorder()
		t0 := time.Now()
		s.API.ServeHTTP(rec, req)
		took := time.Since(t0)
		if rec.Code != http.StatusOK {
			// The design's own limit (timeout, memory): a result, not an error.
			return result{failed: fmt.Sprintf("GET /hello answered %d after %s; %s", rec.Code, took.Round(time.Millisecond), why(logs.String()))}, nil
		}
		inv, ok := s.LastCost("HelloFunction")
		if !ok {
			return result{}, fmt.Errorf("no COST line for HelloFunction")
		}
		if i > 0 { // the first one starts the execution environment
			samples = append(samples, sample{took, float64(inv.Cost.ItemsRead), inv.Cost.ReadUnits})
		}
	}
	slices.SortFunc(samples, func(a, b sample) int { return int(a.took - b.took) })
	m := samples[len(samples)/2]
	return result{median: m.took, itemsRead: m.items, readUnits: m.rcus}, nil
}
