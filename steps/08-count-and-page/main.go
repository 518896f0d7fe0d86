// Command hello is the workshop's Lambda function. API Gateway's Lambda proxy
// integration sends each GET /hello here as an APIGatewayProxyRequest, and
// the function answers with an APIGatewayProxyResponse that API Gateway turns
// into the HTTP response. Each call stores its access in the DynamoDB table
// named in TABLE_NAME, under a key no other access can have, then answers
// with the accesses of the day.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
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
)

// access is one item of the table. day (partition key) and id (sort key)
// together are its primary key: id is the time of the access and the Lambda
// request id, which no other invocation has, so no two accesses share a key.
type access struct {
	Day string `dynamodbav:"day" json:"-"`
	ID  string `dynamodbav:"id" json:"id"`
	DT  string `dynamodbav:"dt" json:"dt"`
}

// TODO(step 08): the answer grows with the table: every request reads every
// access of the day, and at 100,000 accesses it reads 100,000 items. Answer
// instead with a page of fixed size and a count that costs one read:
//
//	{"Count": <all accesses ever>, "Day": "2026-11-29",
//	 "AccessDatetime": [the 20 newest of the day, newest first],
//	 "next": "<cursor to the next page, absent on the last one>"}
//
// GET /hello?next=<cursor> continues (req.QueryStringParameters["next"]).
//
// accessLog is the JSON the API answers with: the accesses of the day, oldest
// first, and how many there are.
type accessLog struct {
	AccessDatetime []access `json:"AccessDatetime"`
	Count          int      `json:"Count"`
}

// errConflict says an item with the key was already stored: the conditional
// put refused to replace it.
var errConflict = errors.New("an access with this key is already stored")

// TODO(step 08): make the handler testable without DynamoDB: it reads and
// writes through a small interface, accessStore (Store, Count, Page: see the
// README), that a dynamoStore {db, table} implements with the DynamoDB calls,
// and app holds {store accessStore; now func() time.Time}. main makes the
// client once and passes &dynamoStore{...} and time.Now; main_test.go passes
// a fake.
//
// app is what every invocation reuses: main makes it once per execution
// environment, and its handler method serves each request.
type app struct {
	db    *dynamodb.Client
	table string
}

func (a *app) handler(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log.Printf("%s %s from %s", req.HTTPMethod, req.Path, req.RequestContext.Identity.SourceIP)

	// The request id is unique to this invocation; Lambda puts it in ctx.
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok {
		return events.APIGatewayProxyResponse{}, errors.New("no Lambda context: the request id is missing")
	}
	now := time.Now().UTC()
	item := access{Day: now.Format(dayLayout), ID: now.Format(idLayout) + "#" + lc.AwsRequestID, DT: now.Format(dtLayout)}
	err := a.put(ctx, item)
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
	today, err := a.day(ctx, item.Day)
	if err != nil {
		log.Printf("read the accesses: %v", err)
		return respond(http.StatusInternalServerError, map[string]string{"message": "internal error"})
	}
	return respond(http.StatusOK, accessLog{AccessDatetime: today, Count: len(today)})
}

// TODO(step 08): count every access in a counter item, key day "#total" and
// id "#total", attribute accesses (a number), and write the access and the
// count together with TransactWriteItems: a Put (with the same condition as
// now) and an Update with UpdateExpression ADD accesses :one (expression.Add).
// Both happen or neither, and ADD never loses a concurrent increment. A
// failed condition cancels the transaction: *types.TransactionCanceledException,
// whose CancellationReasons have the Code ConditionalCheckFailed; answer 409.
// Read the count with GetItem, ConsistentRead true.
//
// put writes the item only if no item has its key: attribute_not_exists(id)
// is true only when there is no item with this key, so a collision is an
// error instead of a silent replacement.
func (a *app) put(ctx context.Context, item access) error {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return fmt.Errorf("marshal the item: %w", err)
	}
	expr, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name("id"))).Build()
	if err != nil {
		return fmt.Errorf("build the condition: %w", err)
	}
	_, err = a.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(a.table),
		Item:                      av,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return fmt.Errorf("put into %s: %w", a.table, errConflict)
	}
	if err != nil {
		return fmt.Errorf("put an item into %s: %w", a.table, err)
	}
	return nil
}

// TODO(step 08): read one page only: Query with Limit 20, ScanIndexForward
// false (newest first) and ExclusiveStartKey from the cursor; make the page's
// LastEvaluatedKey the cursor of the answer (base64.RawURLEncoding of the
// JSON {"day":"...","id":"..."}). Check a cursor before using it: one that
// does not decode to exactly a day and an id of that day answers 400 with a
// JSON message, before anything is stored.
//
// day reads the accesses of one day with Query: only the items of that
// partition, in sort key order, every page of them.
func (a *app) day(ctx context.Context, day string) ([]access, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(expression.Key("day").Equal(expression.Value(day))).Build()
	if err != nil {
		return nil, fmt.Errorf("build the key condition: %w", err)
	}
	all := []access{}
	pages := dynamodb.NewQueryPaginator(a.db, &dynamodb.QueryInput{
		TableName:                 aws.String(a.table),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query %s for %s: %w", a.table, day, err)
		}
		var items []access
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("unmarshal the items of %s: %w", a.table, err)
		}
		all = append(all, items...)
	}
	return all, nil
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
	a := &app{db: dynamodb.NewFromConfig(cfg), table: table}

	// lambda.Start talks to the Lambda Runtime API: it waits for the next
	// event, calls a.handler, and posts the response, for as long as the
	// execution environment lives.
	lambda.Start(a.handler)
}
