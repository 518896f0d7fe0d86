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
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
)

// Redeploy deploys the step's template as it is now, as `sam deploy` updates
// a stack: on the same backend, under the same access key, with every
// function started anew. Tables follow CloudFormation's rules (updateTables):
// an unchanged table, or one changed in place, keeps its items.
//
// Nothing is touched until the template reads and every function builds, so
// a broken edit leaves s as it was. The caller serves the new stack's API,
// shuts s down, then calls Cleanup on the new stack; the backend goes with
// the new stack when s owned it.
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

// replacing are the AWS::DynamoDB::Table properties whose change makes
// CloudFormation replace the table; it updates the others in place.
var replacing = []string{"TableName", "KeySchema", "LocalSecondaryIndexes", "ImportSourceSpecification"}

// updateTables brings the backend's tables to the template's, as
// CloudFormation updates a stack from previous's (nil: a first deploy, every
// table created). An unchanged table keeps its items, and so does one whose
// changes CloudFormation makes in place. A replacement under a new name is
// created now and the old table goes in Cleanup, once the new stack serves;
// under the same generated name it is deleted first; a custom-named table
// that needs replacing is refused, as CloudFormation refuses it. note ends
// the progress lines.
func (s *Stack) updateTables(ctx context.Context, logs io.Writer, previous *Stack, note string) error {
	defs, err := s.tableProps()
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	var deleteNow []string
	if previous != nil {
		old, err := previous.tableProps()
		if err != nil {
			return err
		}
		// Decide everything before touching anything.
		for _, id := range slices.Sorted(maps.Keys(old)) {
			oldName := old[id]["TableName"].(string)
			cur, ok := defs[id]
			if !ok {
				if retained(previous, id) {
					fmt.Fprintf(logs, "table %s (%s) left the template; DeletionPolicy Retain keeps it and its items\n", oldName, id)
				} else {
					s.retire = append(s.retire, retiredTable{id, oldName, "the template no longer has it"})
				}
				continue
			}
			var replace, changed []string
			for _, k := range slices.Sorted(maps.Keys(union(old[id], cur))) {
				if !reflect.DeepEqual(old[id][k], cur[k]) {
					if slices.Contains(replacing, k) {
						replace = append(replace, k)
					} else {
						changed = append(changed, k)
					}
				}
			}
			newName := cur["TableName"].(string)
			switch {
			case len(replace) == 0:
				keep[id] = true
				if len(changed) == 0 {
					fmt.Fprintf(logs, "table %s (%s) is unchanged: its items stay\n", oldName, id)
				} else {
					fmt.Fprintf(logs, "table %s (%s): %s changed, which CloudFormation updates in place: the table and its items stay (locally it keeps the settings it was created with; restart to create it anew)\n", oldName, id, strings.Join(changed, ", "))
				}
			case newName == oldName && customName(s, id):
				return fmt.Errorf("%s: resource %s: %s changed, so CloudFormation must replace the table, and it refuses to replace a custom-named resource (\"CloudFormation cannot update a stack when a custom-named resource requires replacing\"): give TableName a new value too, or deploy a new stack; the running stack stays as it was",
					s.App.Template.Where(id), id, strings.Join(replace, ", "))
			case newName == oldName:
				deleteNow = append(deleteNow, id)
				fmt.Fprintf(logs, "deleting table %s (%s): %s changed, so CloudFormation replaces it (in AWS under a new generated name, before deleting the old one); its items are gone\n", oldName, id, strings.Join(replace, ", "))
			default:
				s.retire = append(s.retire, retiredTable{id, oldName, strings.Join(replace, ", ") + " changed, so CloudFormation replaced it with " + newName})
			}
		}
	}
	for _, id := range deleteNow {
		name := defs[id]["TableName"].(string)
		if _, err := s.DB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			return fmt.Errorf("resource %s: deleting table %s: %w", id, name, err)
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

// retiredTable is a table of the previous deployment that Cleanup deletes.
type retiredTable struct{ id, name, why string }

// Cleanup deletes the tables the previous deployment had and this one
// replaced or dropped: CloudFormation's cleanup phase, once the update is done.
func (s *Stack) Cleanup(ctx context.Context, logs io.Writer) error {
	var errs []error
	for _, t := range s.retire {
		fmt.Fprintf(logs, "deleting table %s (%s): %s; its items are gone\n", t.name, t.id, t.why)
		if _, err := s.DB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(t.name)}); err != nil {
			errs = append(errs, fmt.Errorf("resource %s: deleting table %s: %w", t.id, t.name, err))
		}
	}
	s.retire = nil
	return errors.Join(errs...)
}

// customName reports whether the template names table id itself.
func customName(s *Stack, id string) bool {
	for _, t := range s.App.Tables {
		if t.ID == id {
			_, ok := t.Properties["TableName"]
			return ok
		}
	}
	return false
}

// retained reports whether s's template keeps table id when it is deleted.
func retained(s *Stack, id string) bool {
	res, _ := s.App.Template.Doc["Resources"].(map[string]any)
	r, _ := res[id].(map[string]any)
	return r["DeletionPolicy"] == "Retain" || r["DeletionPolicy"] == "RetainExceptOnCreate"
}
