package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// tableReadyTimeout bounds the wait for a new table (and its indexes) to be ACTIVE.
const tableReadyTimeout = 30 * time.Second

// cfnTable is the part of an AWS::DynamoDB::Table's Properties that changes how the
// table stores and serves data. The rest (Tags, SSESpecification,
// PointInTimeRecoverySpecification, TimeToLiveSpecification, TableClass...) is ignored.
type cfnTable struct {
	TableName              string
	AttributeDefinitions   []types.AttributeDefinition
	KeySchema              []types.KeySchemaElement
	BillingMode            string
	ProvisionedThroughput  *cfnThroughput
	GlobalSecondaryIndexes []cfnIndex
	LocalSecondaryIndexes  []cfnIndex
	StreamSpecification    *struct{ StreamViewType types.StreamViewType }
}

type cfnIndex struct {
	IndexName             string
	KeySchema             []types.KeySchemaElement
	Projection            *types.Projection
	ProvisionedThroughput *cfnThroughput
}

type cfnThroughput struct {
	ReadCapacityUnits  cfnInt
	WriteCapacityUnits cfnInt
}

// cfnInt accepts 5 or "5": CloudFormation takes both, and parameters resolve to strings.
type cfnInt int64

func (n *cfnInt) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseInt(strings.Trim(string(b), `"`), 10, 64)
	if err != nil {
		return fmt.Errorf("%s is not a whole number", b)
	}
	*n = cfnInt(v)
	return nil
}

func (t *cfnThroughput) sdk() *types.ProvisionedThroughput {
	if t == nil {
		return nil
	}
	return &types.ProvisionedThroughput{
		ReadCapacityUnits:  aws.Int64(int64(t.ReadCapacityUnits)),
		WriteCapacityUnits: aws.Int64(int64(t.WriteCapacityUnits)),
	}
}

// CreateTable creates the table an AWS::DynamoDB::Table with these resolved
// Properties describes, as CloudFormation would, and returns once it is ACTIVE.
// props must name the table (TableName): the caller picks the name CloudFormation
// would generate when the template has none.
func CreateTable(ctx context.Context, c *dynamodb.Client, props map[string]any) error {
	in, err := createTableInput(props)
	if err != nil {
		return err
	}
	name := aws.ToString(in.TableName)
	if _, err := c.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("creating table %s: %w", name, err)
	}
	return waitActive(ctx, c, name)
}

// createTableInput maps and checks props. The checks are those DynamoDB makes, so
// the embedded backend (which makes few) rejects what AWS would reject.
func createTableInput(props map[string]any) (*dynamodb.CreateTableInput, error) {
	raw, err := json.Marshal(props)
	if err != nil {
		return nil, fmt.Errorf("table properties are not plain values: %w", err)
	}
	var t cfnTable
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("table %v: its properties do not have the shape of AWS::DynamoDB::Table: %w", props["TableName"], err)
	}
	if t.TableName == "" {
		return nil, fmt.Errorf("table properties have no TableName: name the table before creating it")
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("table %s: AWS would reject it: %s", t.TableName, fmt.Sprintf(format, args...))
	}
	if err := checkName(t.TableName); err != nil {
		return nil, fail("TableName: %v", err)
	}
	if t.BillingMode == "" {
		t.BillingMode = string(types.BillingModeProvisioned) // CloudFormation's default
	}
	switch types.BillingMode(t.BillingMode) {
	case types.BillingModePayPerRequest:
		if t.ProvisionedThroughput != nil {
			return nil, fail("ProvisionedThroughput cannot be set when BillingMode is PAY_PER_REQUEST")
		}
	case types.BillingModeProvisioned:
		if t.ProvisionedThroughput == nil {
			return nil, fail("BillingMode is PROVISIONED (the default) but ProvisionedThroughput is missing: add it, or set BillingMode: PAY_PER_REQUEST")
		}
	default:
		return nil, fail("BillingMode %q is neither PROVISIONED nor PAY_PER_REQUEST", t.BillingMode)
	}

	in := &dynamodb.CreateTableInput{
		TableName:             aws.String(t.TableName),
		AttributeDefinitions:  t.AttributeDefinitions,
		KeySchema:             t.KeySchema,
		BillingMode:           types.BillingMode(t.BillingMode),
		ProvisionedThroughput: t.ProvisionedThroughput.sdk(),
	}
	if err := checkKeySchema(t.KeySchema); err != nil {
		return nil, fail("KeySchema: %v", err)
	}
	used := keyNames(t.KeySchema)
	for _, ix := range t.GlobalSecondaryIndexes {
		if err := checkKeySchema(ix.KeySchema); err != nil {
			return nil, fail("global secondary index %s: KeySchema: %v", ix.IndexName, err)
		}
		if err := checkName(ix.IndexName); err != nil {
			return nil, fail("global secondary index: IndexName: %v", err)
		}
		if (ix.ProvisionedThroughput != nil) != (t.BillingMode == string(types.BillingModeProvisioned)) {
			return nil, fail("global secondary index %s: ProvisionedThroughput is required with BillingMode PROVISIONED and forbidden with PAY_PER_REQUEST", ix.IndexName)
		}
		used = append(used, keyNames(ix.KeySchema)...)
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(ix.IndexName), KeySchema: ix.KeySchema,
			Projection: ix.Projection, ProvisionedThroughput: ix.ProvisionedThroughput.sdk(),
		})
	}
	for _, ix := range t.LocalSecondaryIndexes {
		if err := checkKeySchema(ix.KeySchema); err != nil {
			return nil, fail("local secondary index %s: KeySchema: %v", ix.IndexName, err)
		}
		if err := checkName(ix.IndexName); err != nil {
			return nil, fail("local secondary index: IndexName: %v", err)
		}
		used = append(used, keyNames(ix.KeySchema)...)
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{
			IndexName: aws.String(ix.IndexName), KeySchema: ix.KeySchema, Projection: ix.Projection,
		})
	}
	slices.Sort(used)
	used = slices.Compact(used)

	var defined []string
	for _, d := range t.AttributeDefinitions {
		name := aws.ToString(d.AttributeName)
		switch d.AttributeType {
		case types.ScalarAttributeTypeS, types.ScalarAttributeTypeN, types.ScalarAttributeTypeB:
		default:
			return nil, fail("attribute %s has AttributeType %q: key attributes are S, N or B", name, d.AttributeType)
		}
		defined = append(defined, name)
	}
	slices.Sort(defined)
	for _, name := range used {
		if _, found := slices.BinarySearch(defined, name); !found {
			return nil, fail("key attribute %s is not in AttributeDefinitions", name)
		}
	}
	for _, name := range defined {
		if _, found := slices.BinarySearch(used, name); !found {
			return nil, fail("AttributeDefinitions lists %s, which is no key of the table or of an index: define key attributes only (DynamoDB is schemaless for the others)", name)
		}
	}

	if t.StreamSpecification != nil {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: t.StreamSpecification.StreamViewType}
	}
	return in, nil
}

// checkName applies DynamoDB's naming rule for tables and indexes.
func checkName(name string) error {
	if len(name) < 3 || len(name) > 255 {
		return fmt.Errorf("%q has %d characters: names have 3 to 255", name, len(name))
	}
	for _, r := range name {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' || r == '.') {
			return fmt.Errorf("%q contains %q: names use only a-z, A-Z, 0-9, '_', '-' and '.'", name, r)
		}
	}
	return nil
}

// checkKeySchema wants one HASH key, then at most one RANGE key.
func checkKeySchema(ks []types.KeySchemaElement) error {
	switch {
	case len(ks) == 0:
		return fmt.Errorf("it is empty: give a HASH key")
	case len(ks) > 2:
		return fmt.Errorf("it has %d keys: at most one HASH and one RANGE", len(ks))
	case ks[0].KeyType != types.KeyTypeHash:
		return fmt.Errorf("the first key must be the HASH key, not %q", ks[0].KeyType)
	case len(ks) == 2 && ks[1].KeyType != types.KeyTypeRange:
		return fmt.Errorf("the second key must be the RANGE key, not %q", ks[1].KeyType)
	}
	for _, k := range ks {
		if aws.ToString(k.AttributeName) == "" {
			return fmt.Errorf("a key has no AttributeName")
		}
	}
	return nil
}

func keyNames(ks []types.KeySchemaElement) []string {
	names := make([]string, 0, len(ks))
	for _, k := range ks {
		names = append(names, aws.ToString(k.AttributeName))
	}
	return names
}

// waitActive polls DescribeTable until the table and its indexes are ACTIVE, as
// CloudFormation waits. No SDK waiter: minidyn reports no status (taken as ready).
func waitActive(ctx context.Context, c *dynamodb.Client, table string) error {
	ctx, cancel := context.WithTimeout(ctx, tableReadyTimeout)
	defer cancel()
	for {
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			return fmt.Errorf("waiting for table %s to be ACTIVE: %w", table, err)
		}
		status := string(out.Table.TableStatus)
		ready := status == "" || out.Table.TableStatus == types.TableStatusActive
		for _, ix := range out.Table.GlobalSecondaryIndexes {
			if ix.IndexStatus != "" && ix.IndexStatus != types.IndexStatusActive {
				ready = false
				status = fmt.Sprintf("index %s %s", aws.ToString(ix.IndexName), ix.IndexStatus)
			}
		}
		if ready {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("table %s is still %s after %s: %w", table, status, tableReadyTimeout, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// PutItems writes items given in plain JSON form ({"dt": "2024-01-01 00:00:00", "n": 3})
// with BatchWriteItem, 25 at a time, retrying what DynamoDB leaves unprocessed.
// Two items with the same key in one call are an error, as in BatchWriteItem.
func PutItems(ctx context.Context, c *dynamodb.Client, table string, items []map[string]any) error {
	const batchSize = 25 // BatchWriteItem's limit
	for start := 0; start < len(items); start += batchSize {
		chunk := items[start:min(start+batchSize, len(items))]
		reqs := make([]types.WriteRequest, 0, len(chunk))
		for i, item := range chunk {
			av, err := attributevalue.MarshalMap(item)
			if err != nil {
				return fmt.Errorf("putting items into table %s: item %d cannot be stored: %w", table, start+i, err)
			}
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
		}
		if err := batchWrite(ctx, c, table, reqs); err != nil {
			return fmt.Errorf("putting items %d to %d into table %s: %w", start, start+len(chunk)-1, table, err)
		}
	}
	return nil
}

// batchWrite sends reqs and resends the unprocessed ones with backoff, as AWS advises.
func batchWrite(ctx context.Context, c *dynamodb.Client, table string, reqs []types.WriteRequest) error {
	const attempts = 8
	backoff := 50 * time.Millisecond
	for range attempts {
		out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{table: reqs},
		})
		if err != nil {
			return err
		}
		reqs = out.UnprocessedItems[table]
		if len(reqs) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
	return fmt.Errorf("%d items still unprocessed after %d attempts: DynamoDB is throttling, try again", len(reqs), attempts)
}

// ScanAll returns every item of table, reading every page, as plain Go values
// (strings, float64 numbers, bools, maps, slices).
func ScanAll(ctx context.Context, c *dynamodb.Client, table string) ([]map[string]any, error) {
	return scanAll(ctx, c, table, nil)
}

// scanAll scans with an optional page Limit, so tests can make pages on any backend.
func scanAll(ctx context.Context, c *dynamodb.Client, table string, limit *int32) ([]map[string]any, error) {
	pages := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{
		TableName: aws.String(table), ConsistentRead: aws.Bool(true), Limit: limit,
	})
	var items []map[string]any
	for n := 1; pages.HasMorePages(); n++ {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scanning table %s (page %d): %w", table, n, err)
		}
		var plain []map[string]any
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &plain); err != nil {
			return nil, fmt.Errorf("scanning table %s (page %d): reading items: %w", table, n, err)
		}
		items = append(items, plain...)
	}
	return items, nil
}

// TableInfo is what checks assert about a table.
type TableInfo struct {
	Name           string
	Status         string            // ACTIVE...; "" where the backend does not say
	HashKey        string            // partition key attribute
	RangeKey       string            // sort key attribute, "" if none
	AttributeTypes map[string]string // AttributeDefinitions: name -> S, N or B
	BillingMode    string            // PAY_PER_REQUEST or PROVISIONED
	ReadCapacity   int64             // PROVISIONED only
	WriteCapacity  int64             // PROVISIONED only
}

// Describe returns the key schema, attribute types and billing mode of table.
func Describe(ctx context.Context, c *dynamodb.Client, table string) (*TableInfo, error) {
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return nil, fmt.Errorf("describing table %s: %w", table, err)
	}
	d := out.Table
	info := &TableInfo{
		Name:           aws.ToString(d.TableName),
		Status:         string(d.TableStatus),
		AttributeTypes: map[string]string{},
		BillingMode:    string(types.BillingModeProvisioned), // DynamoDB omits the summary for those
	}
	for _, k := range d.KeySchema {
		switch k.KeyType {
		case types.KeyTypeHash:
			info.HashKey = aws.ToString(k.AttributeName)
		case types.KeyTypeRange:
			info.RangeKey = aws.ToString(k.AttributeName)
		}
	}
	for _, a := range d.AttributeDefinitions {
		info.AttributeTypes[aws.ToString(a.AttributeName)] = string(a.AttributeType)
	}
	if d.BillingModeSummary != nil && d.BillingModeSummary.BillingMode != "" {
		info.BillingMode = string(d.BillingModeSummary.BillingMode)
	}
	if info.BillingMode == string(types.BillingModeProvisioned) && d.ProvisionedThroughput != nil {
		info.ReadCapacity = aws.ToInt64(d.ProvisionedThroughput.ReadCapacityUnits)
		info.WriteCapacity = aws.ToInt64(d.ProvisionedThroughput.WriteCapacityUnits)
	}
	return info, nil
}
