// Command hello is the workshop's Lambda function. API Gateway's Lambda proxy
// integration sends each GET /hello here as an APIGatewayProxyRequest, and
// the function answers with an APIGatewayProxyResponse that API Gateway turns
// into the HTTP response. Each call stores the time of the access in the
// DynamoDB table named in TABLE_NAME, then answers with every access stored.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// dtLayout is how the seed app writes the access time: to the second.
const dtLayout = "2006-01-02 15:04:05"

// TODO(step 07): two accesses in the same second get the same key dt, and
// PutItem replaces the item stored under it: the first access is lost
// without an error. Store each access under a key no other access can have:
//   - day (partition key): the day, now.Format("2006-01-02");
//   - id (sort key): the time to the nanosecond in a fixed width,
//     now.Format("2006-01-02T15:04:05.000000000Z"), then "#" and the Lambda
//     request id (lambdacontext.FromContext(ctx) gives AwsRequestID);
//   - dt: the time as before, kept as an attribute for the answer.
// Answer with {"AccessDatetime": [{"id": ..., "dt": ...}, ...], "Count": n}.

// access is one item of the table: the time of one GET /hello, under the
// table's partition key dt.
type access struct {
	DT string `dynamodbav:"dt" json:"dt"`
}

// accessLog is the JSON the API answers with, as the seed app does: every
// access stored, and how many there are.
type accessLog struct {
	AccessDatetime []access `json:"AccessDatetime"`
	Count          int      `json:"Count"`
}

// app is what every invocation reuses: main makes it once per execution
// environment, and its handler method serves each request.
type app struct {
	db    *dynamodb.Client
	table string
}

func (a *app) handler(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log.Printf("%s %s from %s", req.HTTPMethod, req.Path, req.RequestContext.Identity.SourceIP)

	item := access{DT: time.Now().UTC().Format(dtLayout)}
	if err := a.put(ctx, item); err != nil {
		// The details are for the logs; the client learns only that it failed.
		log.Printf("store the access: %v", err)
		return respond(http.StatusInternalServerError, map[string]string{"message": "internal error"})
	}
	all, err := a.scanAll(ctx)
	if err != nil {
		log.Printf("read the accesses: %v", err)
		return respond(http.StatusInternalServerError, map[string]string{"message": "internal error"})
	}
	return respond(http.StatusOK, accessLog{AccessDatetime: all, Count: len(all)})
}

// put writes the item into the table; an item with the same dt is replaced.
//
// TODO(step 07): make the write conditional, so that a collision is an error
// and never a silent replacement: build ConditionExpression
// attribute_not_exists(id) with the expression package
// (expression.NewBuilder().WithCondition(expression.AttributeNotExists(...)))
// and pass expr.Condition(), expr.Names() and expr.Values(). When the
// condition fails, the SDK returns *types.ConditionalCheckFailedException:
// answer 409 with a JSON message that names the conflict.
func (a *app) put(ctx context.Context, item access) error {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return fmt.Errorf("marshal the item: %w", err)
	}
	if _, err := a.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(a.table), Item: av}); err != nil {
		return fmt.Errorf("put an item into %s: %w", a.table, err)
	}
	return nil
}

// TODO(step 07): read only the accesses of today with Query instead of
// Scan: a key condition day = today, built with expression.Key("day").Equal(
// expression.Value(day)) and WithKeyCondition, read with
// dynamodb.NewQueryPaginator, every page.
//
// scanAll reads every item of the table. One Scan call returns at most 1 MB
// of items and a LastEvaluatedKey to go on from; the paginator makes the
// next call with it until there is none, so no item is left out.
func (a *app) scanAll(ctx context.Context) ([]access, error) {
	all := []access{}
	pages := dynamodb.NewScanPaginator(a.db, &dynamodb.ScanInput{TableName: aws.String(a.table)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", a.table, err)
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
