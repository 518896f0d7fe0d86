package dynamo

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// PutItemsParallel is PutItems with several BatchWriteItem calls in flight
// (workers of them, 500 items each), to fill a table with tens of thousands
// of items in seconds. The first error stops nothing already sent; it is returned.
func PutItemsParallel(ctx context.Context, c *dynamodb.Client, table string, items []map[string]any, workers int) error {
	const chunk = 500
	errs := make(chan error, (len(items)+chunk-1)/chunk)
	sem := make(chan struct{}, max(workers, 1))
	var wg sync.WaitGroup
	for lo := 0; lo < len(items); lo += chunk {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs <- PutItems(ctx, c, table, items[lo:min(lo+chunk, len(items))])
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
