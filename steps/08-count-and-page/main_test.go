package main

// TODO(step 08): a unit test of the handler, with no DynamoDB at all. Once
// main.go's handler reads and writes through the accessStore interface (see
// the README, "A unit test of the handler"), delete the two lines /* and */
// below, then add cases to the table until it has at least 5:
//   - a cursor that is not base64url answers 400 and stores nothing
//   - an access whose key is already stored (Store returns errConflict) answers 409
//   - Store failing (any other error) answers 500 {"message":"internal error"}
//   - a valid cursor makes Page read the cursor's day, after the cursor's key
// Run it with: go test -run TestHandler -v ./steps/08-count-and-page

/*
import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// fakeStore is an accessStore in memory: it answers what a case sets, and
// records what the handler asked.
type fakeStore struct {
	count    int
	items    []access // the page Page answers
	last     *access  // Page's last key: nil on the last page
	storeErr error
	countErr error
	pageErr  error
	stored   []access // what Store received
	gotDay   string   // what Page received
	gotAfter *access
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
	f.gotDay, f.gotAfter = day, after
	return f.items, f.last, f.pageErr
}

func TestHandler(t *testing.T) {
	now := time.Date(2026, 11, 29, 17, 45, 1, 123456789, time.UTC)
	newest := access{Day: "2026-11-29", ID: "2026-11-29T17:45:00.000000000Z#r9", DT: "2026-11-29 17:45:00"}
	tests := []struct {
		name   string
		next   string    // the next query parameter; "" none
		store  fakeStore // what the fake answers
		status int       // the answer's status code
		body   string    // in the answer's body
		stores int       // accesses stored
	}{
		{name: "first page", store: fakeStore{count: 41, items: []access{newest}, last: &newest},
			status: 200, body: `"next":"` + encodeCursor(newest), stores: 1},
		{name: "last page has no next", store: fakeStore{count: 1, items: []access{newest}},
			status: 200, body: `"Count":1`, stores: 1},
		// TODO(step 08): the cases listed at the top of this file.
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
			if resp.StatusCode != tt.status || !strings.Contains(resp.Body, tt.body) {
				t.Errorf("answered %d %s; want %d with %s", resp.StatusCode, resp.Body, tt.status, tt.body)
			}
			if len(store.stored) != tt.stores {
				t.Errorf("stored %d accesses; want %d", len(store.stored), tt.stores)
			}
		})
	}
}
*/
