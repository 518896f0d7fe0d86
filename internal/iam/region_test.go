package iam

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/serverless-dva/sam-dynamodb-go/internal/logbuf"
)

// The proxy answers as the regional endpoint a request was signed for: a
// function whose code names another region than the stack's finds no table
// there (ResourceNotFoundException when its role allows the call, as in AWS),
// and its role is evaluated against that region's ARN (AccessDeniedException
// when the policy names the stack's table only).
func TestProxyRegionalEndpoint(t *testing.T) {
	ctx := context.Background()
	backend := startPerKeyBackend(t)
	const stackRegion, stackKey = "eu-west-3", "regionstack1"
	var logs logbuf.Buffer
	p, front := startProxy(t, backend.URL, stackRegion, &logs)
	p.ForwardAs(stackKey)

	const name = "pabc-Table"
	stackTable := "arn:aws:dynamodb:" + stackRegion + ":" + account + ":table/" + name
	createTableNamed(t, regionClient(backend.URL, stackKey, stackRegion), name)
	p.Register("anyregion1", Identity{Role: &Role{Name: "AnyRegion", Policies: []Policy{mustPolicy(t, "inline policy Any",
		allow("dynamodb:PutItem", "arn:aws:dynamodb:*:"+account+":table/"+name))}}, Function: "AnyRegionFunction"})
	p.Register("stackonly1", Identity{Role: &Role{Name: "StackOnly", Policies: []Policy{mustPolicy(t, "inline policy Stack",
		allow("dynamodb:PutItem", stackTable))}}, Function: "StackOnlyFunction"})

	put := &dynamodb.PutItemInput{
		TableName: aws.String(name),
		Item:      map[string]types.AttributeValue{"dt": &types.AttributeValueMemberS{Value: "2026-01-01 00:00:00"}},
	}
	tests := []struct {
		name, key, region string
		wantCode, wantMsg string // "" wantCode: the call succeeds
		wantLog           string
	}{
		{name: "the stack's region", key: "anyregion1", region: stackRegion},
		{name: "another region, allowed there", key: "anyregion1", region: "us-east-1",
			wantCode: "ResourceNotFoundException", wantMsg: "Requested resource not found",
			wantLog: "PutItem for function AnyRegionFunction was signed for region us-east-1, but the stack is deployed in eu-west-3"},
		{name: "another region, policy on the stack's table", key: "stackonly1", region: "us-east-1",
			wantCode: "AccessDeniedException",
			wantMsg:  "on resource: arn:aws:dynamodb:us-east-1:" + account + ":table/" + name + " because",
			wantLog:  "IAM: AccessDenied dynamodb:PutItem on arn:aws:dynamodb:us-east-1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logged := len(logs.String())
			_, err := regionClient(front.URL, tt.key, tt.region).PutItem(ctx, put)
			own := logs.String()[logged:]
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("PutItem signed for %s: %v", tt.region, err)
				}
				if own != "" {
					t.Errorf("an allowed call logged %q, want nothing", own)
				}
				return
			}
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("PutItem error = %v, want %s", err, tt.wantCode)
			}
			if apiErr.ErrorCode() != tt.wantCode || !strings.Contains(apiErr.ErrorMessage(), tt.wantMsg) {
				t.Errorf("got %s %q, want %s containing %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), tt.wantCode, tt.wantMsg)
			}
			if !strings.Contains(own, tt.wantLog) {
				t.Errorf("this call logged %q, want a line containing %q", own, tt.wantLog)
			}
		})
	}
	// Only the stack's table holds the one allowed item.
	out, err := regionClient(backend.URL, stackKey, stackRegion).Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name)})
	if err != nil || len(out.Items) != 1 {
		t.Fatalf("the stack's table: %v items, err %v; want 1 item", out, err)
	}
	for fn, want := range map[string][]string{"AnyRegionFunction": {"us-east-1"}, "StackOnlyFunction": {"us-east-1"}} {
		if got := p.OtherRegions(fn); !slices.Equal(got, want) {
			t.Errorf("OtherRegions(%s) = %v, want %v", fn, got, want)
		}
	}
}

func TestCredentialScope(t *testing.T) {
	tests := []struct {
		auth, akid, region string
		ok                 bool
	}{
		{"AWS4-HMAC-SHA256 Credential=AK/20260101/eu-west-3/dynamodb/aws4_request, SignedHeaders=host, Signature=00", "AK", "eu-west-3", true},
		{"AWS4-HMAC-SHA256 Credential=AK/20260101/eu-west-3/dynamodb/aws4_request,SignedHeaders=host", "AK", "eu-west-3", true},
		{"AWS4-HMAC-SHA256 Credential=AK/20260101//dynamodb/aws4_request, SignedHeaders=host", "", "", false},
		{"AWS4-HMAC-SHA256 Credential=AK/20260101, SignedHeaders=host", "", "", false},
		{"AWS4-HMAC-SHA256 Credential=AK", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		akid, region, ok := credentialScope(tt.auth)
		if akid != tt.akid || region != tt.region || ok != tt.ok {
			t.Errorf("credentialScope(%q) = %q, %q, %v; want %q, %q, %v", tt.auth, akid, region, ok, tt.akid, tt.region, tt.ok)
		}
	}
}

func regionClient(endpoint, akid, region string) *dynamodb.Client {
	return dynamodb.NewFromConfig(aws.Config{
		Region:           region,
		RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: akid, SecretAccessKey: "s"}, nil
		}),
	}, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
}
