// Command hello is the workshop's Lambda function. API Gateway's Lambda proxy
// integration sends each GET /hello here as an APIGatewayProxyRequest, and
// the function answers with an APIGatewayProxyResponse that API Gateway turns
// into the HTTP response. Each call stores its access in the DynamoDB table
// named in TABLE_NAME and counts it, in one transaction, then answers with
// the count and one page of the day's accesses, newest first: what a request
// reads and costs stays the same however big the table grows.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const (
	// dayLayout is the partition key: the day of the access, in UTC.
	dayLayout = "2006-01-02"
	// idLayout starts the sort key: the time to the nanosecond, with a fixed
	// width (time.RFC3339Nano trims trailing zeros), so that ids sort as times do.
	idLayout = "2006-01-02T15:04:05.000000000Z"
	// dtLayout is the time as the seed app shows it, kept as an attribute.
	dtLayout = "2006-01-02 15:04:05"
	// pageSize is how many accesses one answer lists at most.
	pageSize = 20
	// totalKey is the day and the id of the counter item: no day is "#total",
	// so no Query of a day ever reads it.
	totalKey = "#total"
)

// access is one item of the table, under its composite primary key: day
// (partition key) and id (sort key: the time and the Lambda request id).
type access struct {
	Day string `dynamodbav:"day" json:"-"`
	ID  string `dynamodbav:"id" json:"id"`
	DT  string `dynamodbav:"dt" json:"dt"`
}

// total is the counter item: how many accesses were ever stored.
type total struct {
	Accesses int `dynamodbav:"accesses"`
}

// page is the JSON the API answers with: the count of every access, and one
// page of the accesses of Day, newest first. Next, when present, continues:
// GET /hello?next=<Next>.
type page struct {
	Count          int      `json:"Count"`
	Day            string   `json:"Day"`
	AccessDatetime []access `json:"AccessDatetime"`
	Next           string   `json:"next,omitempty"`
}

// errConflict says an item with the key was already stored: the
// transaction's condition refused to replace it, and nothing was written.
var errConflict = errors.New("an access with this key is already stored")

// errBadCursor says the next parameter is not a cursor this API gave.
var errBadCursor = errors.New("bad cursor")

// accessStore is all the handler needs of the table. dynamoStore is the
// DynamoDB one; main_test.go gives the handler a fake, to test its answers
// (400, 409, 500, the cursor) without DynamoDB.
type accessStore interface {
	// Store writes the access and adds one to the count, both or neither:
	// errConflict when an access with its key is already stored.
	Store(ctx context.Context, item access) error
	// Count is every access ever stored, those written before it included.
	Count(ctx context.Context) (int, error)
	// Page lists at most pageSize accesses of day, newest first, from the
	// one after the key after (nil: the newest). last is the key of the last
	// access read, nil when no access is left.
	Page(ctx context.Context, day string, after *access) (items []access, last *access, err error)
}

// app is what every invocation reuses: main makes it once per execution
// environment, and its handler method serves each request.
type app struct {
	store accessStore
	now   func() time.Time // time.Now; a fixed time in tests
}

func (a *app) handler(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log.Printf("%s %s from %s", req.HTTPMethod, req.Path, req.RequestContext.Identity.SourceIP)

	// A bad cursor is the client's mistake: say so before storing anything.
	after, err := decodeCursor(req.QueryStringParameters["next"])
	if err != nil {
		return respond(http.StatusBadRequest, map[string]string{"message": err.Error() + ": use the next value of an earlier answer as it was, or leave next out"})
	}
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok {
		return events.APIGatewayProxyResponse{}, errors.New("no Lambda context: the request id is missing")
	}
	now := a.now().UTC()
	item := access{Day: now.Format(dayLayout), ID: now.Format(idLayout) + "#" + lc.AwsRequestID, DT: now.Format(dtLayout)}
	err = a.store.Store(ctx, item)
	if errors.Is(err, errConflict) {
		log.Printf("store the access: %v", err)
		return respond(http.StatusConflict, map[string]string{
			"message": fmt.Sprintf("conflict: an access with the key day=%s, id=%s is already stored; nothing was overwritten", item.Day, item.ID)})
	}
	if err != nil {
		// The details are for the logs; the client learns only that it failed.
		log.Printf("store the access: %v", err)
		return respond(http.StatusInternalServerError, map[string]string{"message": "internal error"})
	}
	count, err := a.store.Count(ctx)
	if err != nil {
		log.Printf("read the count: %v", err)
		return respond(http.StatusInternalServerError, map[string]string{"message": "internal error"})
	}
	day := item.Day
	if after != nil {
		day = after.Day // a cursor continues the day it was given for
	}
	items, last, err := a.store.Page(ctx, day, after)
	if err != nil {
		log.Printf("read the accesses: %v", err)
		return respond(http.StatusInternalServerError, map[string]string{"message": "internal error"})
	}
	p := page{Count: count, Day: day, AccessDatetime: items}
	if p.AccessDatetime == nil {
		p.AccessDatetime = []access{} // [] in the JSON, never null
	}
	if last != nil {
		p.Next = encodeCursor(*last)
	}
	return respond(http.StatusOK, p)
}

// dynamoStore is the accessStore of a DynamoDB table; main makes its client
// once, and every invocation reuses it.
type dynamoStore struct {
	db    *dynamodb.Client
	table string
}

// store writes the access and adds one to the counter in one transaction:
// both happen or neither, so the count and the items never disagree. The
// put is conditional, as in step 07: a collision cancels the transaction.
func (s *dynamoStore) Store(ctx context.Context, item access) error {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return fmt.Errorf("marshal the item: %w", err)
	}
	cond, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name("id"))).Build()
	if err != nil {
		return fmt.Errorf("build the condition: %w", err)
	}
	// ADD is atomic: DynamoDB adds to the stored value, so concurrent
	// requests never lose an increment (and ADD starts from 0).
	add, err := expression.NewBuilder().WithUpdate(expression.Add(expression.Name("accesses"), expression.Value(1))).Build()
	if err != nil {
		return fmt.Errorf("build the update: %w", err)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{
			TableName:                 aws.String(s.table),
			Item:                      av,
			ConditionExpression:       cond.Condition(),
			ExpressionAttributeNames:  cond.Names(),
			ExpressionAttributeValues: cond.Values(),
		}},
		{Update: &types.Update{
			TableName:                 aws.String(s.table),
			Key:                       totalItemKey(),
			UpdateExpression:          add.Update(),
			ExpressionAttributeNames:  add.Names(),
			ExpressionAttributeValues: add.Values(),
		}},
	}})
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) {
		for _, r := range canceled.CancellationReasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" {
				return fmt.Errorf("transaction on %s: %w", s.table, errConflict)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("store the access in %s: %w", s.table, err)
	}
	return nil
}

func totalItemKey() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"day": &types.AttributeValueMemberS{Value: totalKey},
		"id":  &types.AttributeValueMemberS{Value: totalKey},
	}
}

// count reads the counter with a strongly consistent GetItem, which sees
// every write that succeeded before it, this request's included.
func (s *dynamoStore) Count(ctx context.Context) (int, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            totalItemKey(),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("get the counter from %s: %w", s.table, err)
	}
	var t total
	if err := attributevalue.UnmarshalMap(out.Item, &t); err != nil {
		return 0, fmt.Errorf("unmarshal the counter: %w", err)
	}
	return t.Accesses, nil
}

// Page reads one page of the accesses of day, newest first (ScanIndexForward
// false), after the key after (nil: from the newest). One Query call with
// Limit reads at most pageSize items, whatever the size of the partition.
func (s *dynamoStore) Page(ctx context.Context, day string, after *access) ([]access, *access, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(expression.Key("day").Equal(expression.Value(day))).Build()
	if err != nil {
		return nil, nil, fmt.Errorf("build the key condition: %w", err)
	}
	var start map[string]types.AttributeValue
	if after != nil {
		start = map[string]types.AttributeValue{
			"day": &types.AttributeValueMemberS{Value: after.Day},
			"id":  &types.AttributeValueMemberS{Value: after.ID},
		}
	}
	pages := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(pageSize),
		ExclusiveStartKey:         start,
	})
	// One page only: the next one is the client's to ask for.
	out, err := pages.NextPage(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("query %s for %s: %w", s.table, day, err)
	}
	var items []access
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, nil, fmt.Errorf("unmarshal the items of %s: %w", s.table, err)
	}
	if out.LastEvaluatedKey == nil {
		return items, nil, nil
	}
	var last access
	if err := attributevalue.UnmarshalMap(out.LastEvaluatedKey, &last); err != nil {
		return nil, nil, fmt.Errorf("read LastEvaluatedKey of %s: %w", s.table, err)
	}
	return items, &last, nil
}

// encodeCursor makes the key of the last access read an opaque string for
// a URL: base64 of {"day":"...","id":"..."}.
func encodeCursor(k access) string {
	b, _ := json.Marshal(map[string]string{"day": k.Day, "id": k.ID}) // strings always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor turns a cursor back into the key to start after ("" is none).
// Whatever the client sends is checked: exactly a day and an id of that day,
// so that a malformed or altered cursor is a 400, never a DynamoDB error.
func decodeCursor(s string) (*access, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: next is not base64url", errBadCursor)
	}
	var k map[string]string
	if err := json.Unmarshal(b, &k); err != nil || len(k) != 2 {
		return nil, fmt.Errorf("%w: next does not hold a day and an id", errBadCursor)
	}
	day, id := k["day"], k["id"]
	if _, err := time.Parse(dayLayout, day); err != nil || !strings.HasPrefix(id, day+"T") {
		return nil, fmt.Errorf("%w: next does not hold a day and an id of that day", errBadCursor)
	}
	return &access{Day: day, ID: id}, nil
}

// respond answers with v as JSON.
func respond(status int, v any) (events.APIGatewayProxyResponse, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("marshal the response: %w", err)
	}
	return events.APIGatewayProxyResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}, nil
}

func main() {
	// This runs once per execution environment, in Lambda's init phase:
	// every invocation it serves reuses the client and its connections.
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		log.Fatal("TABLE_NAME is not set: the template passes the table's name in HelloFunction's Environment (TABLE_NAME: !Ref Table)")
	}
	// The region (AWS_REGION) and the execution role's temporary credentials
	// come from the environment Lambda gives the function.
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("load the AWS SDK configuration: %v", err)
	}
	a := &app{store: &dynamoStore{db: dynamodb.NewFromConfig(cfg), table: table}, now: time.Now}

	// lambda.Start talks to the Lambda Runtime API: it waits for the next
	// event, calls a.handler, and posts the response, for as long as the
	// execution environment lives.
	lambda.Start(a.handler)
}
