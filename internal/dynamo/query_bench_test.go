package dynamo

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// BenchmarkQuery reads one page of 20, newest first (step 08's read), from a
// table of 1,000 / 10,000 / 100,000 items: all in the partition read
// (one-partition) or 100 per partition (many-partitions). Its time should
// depend on the page, not on the table:
//
//	go test ./internal/dynamo -run '^$' -bench Query -benchtime 200x
//
// WORKSHOP_DYNAMODB chooses the backend, as for every command.
func BenchmarkQuery(b *testing.B) {
	ctx := context.Background()
	backend, err := Start(ctx, Options{Kind: KindFromEnv()})
	if err != nil {
		b.Fatal(err)
	}
	defer backend.Close()
	c, err := backend.Client(ctx, "benchquery", "us-east-1")
	if err != nil {
		b.Fatal(err)
	}
	for _, shape := range []struct {
		name    string
		perPart int // items per partition; 0: all in one
	}{{"one-partition", 0}, {"many-partitions", 100}} {
		for _, n := range []int{1_000, 10_000, 100_000} {
			table := fmt.Sprintf("bench-%s-%d", shape.name, n)
			seeded := false
			b.Run(fmt.Sprintf("%s/items=%d", shape.name, n), func(b *testing.B) {
				if !seeded {
					seedBench(b, c, table, n, shape.perPart)
					seeded = true
				}
				in := &dynamodb.QueryInput{
					TableName: aws.String(table),
					// As the SDK's expression package writes it (step 08 uses it).
					KeyConditionExpression:    aws.String("#0 = :0"),
					ExpressionAttributeNames:  map[string]string{"#0": "day"},
					ExpressionAttributeValues: map[string]types.AttributeValue{":0": &types.AttributeValueMemberS{Value: "day-0000"}},
					ScanIndexForward:          aws.Bool(false),
					Limit:                     aws.Int32(20),
				}
				b.ResetTimer()
				for b.Loop() {
					out, err := c.Query(ctx, in)
					if err != nil {
						b.Fatal(err)
					}
					if len(out.Items) != 20 || out.LastEvaluatedKey == nil {
						b.Fatalf("Query read %d items (LastEvaluatedKey %v), want a full page of 20 and a next key", len(out.Items), out.LastEvaluatedKey != nil)
					}
				}
			})
		}
	}
}

// seedBench fills table with n items, perPart per partition (0: one partition).
func seedBench(b *testing.B, c *dynamodb.Client, table string, n, perPart int) {
	b.Helper()
	ctx := context.Background()
	err := CreateTable(ctx, c, map[string]any{
		"TableName": table,
		"AttributeDefinitions": []any{
			map[string]any{"AttributeName": "day", "AttributeType": "S"},
			map[string]any{"AttributeName": "id", "AttributeType": "S"},
		},
		"KeySchema": []any{
			map[string]any{"AttributeName": "day", "KeyType": "HASH"},
			map[string]any{"AttributeName": "id", "KeyType": "RANGE"},
		},
		"BillingMode": "PAY_PER_REQUEST",
	})
	if err != nil {
		b.Fatal(err)
	}
	items := make([]map[string]any, n)
	for i := range items {
		part := 0
		if perPart > 0 {
			part = i / perPart
		}
		items[i] = map[string]any{"day": fmt.Sprintf("day-%04d", part), "id": fmt.Sprintf("T%09d#seed", i), "dt": "2026-11-29 00:00:00"}
	}
	b.Logf("seeding %s with %d items", table, n)
	if err := PutItemsParallel(ctx, c, table, items, 4); err != nil {
		b.Fatal(err)
	}
}
