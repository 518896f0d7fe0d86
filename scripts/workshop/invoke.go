package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/gobuild"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// EventFile is the event invoke sends by default, in the step's folder, as
// SAM projects keep it: `sam local invoke -e events/event.json`.
const EventFile = "events/event.json"

// invoke deploys the step locally and invokes its function once with an
// event, as `sam local invoke -e EVENT` does: the function's logs on stderr,
// its raw response on stdout.
func invoke(args []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return invokeStep(ctx, args, os.Stdout, os.Stderr)
}

func invokeStep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	solution := fs.Bool("solution", false, "use solutions/STEP instead of your steps/STEP")
	function := fs.String("function", "", "the function's logical id, when the template has several")
	noIAM := fs.Bool("no-iam", false, "do not enforce the execution role on DynamoDB calls")
	// STEP and EVENT may come before, between or after the flags.
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if args = fs.Args(); len(args) > 0 {
			pos, args = append(pos, args[0]), args[1:]
		}
	}
	if len(pos) == 0 || len(pos) > 2 {
		return errors.New("usage: go run ./scripts/workshop invoke STEP [-solution] [-function ID] [EVENT]\n  EVENT defaults to the step's " + EventFile)
	}
	t, err := checks.Locate(pos[0], *solution)
	if err != nil {
		return err
	}
	event := filepath.Join(t.Dir, filepath.FromSlash(EventFile))
	if len(pos) == 2 {
		event = pos[1]
		if _, err := os.Stat(event); err != nil && !filepath.IsAbs(event) {
			event = filepath.Join(t.Dir, event) // relative to the step, as in its README
		}
	}
	payload, err := os.ReadFile(event)
	if err != nil {
		events, _ := filepath.Glob(filepath.Join(t.Dir, "events", "*.json"))
		return fmt.Errorf("cannot read the event %s: %w; the step's events: %s", rel(t.Root, event), errors.Unwrap(err), strings.Join(relAll(t.Root, events), ", "))
	}
	if !json.Valid(payload) {
		return fmt.Errorf("%s is not valid JSON: Lambda only accepts a JSON event", rel(t.Root, event))
	}

	fmt.Fprintf(stderr, "workshop: invoking %s (%s) with %s\n", t.Step.Slug, rel(t.Root, t.Dir), rel(t.Root, event))
	s, err := stack.Deploy(ctx, stack.Options{Dir: t.Dir, Logs: stderr, NoIAM: *noIAM})
	if err != nil {
		var ce *gobuild.CompileError
		if errors.As(err, &ce) {
			return fmt.Errorf("the function's Go code does not compile; fix it and invoke again:\n%v", err)
		}
		return err
	}
	defer s.Close()
	id := *function
	ids := slices.Sorted(func(yield func(string) bool) {
		for _, fn := range s.App.Functions {
			if !yield(fn.ID) {
				return
			}
		}
	})
	switch {
	case id == "" && len(ids) == 1:
		id = ids[0]
	case id == "":
		return fmt.Errorf("%s has %d functions (%s): name one with -function", s.App.Template.Name, len(ids), strings.Join(ids, ", "))
	}
	f, ok := s.Function(id)
	if !ok {
		return fmt.Errorf("%s has no function %s (functions: %s)", s.App.Template.Name, id, strings.Join(ids, ", "))
	}
	res, err := f.Invoke(ctx, payload)
	if err != nil {
		return fmt.Errorf("invoking %s: %w", id, err)
	}
	// The logs went to stderr as the function wrote them (START ... REPORT).
	fmt.Fprintln(stdout, string(res.Payload))
	if res.FunctionError != "" {
		fmt.Fprintf(stderr, "workshop: the function failed (%s): its error is the response above\n", res.FunctionError)
	}
	return nil
}
