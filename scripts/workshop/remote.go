package main

// workshop check NN -stack NAME: a few of the step's checks against the stack
// a participant deployed with sam deploy. They are not the local testscript
// files, which seed and inspect a local table and read function logs; these
// only do what a participant's own credentials can: read the stack's outputs,
// call its URL, read its table and its role's policies.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/serverless-dva/sam-dynamodb-go/internal/cfn"
	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/iam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

// usesStack reports whether check's arguments ask for a deployed stack.
func usesStack(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool {
		return a == "-stack" || a == "--stack" || strings.HasPrefix(a, "-stack=") || strings.HasPrefix(a, "--stack=")
	})
}

func checkRemote(args []string) error {
	var stackName, region string
	step, _, err := stepFlags("check", args, func(fs *flag.FlagSet) {
		fs.StringVar(&stackName, "stack", "", "the deployed stack to check (sam deploy's stack name)")
		fs.StringVar(&region, "region", "", "AWS region (default: your profile's)")
	})
	if err != nil {
		return err
	}
	if stackName == "" {
		return errors.New("check -stack needs the stack's name, e.g. -stack alice-dva-05 (see samconfig.toml)")
	}
	t, err := checks.Locate(step, false)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return errors.New("no AWS region: pass -region, or set one in your profile (aws configure) or AWS_REGION")
	}
	failed, err := runRemote(ctx, cfg, t, stackName, os.Stdout)
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d remote check(s) of %s failed", failed, stackName)
	}
	return nil
}

// remote is what the checks know of a deployed stack.
type remote struct {
	target    checks.Target
	name      string
	app       *sam.App
	env       *cfn.Env          // the template's names resolved as the local checks do
	outputs   map[string]string // output key -> value
	resources map[string]string // logical id -> physical id
	cfg       aws.Config
	http      *http.Client
}

// runRemote prints one line per check and returns how many failed; err is
// for a stack that cannot be read at all.
func runRemote(ctx context.Context, cfg aws.Config, t checks.Target, name string, out io.Writer) (int, error) {
	fmt.Fprintf(out, "workshop check: %s against the deployed stack %s in %s ...\n", t.Step.Slug, name, cfg.Region)
	r, err := describeRemote(ctx, cfg, t, name)
	if err != nil {
		return 0, err
	}
	failed, skips, cs := 0, 0, remoteChecks(t.Step.Number())
	for _, c := range cs {
		err := c.run(ctx, r)
		var skip skipped
		switch {
		case errors.As(err, &skip):
			skips++
			fmt.Fprintf(out, "SKIP %s: %s\n", c.name, string(skip))
		case err != nil:
			failed++
			fmt.Fprintf(out, "FAIL %s: %v\n", c.name, err)
		default:
			fmt.Fprintf(out, "ok   %s\n", c.name)
		}
	}
	fmt.Fprintf(out, "workshop check: %s: %d passed, %d failed, %d not checked\n", name, len(cs)-failed-skips, failed, skips)
	return failed, nil
}

// skipped is a check that could not be made; it is not counted as passed.
type skipped string

func (s skipped) Error() string { return string(s) }

func describeRemote(ctx context.Context, cfg aws.Config, t checks.Target, name string) (*remote, error) {
	cf := cloudformation.NewFromConfig(cfg)
	res, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("stack %s in %s: DescribeStacks failed: %w (is the name right? sam deploy prints it; check -region)", name, cfg.Region, err)
	}
	if len(res.Stacks) == 0 {
		return nil, fmt.Errorf("stack %s in %s does not exist: deploy it with sam build && sam deploy in %s", name, cfg.Region, rel(t.Root, t.Dir))
	}
	s := res.Stacks[0]
	switch s.StackStatus {
	case cfntypes.StackStatusCreateComplete, cfntypes.StackStatusUpdateComplete:
	default:
		return nil, fmt.Errorf("stack %s is %s, expected CREATE_COMPLETE or UPDATE_COMPLETE: %s (see the stack's events in the CloudFormation console)",
			name, s.StackStatus, aws.ToString(s.StackStatusReason))
	}
	d, err := localDeployment(t)
	if err != nil {
		return nil, err
	}
	app, env, err := stack.Load(t.Dir, d)
	if err != nil {
		return nil, err
	}
	r := &remote{target: t, name: name, app: app, env: env, outputs: map[string]string{}, resources: map[string]string{}, cfg: cfg,
		http: &http.Client{Timeout: 30 * time.Second}}
	for _, o := range s.Outputs {
		r.outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	rs, err := cf.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("stack %s: DescribeStackResources failed: %w", name, err)
	}
	for _, x := range rs.StackResources {
		r.resources[aws.ToString(x.LogicalResourceId)] = aws.ToString(x.PhysicalResourceId)
	}
	return r, nil
}

type remoteCheck struct {
	name string
	run  func(context.Context, *remote) error
}

// remoteChecks are the checks for step num ("05"): the outputs and the role
// for every step, the answer's status for every step, the table from step 03,
// one item per request from 04, and the answer listing the table from 05.
func remoteChecks(num string) []remoteCheck {
	n, _ := strconv.Atoi(num)
	cs := []remoteCheck{{"outputs", checkOutputs}}
	switch {
	case n >= 5:
		cs = append(cs, remoteCheck{"GET HelloApiUrl stores an access and lists every item", checkScanAnswer})
	case n == 4:
		cs = append(cs, remoteCheck{"GET HelloApiUrl stores one item", checkPutOne})
	default:
		cs = append(cs, remoteCheck{"GET HelloApiUrl", func(ctx context.Context, r *remote) error { _, err := r.get(ctx); return err }})
	}
	return append(cs, remoteCheck{"execution role matches template.yaml", checkRoles})
}

// checkOutputs: every output the step's template declares is in the stack.
func checkOutputs(_ context.Context, r *remote) error {
	outs, _ := r.app.Template.Doc["Outputs"].(map[string]any)
	var missing []string
	for k := range outs {
		if _, ok := r.outputs[k]; !ok {
			missing = append(missing, k)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		return fmt.Errorf("%s: stack %s has no output %s, which template.yaml declares: deploy the current template (sam build && sam deploy)",
			rel(r.target.Root, r.target.Dir)+"/template.yaml", r.name, strings.Join(missing, ", "))
	}
	return nil
}

// httpAnswer is a GET of HelloApiUrl.
type httpAnswer struct {
	status int
	body   []byte
}

func (r *remote) get(ctx context.Context) (httpAnswer, error) {
	u := r.outputs["HelloApiUrl"]
	if _, err := url.ParseRequestURI(u); err != nil {
		return httpAnswer{}, fmt.Errorf("stack %s: output HelloApiUrl is %q, expected the URL of /hello", r.name, u)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return httpAnswer{}, err
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return httpAnswer{}, fmt.Errorf("GET %s (output HelloApiUrl of %s): %v; expected an answer", u, r.name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode != http.StatusOK {
		return httpAnswer{}, fmt.Errorf("main.go (function HelloFunction): GET %s answered %d, expected 200: %s; hint: the function's log group /aws/lambda/<Prefix>-HelloFunction in CloudWatch Logs says why (sam logs --stack-name %s)",
			u, resp.StatusCode, clip(body), r.name)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return httpAnswer{}, fmt.Errorf("main.go (function HelloFunction): GET %s answered Content-Type %q, expected application/json; hint: set Headers Content-Type in the events.APIGatewayProxyResponse",
			u, resp.Header.Get("Content-Type"))
	}
	return httpAnswer{resp.StatusCode, body}, nil
}

// count is the number of items in the stack's table, read with the
// participant's credentials.
func (r *remote) count(ctx context.Context) (int, string, error) {
	table := r.outputs["TableName"]
	if table == "" {
		return 0, "", fmt.Errorf("stack %s has no output TableName, expected the table's name (!Ref Table)", r.name)
	}
	db := dynamodb.NewFromConfig(r.cfg)
	n := 0
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), Select: ddbtypes.SelectCount})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, table, fmt.Errorf("reading table %s (output TableName of %s) with your credentials: %w", table, r.name, err)
		}
		n += int(page.Count)
	}
	return n, table, nil
}

func checkPutOne(ctx context.Context, r *remote) error {
	_, err := r.getCounted(ctx)
	return err
}

// getCounted GETs the URL and checks that the table holds one item more.
func (r *remote) getCounted(ctx context.Context) (httpAnswer, error) {
	before, table, err := r.count(ctx)
	if err != nil {
		return httpAnswer{}, err
	}
	// The steps' key is the access time to the second: a request in the same
	// second as the one before (another check, a reload) replaces its item.
	select {
	case <-time.After(1100 * time.Millisecond):
	case <-ctx.Done():
		return httpAnswer{}, ctx.Err()
	}
	a, err := r.get(ctx)
	if err != nil {
		return httpAnswer{}, err
	}
	after, _, err := r.count(ctx)
	if err != nil {
		return httpAnswer{}, err
	}
	if after != before+1 {
		return httpAnswer{}, fmt.Errorf("main.go (function HelloFunction): table %s held %d items before GET HelloApiUrl and %d after, expected %d; hint: each request puts one item (PutItem with dt, the access time)",
			table, before, after, before+1)
	}
	return a, nil
}

// checkScanAnswer: the answer is {"AccessDatetime":[{"dt":...},...],"Count":N}
// with every item of the table, this access included.
func checkScanAnswer(ctx context.Context, r *remote) error {
	a, err := r.getCounted(ctx)
	if err != nil {
		return err
	}
	n, table, err := r.count(ctx)
	if err != nil {
		return err
	}
	var got struct {
		AccessDatetime []map[string]any
		Count          *int
	}
	if err := json.Unmarshal(a.body, &got); err != nil || got.Count == nil {
		return fmt.Errorf("main.go (function HelloFunction): GET HelloApiUrl answered %s, expected {\"AccessDatetime\":[{\"dt\":\"...\"},...],\"Count\":%d}; hint: answer with the accessLog type, json.Marshal of it", clip(a.body), n)
	}
	if *got.Count != n || len(got.AccessDatetime) != n {
		return fmt.Errorf("main.go (function HelloFunction): GET HelloApiUrl answered Count %d with %d AccessDatetime entries, but table %s holds %d items; hint: read every page of the Scan (dynamodb.NewScanPaginator) and count what you read",
			*got.Count, len(got.AccessDatetime), table, n)
	}
	for _, e := range got.AccessDatetime {
		if _, ok := e["dt"].(string); !ok || len(e) != 1 {
			return fmt.Errorf("main.go (function HelloFunction): an AccessDatetime entry is %v, expected {\"dt\":\"...\"}; hint: unmarshal the items with attributevalue.UnmarshalListOfMaps into []access", e)
		}
	}
	return nil
}

// checkRoles compares each function's execution role as deployed with the
// template's: the managed policies attached, and the actions each inline
// policy allows. Resources are not compared: their ARNs hold the account.
func checkRoles(ctx context.Context, r *remote) error {
	env := r.env
	roles, _, err := stack.Roles(ctx, r.app, env)
	if err != nil {
		return err
	}
	client := awsiam.NewFromConfig(r.cfg)
	var problems []string
	for _, fnID := range slices.Sorted(maps.Keys(roles)) {
		role := roles[fnID]
		roleID := ""
		for id, ref := range env.Refs {
			if ref == role.Name {
				roleID = id
			}
		}
		physical := r.resources[roleID]
		if physical == "" {
			return skipped(fmt.Sprintf("stack %s has no role %s for %s (the translated template's roles are not in the stack's resources): not compared", r.name, roleID, fnID))
		}
		wantManaged, wantInline := policyActions(role)
		att, err := client.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String(physical)})
		if err != nil {
			return skipped(fmt.Sprintf("role %s: ListAttachedRolePolicies failed (%v): not compared", physical, err))
		}
		var gotManaged []string
		for _, p := range att.AttachedPolicies {
			gotManaged = append(gotManaged, aws.ToString(p.PolicyArn))
		}
		slices.Sort(gotManaged)
		if !slices.Equal(gotManaged, wantManaged) {
			problems = append(problems, fmt.Sprintf("role %s (resource %s) has managed policies %v, template.yaml %v", physical, roleID, gotManaged, wantManaged))
		}
		names, err := client.ListRolePolicies(ctx, &awsiam.ListRolePoliciesInput{RoleName: aws.String(physical)})
		if err != nil {
			return skipped(fmt.Sprintf("role %s: ListRolePolicies failed (%v): not compared", physical, err))
		}
		var gotInline []string
		for _, pn := range names.PolicyNames {
			p, err := client.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String(physical), PolicyName: aws.String(pn)})
			if err != nil {
				return skipped(fmt.Sprintf("role %s: GetRolePolicy %s failed (%v): not compared", physical, pn, err))
			}
			doc, err := url.QueryUnescape(aws.ToString(p.PolicyDocument))
			if err != nil {
				doc = aws.ToString(p.PolicyDocument)
			}
			var v any
			if err := json.Unmarshal([]byte(doc), &v); err != nil {
				return fmt.Errorf("role %s: inline policy %s is not JSON: %v", physical, pn, err)
			}
			pol, err := iam.ParsePolicy(pn, v)
			if err != nil {
				return fmt.Errorf("role %s: inline policy %s: %w", physical, pn, err)
			}
			gotInline = append(gotInline, allowedActions(pol)...)
		}
		gotInline = sortedUnique(gotInline)
		if !slices.Equal(gotInline, wantInline) {
			problems = append(problems, fmt.Sprintf("role %s (resource %s) allows %v in its inline policies, template.yaml %v", physical, roleID, gotInline, wantInline))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: the deployed role differs from the template: %s; hint: deploy the current template (sam build && sam deploy), and change roles in template.yaml, not in the console",
			rel(r.target.Root, r.target.Dir)+"/template.yaml", strings.Join(problems, "; "))
	}
	return nil
}

// policyActions splits a role's policies into the managed ARNs and the
// actions its inline policies allow.
func policyActions(role *iam.Role) (managed, inline []string) {
	for _, p := range role.Policies {
		if strings.HasPrefix(p.Name, "arn:") {
			managed = append(managed, p.Name)
			continue
		}
		inline = append(inline, allowedActions(p)...)
	}
	slices.Sort(managed)
	return managed, sortedUnique(inline)
}

func allowedActions(p iam.Policy) []string {
	var out []string
	for _, s := range p.Statements {
		if s.Effect == "Allow" {
			for _, a := range s.Action {
				out = append(out, strings.ToLower(a))
			}
		}
	}
	return out
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// clip is a body short enough for a message's first line.
func clip(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return strconv.Quote(s)
}
