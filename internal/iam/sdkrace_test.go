package iam

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"net/http/httptrace"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/logging"
)

// TestProxySDKRace sends what a function's code sends (PutItem then Scan, one
// after the other and many at once) through the proxy with the AWS SDK, and
// wants no SDK warning and no retry.
//
// The Go SDK closes a request's body as soon as the answer's headers are in,
// while net/http's writer goroutine may not yet have made its last read of
// that body; the read then fails and the writer closes the connection. An
// answer whose body had not arrived with its headers is lost: the SDK warns
// "failed to discard remaining HTTP response body ... use of closed network
// connection" and "response did not match expected checksum, N, 0", and
// retries after a back-off of up to a second. A busy machine delays that
// goroutine often; the "stalled" case makes it wait every time, so that an
// answer sent in two writes fails on every run, not only on a loaded one.
func TestProxySDKRace(t *testing.T) {
	ctx := context.Background()
	const stackKey, fnKey = "sdkracestack", "sdkracefunction"
	b, db := startBackend(t, stackKey)
	createTable(t, db)

	p, front := startProxy(t, b.Endpoint(), region, nil)
	// Step 05's role: PutItem and Scan on its table.
	role := &Role{Name: "FunctionRole", Policies: []Policy{
		mustPolicy(t, "inline policy Put", allow("dynamodb:PutItem", table)),
		mustPolicy(t, "inline policy Scan", allow("dynamodb:Scan", table)),
	}}
	p.Register(fnKey, Identity{Role: role, Function: "HelloWorldFunction"})
	p.ForwardAs(stackKey)

	for _, tc := range []struct {
		name  string
		stall bool
	}{
		{"as the machine schedules it", false},
		{"stalled after each request body", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs sdkLog
			hc := awshttp.NewBuildableClient()
			var client interface {
				Do(*http.Request) (*http.Response, error)
			} = hc
			if tc.stall {
				client = stallingClient{hc.WithTransportOptions(func(tr *http.Transport) {
					d := &net.Dialer{}
					tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
						c, err := d.DialContext(ctx, network, addr)
						if err != nil {
							return nil, err
						}
						return &stallConn{Conn: c, answered: make(chan struct{}, 1)}, nil
					}
				})}
			}
			fn := dynamodb.NewFromConfig(aws.Config{
				Region: region,
				Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{AccessKeyID: fnKey, SecretAccessKey: "s"}, nil
				}),
				Logger:        &logs,
				ClientLogMode: aws.LogRetries,
			}, func(o *dynamodb.Options) {
				o.BaseEndpoint = aws.String(front.URL)
				o.HTTPClient = client
			})
			// Stop at the first warning or retry: each costs a back-off.
			clean := func(after string) {
				t.Helper()
				if bad := logs.matching("WARN", "retrying"); len(bad) > 0 {
					t.Fatalf("the SDK lost an answer's body through the proxy (%s) and warned or retried:\n%s",
						after, strings.Join(bad[:min(len(bad), 3)], "\n"))
				}
			}
			call := func(i int) error {
				// 20 keys at most: every answer stays small (well under 4 KB).
				if _, err := fn.PutItem(ctx, &dynamodb.PutItemInput{
					TableName: aws.String("dva-01-001-Table"),
					Item:      map[string]types.AttributeValue{"dt": &types.AttributeValueMemberS{Value: fmt.Sprintf("2024-01-01 00:00:%02d", i%20)}},
				}); err != nil {
					return fmt.Errorf("PutItem %d: %w", i, err)
				}
				if _, err := fn.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("dva-01-001-Table")}); err != nil {
					return fmt.Errorf("Scan %d: %w", i, err)
				}
				return nil
			}
			for i := range 200 {
				if err := call(i); err != nil {
					t.Fatal(err)
				}
				clean(fmt.Sprintf("sequential call %d", i))
			}
			for round := range 5 {
				var wg sync.WaitGroup
				errs := make(chan error, 20)
				for i := range 20 {
					wg.Go(func() { errs <- call(i) })
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					if err != nil {
						t.Fatal(err)
					}
				}
				clean(fmt.Sprintf("round %d of 20 concurrent calls", round+1))
			}
		})
	}
}

// sdkLog keeps what the SDK logs.
type sdkLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *sdkLog) Logf(c logging.Classification, format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, string(c)+" "+fmt.Sprintf(format, v...))
}

func (l *sdkLog) matching(marks ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		for _, m := range marks {
			if strings.Contains(line, m) {
				out = append(out, line)
				break
			}
		}
	}
	return out
}

// stallingClient is the SDK's HTTP client on connections that hold the
// Transport's writer goroutine after each request body until the answer's
// headers are back and the SDK has closed the request body, as the SDK does
// right after Do returns (smithy-go's ClientHandler).
type stallingClient struct{ *awshttp.BuildableClient }

func (c stallingClient) Do(req *http.Request) (*http.Response, error) {
	var conn atomic.Pointer[stallConn]
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if sc, ok := i.Conn.(*stallConn); ok {
			conn.Store(sc)
		}
	}}
	resp, err := c.BuildableClient.Do(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if req.Body != nil {
		_ = req.Body.Close() // the SDK closes it again, which does nothing
	}
	if sc := conn.Load(); sc != nil {
		sc.release()
	}
	return resp, err
}

// stallConn holds a write of a request body until release.
type stallConn struct {
	net.Conn
	answered chan struct{}
}

func (c *stallConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if err == nil && !bytes.HasSuffix(b, []byte("\r\n\r\n")) { // a body, not the request's headers
		select {
		case <-c.answered:
		case <-time.After(5 * time.Second): // bounded: never a hang, whatever happens
		}
	}
	return n, err
}

func (c *stallConn) release() {
	select {
	case c.answered <- struct{}{}:
	default:
	}
}

// createTable creates the table the tests use, dva-01-001-Table (key dt, a string).
func createTable(t *testing.T, db *dynamodb.Client) {
	t.Helper()
	createTableNamed(t, db, "dva-01-001-Table")
}

// createTableNamed creates the table name, keyed as createTable's.
func createTableNamed(t *testing.T, db *dynamodb.Client, name string) {
	t.Helper()
	if _, err := db.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("dt"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("dt"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatalf("creating the table %s: %v", name, err)
	}
}
