// A function that answers GET /hello; the browser's preflight for it is
// API Gateway's to answer (SAM's Cors), never the function's.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"method":"` + req.HTTPMethod + `"}`}, nil
}

func main() { lambda.Start(handler) }
