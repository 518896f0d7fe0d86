package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/participant"
)

// stepState is one step's line of `workshop status`; -json prints them for
// an instructor collecting the room's progress.
type stepState struct {
	Step    string   `json:"step"`  // slug
	Title   string   `json:"title"` // one line
	State   string   `json:"state"` // untouched, in progress, done
	Failing []string `json:"failing,omitempty"`
}

func status(args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the participant and every step's state as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, m, err := manifest()
	if err != nil {
		return err
	}
	var states []stepState
	for _, s := range m.Steps {
		st, err := stateOf(root, s)
		if err != nil {
			return err
		}
		states = append(states, st)
		if *asJSON {
			continue
		}
		switch st.State {
		case "in progress":
			fmt.Printf("%-24s in progress failing: %s (details: go run ./scripts/workshop check %s)\n", s.Slug, strings.Join(st.Failing, ", "), s.Number())
		default:
			fmt.Printf("%-24s %-11s %s\n", s.Slug, st.State, s.Title)
		}
	}
	if *asJSON {
		name, _, err := participant.Get(root)
		if err != nil {
			return err
		}
		out, _ := json.MarshalIndent(map[string]any{"participant": name, "steps": states}, "", "  ")
		fmt.Println(string(out))
	}
	return nil
}

// stateOf runs a step's checks unless its files are the untouched starter's.
func stateOf(root string, s checks.Step) (stepState, error) {
	st := stepState{Step: s.Slug, Title: s.Title, State: "untouched"}
	t, err := checks.Resolve(filepath.Join(root, "steps", s.Slug))
	if err != nil {
		return st, err
	}
	if t.Mode == checks.Verify {
		return st, nil
	}
	results, err := t.Check(nil, time.Now().Add(10*time.Minute))
	if err != nil {
		return st, err
	}
	for _, r := range results {
		if r.Failed {
			st.Failing = append(st.Failing, r.Name)
		}
	}
	st.State = "done"
	if len(st.Failing) > 0 {
		st.State = "in progress"
	}
	return st, nil
}
