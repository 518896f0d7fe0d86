// Command hello is the workshop's Lambda function. API Gateway's Lambda proxy
// integration sends each GET /hello here as an APIGatewayProxyRequest, and
// the function answers with an APIGatewayProxyResponse that API Gateway turns
// into the HTTP response. Each call stores the time of the access in the
// DynamoDB table named in TABLE_NAME.
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

// access is one item of the table: the time of one GET /hello, under the
// table's partition key dt.
type access struct {
	DT string `dynamodbav:"dt" json:"dt"`
}

// helloBody is the JSON the API answers with.
type helloBody struct {
	Message string `json:"message"`
	DT      string `json:"dt"`
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
	return respond(http.StatusOK, helloBody{Message: "Hello from Lambda!", DT: item.DT})
}

// put writes the item into the table; an item with the same dt is replaced.
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
