package main

// A unit test of the handler: a fake accessStore stands in for DynamoDB, so
// each case runs in microseconds and can make the store fail at will. The
// step's checks (testdata/*.txtar) test the other side: the whole app,
// deployed locally, through API Gateway, IAM and DynamoDB.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// fakeStore is an accessStore in memory: it answers what a case sets, and
// records what the handler asked.
type fakeStore struct {
	count       int
	items       []access // the page Page answers
	last        *access  // Page's last key: nil on the last page
	storeErr    error
	countErr    error
	pageErr     error
	stored      []access // what Store received
	gotDay      string   // what Page received
	gotAfter    *access
	pageWasRead bool
}

func (f *fakeStore) Store(ctx context.Context, item access) error {
	if f.storeErr != nil {
		return f.storeErr
	}
	f.stored = append(f.stored, item)
	return nil
}

func (f *fakeStore) Count(ctx context.Context) (int, error) { return f.count, f.countErr }

func (f *fakeStore) Page(ctx context.Context, day string, after *access) ([]access, *access, error) {
	f.pageWasRead, f.gotDay, f.gotAfter = true, day, after
	return f.items, f.last, f.pageErr
}

func TestHandler(t *testing.T) {
	now := time.Date(2026, 11, 29, 17, 45, 1, 123456789, time.UTC)
	newest := access{Day: "2026-11-29", ID: "2026-11-29T17:45:00.000000000Z#r9", DT: "2026-11-29 17:45:00"}
	older := access{Day: "2026-11-28", ID: "2026-11-28T08:00:00.000000000Z#r1", DT: "2026-11-28 08:00:00"}
	tests := []struct {
		name      string
		next      string    // the next query parameter; "" none
		store     fakeStore // what the fake answers
		status    int       // the answer's status code
		body      string    // in the answer's body
		stores    int       // accesses stored
		wantDay   string    // the day Page was asked for ("" not asked)
		wantAfter *access   // the key Page was asked to start after
		wantNext  *access   // the cursor in the answer (nil: none)
	}{
		{name: "first page", store: fakeStore{count: 41, items: []access{newest}, last: &newest},
			status: 200, body: `"Count":41`, stores: 1, wantDay: "2026-11-29", wantNext: &newest},
		{name: "last page has no next", store: fakeStore{count: 1, items: []access{newest}},
			status: 200, body: `"AccessDatetime":[{"id":"` + newest.ID, stores: 1, wantDay: "2026-11-29"},
		{name: "empty page is a list", store: fakeStore{count: 0},
			status: 200, body: `"AccessDatetime":[]`, stores: 1, wantDay: "2026-11-29"},
		{name: "next cursor continues its day", next: encodeCursor(older), store: fakeStore{count: 7, items: []access{older}},
			status: 200, body: `"Day":"2026-11-28"`, stores: 1, wantDay: "2026-11-28", wantAfter: &older},
		{name: "cursor not base64url", next: "not*a*cursor", status: 400, body: "bad cursor"},
		{name: "cursor without an id", next: "eyJkYXkiOiIyMDI2LTExLTI5IiwicGsiOiJ4In0", status: 400, body: "bad cursor"},
		{name: "cursor id of another day", next: encodeCursor(access{Day: "2026-11-29", ID: older.ID}), status: 400, body: "bad cursor"},
		{name: "key already stored", store: fakeStore{storeErr: fmt.Errorf("transaction: %w", errConflict)}, status: 409, body: "conflict"},
		{name: "store fails", store: fakeStore{storeErr: errors.New("throttled")}, status: 500, body: `{"message":"internal error"}`},
		{name: "count fails", store: fakeStore{countErr: errors.New("throttled")}, status: 500, body: `{"message":"internal error"}`, stores: 1},
		{name: "page fails", store: fakeStore{pageErr: errors.New("throttled")}, status: 500, body: `{"message":"internal error"}`, stores: 1, wantDay: "2026-11-29"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := tt.store
			a := &app{store: &store, now: func() time.Time { return now }}
			ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
			req := events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/hello"}
			if tt.next != "" {
				req.QueryStringParameters = map[string]string{"next": tt.next}
			}
			resp, err := a.handler(ctx, req)
			if err != nil {
				t.Fatalf("the handler returned an error (API Gateway would answer 502): %v", err)
			}
			if resp.StatusCode != tt.status || !json.Valid([]byte(resp.Body)) || !strings.Contains(resp.Body, tt.body) {
				t.Errorf("answered %d %s; want %d with %s in JSON", resp.StatusCode, resp.Body, tt.status, tt.body)
			}
			if got := resp.Headers["Content-Type"]; got != "application/json" {
				t.Errorf("Content-Type %q; want application/json", got)
			}
			if len(store.stored) != tt.stores {
				t.Errorf("stored %d accesses; want %d", len(store.stored), tt.stores)
			}
			if tt.stores > 0 && store.stored[0].ID != "2026-11-29T17:45:01.123456789Z#req-1" {
				t.Errorf("stored the id %q; want the time to the nanosecond # the request id", store.stored[0].ID)
			}
			if store.gotDay != tt.wantDay || !sameKey(store.gotAfter, tt.wantAfter) {
				t.Errorf("Page(day %q, after %v); want Page(day %q, after %v)", store.gotDay, store.gotAfter, tt.wantDay, tt.wantAfter)
			}
			var p page
			json.Unmarshal([]byte(resp.Body), &p)
			switch {
			case tt.wantNext == nil && p.Next != "":
				t.Errorf("next %q on the last page; want none", p.Next)
			case tt.wantNext != nil && p.Next != encodeCursor(*tt.wantNext):
				t.Errorf("next %q; want the cursor of %v", p.Next, *tt.wantNext)
			}
		})
	}
}

// TestNoLambdaContext: without the request id the handler cannot make a key;
// it fails (a function error) rather than store a key that may collide.
func TestNoLambdaContext(t *testing.T) {
	a := &app{store: &fakeStore{}, now: time.Now}
	if _, err := a.handler(context.Background(), events.APIGatewayProxyRequest{}); err == nil {
		t.Error("no error without a Lambda context")
	}
}

func sameKey(a, b *access) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Day == b.Day && a.ID == b.ID
}
