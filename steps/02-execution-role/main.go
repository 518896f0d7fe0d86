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

// helloBody is the JSON the API answers with.
type helloBody struct {
	Message string `json:"message"`
}

func handler(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log.Printf("%s %s from %s", req.HTTPMethod, req.Path, req.RequestContext.Identity.SourceIP)

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
	// lambda.Start talks to the Lambda Runtime API: it waits for the next
	// event, calls handler, and posts the response, for as long as the
	// execution environment lives.
	lambda.Start(handler)
}
