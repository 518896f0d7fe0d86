package main

import (
	"fmt"
	"path/filepath"

	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// stepAtHand is the step doctor reviews: the one asked for (-step NN), else
// the last step whose files the learner changed (steps are worked in order),
// else the first. Whether a step is done needs its checks, which are
// `workshop status`'s job, not a preflight's.
func stepAtHand(root string, m *checks.Manifest, arg string) (checks.Target, error) {
	if arg != "" {
		return checks.FindStep(arg, false)
	}
	var at checks.Target
	for i, s := range m.Steps {
		t, err := checks.Resolve(filepath.Join(root, "steps", s.Slug))
		if err != nil {
			return checks.Target{}, err
		}
		if i == 0 || t.Mode != checks.Verify {
			at = t
		}
	}
	return at, nil
}

// checkStepSupport says what the local stack refuses or only warns about in
// the step's template (docs/local-vs-aws.md). It is a warning, not a missing
// item: it is about the learner's template, not this machine.
func checkStepSupport(t checks.Target) Verdict {
	v := Verdict{Item: "step " + t.Step.Number() + " template", Status: statusOK}
	d, err := localDeployment(t)
	if err != nil {
		v.Status, v.Detail = statusWarn, err.Error()
		return v
	}
	fs, err := stack.Support(t.Dir, d)
	if err != nil {
		v.Status, v.Detail = statusWarn, fmt.Sprintf("%s cannot be read: %v", rel(t.Root, filepath.Join(t.Dir, stack.TemplateFile)), firstLine(err.Error()))
		v.Fix = "fix the template (the message names the line), then run `workshop check " + t.Step.Number() + "`"
		return v
	}
	v.Detail = rel(t.Root, t.Dir) + ": " + sam.Summary(fs)
	if len(fs) > 0 {
		v.Status = statusWarn
	}
	if err := sam.Refusals(fs); err != nil {
		v.Fix = "`workshop run` refuses it: " + firstLine(err.Error())
	}
	return v
}
