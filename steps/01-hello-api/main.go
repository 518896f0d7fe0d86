// Command hello is the workshop's Lambda function. API Gateway's Lambda proxy
// integration sends each GET /hello here as an APIGatewayProxyRequest, and
// the function answers with an APIGatewayProxyResponse that API Gateway turns
// into the HTTP response.
package main

import (
	"context"
	"log"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log.Printf("%s %s from %s", req.HTTPMethod, req.Path, req.RequestContext.Identity.SourceIP)

	// TODO(step 01): answer with a JSON body, {"message":"Hello from Lambda!"},
	// built with encoding/json, and the header Content-Type: application/json
	// so that clients know how to read it.
	return events.APIGatewayProxyResponse{
		StatusCode: http.StatusOK,
		Body:       "Hello from Lambda!",
	}, nil
}

func main() {
	// lambda.Start talks to the Lambda Runtime API: it waits for the next
	// event, calls handler, and posts the response, for as long as the
	// execution environment lives.
	lambda.Start(handler)
}
