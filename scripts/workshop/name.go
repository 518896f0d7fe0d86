package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/serverless-dva/sam-dynamodb-go/internal/cfn"
	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/participant"
	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// name shows the participant name, or sets it and writes every step's and
// solution's samconfig.toml for it.
func name(args []string) error {
	root, m, err := manifest()
	if err != nil {
		return err
	}
	if len(args) > 1 {
		return fmt.Errorf("name takes one name, for example: go run ./scripts/workshop name alice")
	}
	if len(args) == 0 {
		n, src, err := participant.Get(root)
		if err != nil {
			return err
		}
		if n == "" {
			fmt.Printf("workshop: no participant name is set; the templates' Prefix stays %s.\n", participant.TemplateDefault)
			fmt.Println("In a room sharing an AWS account, set yours once: go run ./scripts/workshop name YOURNAME")
			return nil
		}
		fmt.Printf("workshop: you are %s (from %s): Prefix=%s, stacks %s ... %s\n", n, src, n,
			participant.StackName(n, m.Steps[0].Number()), participant.StackName(n, m.Steps[len(m.Steps)-1].Number()))
		return nil
	}
	n := args[0]
	if err := participant.Save(root, n); err != nil {
		return err
	}
	fmt.Printf("workshop: saved your name %s in %s (git ignores it)\n", n, participant.File)
	if env := os.Getenv(participant.EnvVar); env != "" && env != n {
		fmt.Printf("workshop: note: %s=%s is set in your environment and wins over the file; unset it to be %s\n", participant.EnvVar, env, n)
	}
	for _, s := range m.Steps {
		for _, kind := range []string{"steps", "solutions"} {
			dir := filepath.Join(root, kind, s.Slug)
			shown := filepath.Join(kind, s.Slug, participant.ConfigFile)
			r, err := participant.WriteSAMConfig(dir, n, s.Number())
			if err != nil {
				return err
			}
			switch r {
			case participant.Written:
				fmt.Printf("  wrote %-40s stack %s, Prefix=%s\n", shown, participant.StackName(n, s.Number()), n)
			case participant.Unchanged:
				fmt.Printf("  kept  %-40s already stack %s\n", shown, participant.StackName(n, s.Number()))
			case participant.KeptLearners:
				fmt.Printf("  kept  %-40s your own (from sam deploy --guided): delete it and run this again to use stack %s\n", shown, participant.StackName(n, s.Number()))
			}
		}
	}
	fmt.Println("workshop: `workshop run` now names your local function and table with this Prefix, and `sam deploy` in a step folder deploys your stack.")
	return nil
}

var stepNumber = regexp.MustCompile(`^[0-9]{2}$`)

// localDeployment gives a local run the participant's Prefix (when the
// template has that parameter) and stack name, so local names match the
// deployed ones. Without a name the template's defaults apply.
func localDeployment(t checks.Target) (sam.Deployment, error) {
	n, src, err := participant.Get(t.Root)
	if err != nil || n == "" {
		return sam.Deployment{}, err
	}
	tpl, err := cfn.Load(filepath.Join(t.Dir, stack.TemplateFile))
	if err != nil {
		return sam.Deployment{}, nil // stack.Deploy reports it, with the learner's path
	}
	var d sam.Deployment
	if _, ok := tpl.ParamDefaults()["Prefix"]; ok {
		d.Params = map[string]string{"Prefix": n}
	}
	if num := t.Step.Number(); stepNumber.MatchString(num) {
		d.StackName = participant.StackName(n, num)
	}
	fmt.Printf("workshop: participant %s (from %s): Prefix=%s, stack %s\n", n, src, n, d.StackName)
	return d, nil
}
