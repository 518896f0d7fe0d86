// Command slow answers GET /slow?sleep=DURATION&mark=FILE after sleeping,
// then storing an item: the test of Ctrl-C in `workshop run` interrupts it
// mid-way (mark tells the test the invocation has begun).
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	db := dynamodb.NewFromConfig(cfg)
	lambda.Start(func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		q := req.QueryStringParameters
		if q["mark"] != "" {
			if err := os.WriteFile(q["mark"], nil, 0o644); err != nil {
				return events.APIGatewayProxyResponse{}, err
			}
		}
		d, _ := time.ParseDuration(q["sleep"])
		time.Sleep(d)
		pid := strconv.Itoa(os.Getpid())
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(os.Getenv("TABLE_NAME")),
			Item:      map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: pid}},
		})
		if err != nil {
			return events.APIGatewayProxyResponse{StatusCode: 500, Body: err.Error()}, nil
		}
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: fmt.Sprintf(`{"pid":%s,"stored":true}`, pid)}, nil
	})
}
