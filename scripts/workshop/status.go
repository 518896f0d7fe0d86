package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
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
	State   string   `json:"state"` // untouched, in progress, unchecked, done
	Failing []string `json:"failing,omitempty"`
	// Skipped checks proved nothing (a tool is missing): a step with any is
	// never done.
	Skipped []string `json:"skipped,omitempty"`
}

func status(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the participant and every step's state as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("status takes no argument (it shows every step), got %s", strings.Join(fs.Args(), " "))
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
		fmt.Fprintln(w, st.line(s))
	}
	if *asJSON {
		name, _, err := participant.Get(root)
		if err != nil {
			return err
		}
		out, _ := json.MarshalIndent(map[string]any{"participant": name, "steps": states}, "", "  ")
		fmt.Fprintln(w, string(out))
	}
	return nil
}

// progress says what status does besides answering: on standard error, so
// that -json's output stays JSON.
var progress io.Writer = os.Stderr

// stateOf is a step's state: untouched while its files are the starter's,
// else the verdict its checks last gave on these very files (go test, check
// and watch keep one), else that of running them now.
func stateOf(root string, s checks.Step) (stepState, error) {
	st := stepState{Step: s.Slug, Title: s.Title, State: "untouched"}
	t, err := checks.Resolve(filepath.Join(root, "steps", s.Slug))
	if err != nil {
		return st, err
	}
	if t.Mode == checks.Verify {
		return st, nil
	}
	key, err := t.VerdictKey()
	if err != nil {
		return st, fmt.Errorf("reading step %s: %w", s.Slug, err)
	}
	v, ok := checks.LoadVerdict(key)
	if !ok {
		fmt.Fprintf(progress, "%s: not checked since your last edit; running its checks (as go test ./steps/%s does)...\n", s.Slug, s.Slug)
		results, err := t.Check(nil, time.Now().Add(10*time.Minute))
		if err != nil {
			return st, err
		}
		v = checks.VerdictOf(results)
	}
	st.Failing = v.Names(checks.CheckFailed)
	st.Skipped = v.Names(checks.CheckSkipped)
	switch {
	case len(st.Failing) > 0:
		st.State = "in progress"
	case len(st.Skipped) > 0:
		st.State = "unchecked"
	default:
		st.State = "done"
	}
	return st, nil
}

// line is the step's line of `workshop status`: done only when every check
// ran and passed; a skipped check proved nothing, so it is named, never
// counted done.
func (st stepState) line(s checks.Step) string {
	details := fmt.Sprintf("(details: go run ./scripts/workshop check %s)", s.Number())
	failing, skipped := strings.Join(st.Failing, ", "), strings.Join(st.Skipped, ", ")
	switch {
	case len(st.Failing) > 0 && len(st.Skipped) > 0:
		return fmt.Sprintf("%-24s in progress failing: %s; skipped: %s %s", s.Slug, failing, skipped, details)
	case len(st.Failing) > 0:
		return fmt.Sprintf("%-24s in progress failing: %s %s", s.Slug, failing, details)
	case len(st.Skipped) > 0:
		return fmt.Sprintf("%-24s unchecked   the others pass, but skipped: %s (a tool is missing) %s", s.Slug, skipped, details)
	}
	return fmt.Sprintf("%-24s %-11s %s", s.Slug, st.State, s.Title)
}
