// Command hello is the workshop's Lambda function. API Gateway's Lambda proxy
// integration sends each GET /hello here as an APIGatewayProxyRequest, and
// the function answers with an APIGatewayProxyResponse that API Gateway turns
// into the HTTP response.
package main

import (
	"context"
	"encoding/json"
	"log"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// TODO(step 04): the items of the table. Add a type access with one field,
// DT string, tagged `dynamodbav:"dt" json:"dt"`: attributevalue.MarshalMap
// turns access{DT: "..."} into the item {dt: "..."}.

// helloBody is the JSON the API answers with.
// TODO(step 04): add the field DT string `json:"dt"`: the access time stored.
type helloBody struct {
	Message string `json:"message"`
}

// TODO(step 04): add the type app, what every invocation reuses: the DynamoDB
// client (db *dynamodb.Client) and the table's name (table string). Then make
// handler a method of it, func (a *app) handler(...), so that it can use them.

func handler(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log.Printf("%s %s from %s", req.HTTPMethod, req.Path, req.RequestContext.Identity.SourceIP)

	// TODO(step 04): store this access in the table: the item {dt: the time
	// now in UTC, formatted "2006-01-02 15:04:05"}, made with
	// attributevalue.MarshalMap and written with PutItem into the table. If
	// that fails, log the error with log.Printf and answer 500 with the body
	// {"message":"internal error"}: the details stay in the logs. Then answer
	// as before, with the time stored in the field dt of the body.

	body, err := json.Marshal(helloBody{Message: "Hello from Lambda!"})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{
		StatusCode: http.StatusOK,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}, nil
}

func main() {
	// TODO(step 04): before lambda.Start, set up what every invocation reuses
	// (this runs once per execution environment, in Lambda's init phase):
	// - read the table's name from os.Getenv("TABLE_NAME"); if it is empty,
	//   stop with log.Fatal("TABLE_NAME is not set: ...") saying where it
	//   comes from;
	// - load the SDK's configuration with config.LoadDefaultConfig (region and
	//   credentials come from the function's environment) and make the client
	//   with dynamodb.NewFromConfig;
	// - start the method of your app instead of handler.

	// lambda.Start talks to the Lambda Runtime API: it waits for the next
	// event, calls handler, and posts the response, for as long as the
	// execution environment lives.
	lambda.Start(handler)
}
