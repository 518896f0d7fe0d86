package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/serverless-dva/sam-dynamodb-go/internal/participant"
)

// cleanupPlan is what cleanup would delete for one prefix.
type cleanupPlan struct {
	Stacks    []cfntypes.Stack
	LogGroups []string
}

// cleanupClients are the two AWS APIs cleanup uses.
type cleanupClients struct {
	CFN  *cloudformation.Client
	Logs *cloudwatchlogs.Client
}

func cleanup(args []string) error {
	fs := flag.NewFlagSet("cleanup", flag.ContinueOnError)
	prefix := fs.String("prefix", "", "the participant name (Prefix) whose stacks and log groups to delete")
	yes := fs.Bool("yes", false, "delete without asking")
	region := fs.String("region", "", "AWS region (default: your profile's)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *prefix == "" {
		return errors.New("cleanup needs -prefix NAME (a participant name, or dva-hello for the templates' default)")
	}
	if err := participant.Validate(*prefix); err != nil && *prefix != participant.TemplateDefault {
		return fmt.Errorf("-prefix: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var opts []func(*config.LoadOptions) error
	if *region != "" {
		opts = append(opts, config.WithRegion(*region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return errors.New("no AWS region: pass -region, or set one in your profile (aws configure) or AWS_REGION")
	}
	c := cleanupClients{CFN: cloudformation.NewFromConfig(cfg), Logs: cloudwatchlogs.NewFromConfig(cfg)}
	return runCleanup(ctx, c, *prefix, cfg.Region, *yes, os.Stdin, os.Stdout)
}

// runCleanup lists what belongs to prefix, asks (unless yes), and deletes it.
func runCleanup(ctx context.Context, c cleanupClients, prefix, region string, yes bool, in io.Reader, out io.Writer) error {
	fmt.Fprintf(out, "workshop cleanup: looking for the stacks and log groups of %s in %s ...\n", prefix, region)
	plan, err := planCleanup(ctx, c, prefix)
	if err != nil {
		return err
	}
	if len(plan.Stacks) == 0 && len(plan.LogGroups) == 0 {
		fmt.Fprintf(out, "workshop cleanup: nothing of %s left in %s\n", prefix, region)
		return nil
	}
	for _, s := range plan.Stacks {
		fmt.Fprintf(out, "  stack      %-30s %s\n", aws.ToString(s.StackName), s.StackStatus)
	}
	for _, g := range plan.LogGroups {
		fmt.Fprintf(out, "  log group  %s\n", g)
	}
	if !yes {
		fmt.Fprintf(out, "Delete these %d stack(s), everything in them, and %d log group(s)? [y/N] ", len(plan.Stacks), len(plan.LogGroups))
		answer, _ := bufio.NewReader(in).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(out, "workshop cleanup: nothing deleted")
			return nil
		}
	}
	var failed []string
	for _, s := range plan.Stacks {
		name := aws.ToString(s.StackName)
		fmt.Fprintf(out, "deleting stack %s ...\n", name)
		if _, err := c.CFN.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: s.StackId}); err != nil {
			failed = append(failed, fmt.Sprintf("stack %s: %v", name, err))
			continue
		}
		// By id: a deleted stack's name no longer answers on AWS, its id does.
		w := cloudformation.NewStackDeleteCompleteWaiter(c.CFN, func(o *cloudformation.StackDeleteCompleteWaiterOptions) {
			o.MinDelay, o.MaxDelay = time.Second, 15*time.Second
		})
		if err := w.Wait(ctx, &cloudformation.DescribeStacksInput{StackName: s.StackId}, 15*time.Minute); err != nil {
			failed = append(failed, fmt.Sprintf("stack %s did not finish deleting (%v): see its events in the CloudFormation console", name, err))
			continue
		}
		fmt.Fprintf(out, "deleted stack %s\n", name)
	}
	for _, g := range plan.LogGroups {
		if _, err := c.Logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(g)}); err != nil {
			failed = append(failed, fmt.Sprintf("log group %s: %v", g, err))
			continue
		}
		fmt.Fprintf(out, "deleted log group %s\n", g)
	}
	if len(failed) > 0 {
		return fmt.Errorf("cleanup could not delete everything:\n  %s", strings.Join(failed, "\n  "))
	}
	fmt.Fprintf(out, "workshop cleanup: %s's %d stack(s) and %d log group(s) are gone (SAM's shared bucket stack aws-sam-cli-managed-default stays: see docs/deploy.md)\n", prefix, len(plan.Stacks), len(plan.LogGroups))
	return nil
}

// belongsTo says whether a stack is the participant's: named PREFIX-dva-NN as
// `workshop name` sets it, or deployed with the parameter Prefix=PREFIX
// (a stack named in sam deploy --guided). A longer name that starts the same
// (alice-smith for alice) is someone else's.
func belongsTo(s cfntypes.Stack, prefix string) bool {
	if regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `-dva-[0-9]{2}$`).MatchString(aws.ToString(s.StackName)) {
		return true
	}
	for _, p := range s.Parameters {
		if aws.ToString(p.ParameterKey) == "Prefix" && aws.ToString(p.ParameterValue) == prefix {
			return true
		}
	}
	return false
}

// planCleanup finds the participant's stacks, and the log groups of their
// functions plus those left by stacks already deleted (/aws/lambda/PREFIX-Name,
// Name without a hyphen: a function the templates named from Prefix).
func planCleanup(ctx context.Context, c cleanupClients, prefix string) (cleanupPlan, error) {
	var plan cleanupPlan
	groups := map[string]bool{}
	stacks := cloudformation.NewDescribeStacksPaginator(c.CFN, &cloudformation.DescribeStacksInput{})
	for stacks.HasMorePages() {
		page, err := stacks.NextPage(ctx)
		if err != nil {
			return plan, fmt.Errorf("listing the stacks (cloudformation:DescribeStacks): %w", err)
		}
		for _, s := range page.Stacks {
			if s.StackStatus == cfntypes.StackStatusDeleteComplete || !belongsTo(s, prefix) {
				continue
			}
			plan.Stacks = append(plan.Stacks, s)
			res := cloudformation.NewListStackResourcesPaginator(c.CFN, &cloudformation.ListStackResourcesInput{StackName: s.StackId})
			for res.HasMorePages() {
				rp, err := res.NextPage(ctx)
				if err != nil {
					return plan, fmt.Errorf("listing the resources of stack %s: %w", aws.ToString(s.StackName), err)
				}
				for _, r := range rp.StackResourceSummaries {
					if aws.ToString(r.ResourceType) == "AWS::Lambda::Function" && aws.ToString(r.PhysicalResourceId) != "" {
						groups["/aws/lambda/"+aws.ToString(r.PhysicalResourceId)] = false
					}
				}
			}
		}
	}
	// The leftovers of stacks deleted before, then which of the stacks'
	// functions' groups exist (Lambda creates them at the first call).
	own := regexp.MustCompile(`^/aws/lambda/` + regexp.QuoteMeta(prefix) + `-[A-Za-z0-9_]+$`)
	if err := eachLogGroup(ctx, c, "/aws/lambda/"+prefix+"-", func(name string) {
		if _, ofStack := groups[name]; ofStack || own.MatchString(name) {
			groups[name] = true
		}
	}); err != nil {
		return plan, err
	}
	for g, seen := range groups {
		if seen {
			continue
		}
		if err := eachLogGroup(ctx, c, g, func(name string) {
			if name == g {
				groups[g] = true
			}
		}); err != nil {
			return plan, err
		}
	}
	for g, exists := range groups {
		if exists {
			plan.LogGroups = append(plan.LogGroups, g)
		}
	}
	slices.Sort(plan.LogGroups)
	slices.SortFunc(plan.Stacks, func(a, b cfntypes.Stack) int {
		return strings.Compare(aws.ToString(a.StackName), aws.ToString(b.StackName))
	})
	return plan, nil
}

// eachLogGroup calls f with the name of every log group starting with prefix.
func eachLogGroup(ctx context.Context, c cleanupClients, prefix string, f func(string)) error {
	pages := cloudwatchlogs.NewDescribeLogGroupsPaginator(c.Logs, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing the log groups %s* (logs:DescribeLogGroups): %w", prefix, err)
		}
		for _, g := range page.LogGroups {
			f(aws.ToString(g.LogGroupName))
		}
	}
	return nil
}
