package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
)

// Redeploy deploys the step's template as it is now, as `sam deploy` updates
// a stack: on the same backend, under the same access key, with every
// function started anew. A table whose definition is unchanged keeps its
// items; one the template no longer has, or whose definition changed, is
// deleted (and created anew), and the log says its items are gone.
//
// Nothing is touched until the template reads and every function builds, so
// a broken edit leaves s as it was. The caller serves the new stack's API,
// then shuts s down; the backend goes with the new stack when s owned it.
func (s *Stack) Redeploy(ctx context.Context) (*Stack, error) {
	app, _, err := Load(s.dir, s.dep)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "workshop-redeploy-")
	if err != nil {
		return nil, fmt.Errorf("creating a build directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, fn := range app.Functions {
		if err := errors.Join(fn.BuildProblem(), fn.CodeProblem()); err != nil {
			return nil, fmt.Errorf("%s: %w", app.Template.Where(fn.ID), err)
		}
		// The build cache keeps the result: Deploy's own build is a hit.
		if _, err := s.build(ctx, fn.CodeDir, filepath.Join(tmp, fn.ID)); err != nil {
			return nil, err
		}
	}
	opts := s.opts
	opts.Backend, opts.AccessKey, opts.previous = s.Backend, s.AccessKey, s
	n, err := Deploy(ctx, opts)
	if err != nil {
		return nil, err
	}
	if s.ownBackend {
		s.ownBackend, n.ownBackend = false, true
	}
	return n, nil
}

// updateTables brings the backend's tables to the template's: with no
// previous stack it creates them all; otherwise it keeps the tables whose
// definition is unchanged and deletes those previous had that are gone or
// changed. note ends the progress lines.
func (s *Stack) updateTables(ctx context.Context, logs io.Writer, previous *Stack, note string) error {
	defs, err := s.tableProps()
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	if previous != nil {
		old, err := previous.tableProps()
		if err != nil {
			return err
		}
		for _, id := range slices.Sorted(maps.Keys(old)) {
			name := old[id]["TableName"].(string)
			if reflect.DeepEqual(old[id], defs[id]) {
				keep[id] = true
				fmt.Fprintf(logs, "table %s (%s) is unchanged: its items stay\n", name, id)
				continue
			}
			why := "the template no longer has it"
			if defs[id] != nil {
				why = "its definition changed, and the local stack replaces a changed table (CloudFormation replaces one whose name or key schema changes, and updates other properties in place)"
			}
			fmt.Fprintf(logs, "deleting table %s (%s): %s; its items are gone\n", name, id, why)
			if _, err := s.DB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
				return fmt.Errorf("resource %s: deleting table %s: %w", id, name, err)
			}
		}
	}
	for _, tbl := range s.App.Tables {
		if keep[tbl.ID] {
			continue
		}
		fmt.Fprintf(logs, "creating table %s (%s) on %s DynamoDB%s\n", s.Env.Refs[tbl.ID], tbl.ID, s.Backend.Kind(), note)
		if err := dynamo.CreateTable(ctx, s.DB, defs[tbl.ID]); err != nil {
			return fmt.Errorf("resource %s: %w", tbl.ID, err)
		}
	}
	return nil
}
