// Package stack "deploys" a step locally, in the order CloudFormation and
// `sam build` would: read the template, build each function's bootstrap,
// create the tables on a DynamoDB backend, start the functions behind a local
// Lambda, and serve the Api events through a local API Gateway.
package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/serverless-dva/sam-dynamodb-go/internal/apigw"
	"github.com/serverless-dva/sam-dynamodb-go/internal/cfn"
	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/gobuild"
	"github.com/serverless-dva/sam-dynamodb-go/internal/iam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/lambdart"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
)

// TemplateFile is the template's name in every step.
const TemplateFile = "template.yaml"

// Options says what to deploy and where.
type Options struct {
	Dir        string          // the step directory, holding template.yaml
	Deployment sam.Deployment  // region, account, stack name, parameter overrides
	Backend    *dynamo.Backend // DynamoDB to use; nil starts one of dynamo.KindFromEnv()
	BuildDir   string          // where bootstraps go; a temporary directory when empty
	Logs       io.Writer       // progress, function logs (CloudWatch-like) and API access lines
	AccessKey  string          // the access key id the app uses; a fresh one when empty (isolates tables)
	NoIAM      bool            // do not enforce the execution roles' policies on DynamoDB calls
	// Unset removes environment variables from functions (logical id ->
	// names): a check can show what the code does when one is missing.
	Unset map[string][]string
	// Build builds a function's bootstrap for this machine from its CodeUri
	// directory into outDir and returns its path; nil is gobuild.BuildHost.
	// The checks pass one that builds once for all the scripts of a run.
	Build func(ctx context.Context, codeDir, outDir string) (string, error)
	// TablesReady, when set, is called once the tables exist, before the
	// functions are built: s.DB and s.TableName work from then on, nothing
	// else yet. The checks load their test items while the code builds.
	TablesReady func(s *Stack)

	previous *Stack // set by Redeploy: the stack this one updates
}

// Stack is a running local deployment.
type Stack struct {
	App       *sam.App
	Env       *cfn.Env // resolved names and ARNs
	Backend   *dynamo.Backend
	DB        *dynamodb.Client // the harness's own client, with the app's access key
	Functions map[string]*lambdart.Function
	API       http.Handler
	AccessKey string
	// IAM enforces each function's execution role on its DynamoDB calls
	// (nil with NoIAM); Roles are those roles by function logical id.
	IAM   *iam.Proxy
	Roles map[string]*iam.Role

	iamServer *http.Server
	reuse     reuse

	// Swap's state (swap.go): mu guards Functions once the stack runs.
	mu       sync.Mutex
	dir      string
	dep      sam.Deployment
	buildDir string
	build    func(ctx context.Context, codeDir, outDir string) (string, error)
	configs  map[string]lambdart.Config // how each function was started
	retired  []*lambdart.Function       // swapped out, finishing what they had
	builds   int                        // names each swap's build directory
	stopped  bool

	costs costs // meter.go

	opts       Options        // as deployed, for Redeploy
	retire     []retiredTable // the previous deployment's tables Cleanup deletes
	ownBackend bool
	ownBuild   string
	noRestart  func() // unregisters the tables' re-creation
}

// Load reads the step's template and resolves its names for the deployment.
func Load(dir string, d sam.Deployment) (*sam.App, *cfn.Env, error) {
	t, err := loadTemplate(dir)
	if err != nil {
		return nil, nil, err
	}
	app, err := sam.Read(t, d)
	if err != nil {
		return nil, nil, err
	}
	env, err := app.Env(d)
	if err != nil {
		return nil, nil, err
	}
	return app, env, nil
}

// Support lists what the local stack refuses or only warns about in the
// step's template (see sam.SupportTable), without stopping at the first
// refusal: for `workshop doctor` and the first line of `workshop run`.
func Support(dir string, d sam.Deployment) ([]sam.Finding, error) {
	t, err := loadTemplate(dir)
	if err != nil {
		return nil, err
	}
	return sam.Check(t, d)
}

func loadTemplate(dir string) (*cfn.Template, error) {
	path := filepath.Join(dir, TemplateFile)
	name := repo.DisplayPath(path) // messages name steps/NN-x/template.yaml wherever the learner is
	data, err := os.ReadFile(path)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err // its message repeats the absolute path; errors.Is still sees fs.ErrNotExist
		}
		return nil, fmt.Errorf("%s: reading the template: %w", name, err)
	}
	t, err := cfn.Parse(name, data)
	if err != nil {
		return nil, err
	}
	t.Path, t.Name = path, name // the tools read the file by its path
	return t, nil
}

// Deploy builds and starts everything the template describes. Close stops it.
func Deploy(ctx context.Context, opts Options) (_ *Stack, err error) {
	logs := opts.Logs
	if logs == nil {
		logs = io.Discard
	}
	app, env, err := Load(opts.Dir, opts.Deployment)
	if err != nil {
		return nil, err
	}
	for _, w := range app.Warnings {
		fmt.Fprintln(logs, "warning:", w)
	}
	s := &Stack{App: app, Env: env, Backend: opts.Backend, Functions: map[string]*lambdart.Function{}, AccessKey: opts.AccessKey,
		dir: opts.Dir, dep: opts.Deployment, configs: map[string]lambdart.Config{}, opts: opts}
	s.opts.previous = nil
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if s.AccessKey == "" {
		s.AccessKey = NewAccessKey()
	}
	buildDir := opts.BuildDir
	if buildDir == "" {
		if buildDir, err = os.MkdirTemp("", "workshop-build-"); err != nil {
			return nil, fmt.Errorf("creating a build directory: %w", err)
		}
		s.ownBuild = buildDir
	}
	s.buildDir = buildDir
	s.build = opts.Build
	if s.build == nil {
		s.build = gobuild.BuildHost
	}

	if s.Backend == nil {
		if s.Backend, err = dynamo.Start(ctx, dynamo.Options{Logs: logs}); err != nil {
			return nil, err
		}
		s.ownBackend = true
	}
	if s.DB, err = s.Backend.Client(ctx, s.AccessKey, env.Region); err != nil {
		return nil, err
	}
	if err := s.updateTables(ctx, logs, opts.previous, ""); err != nil {
		return nil, err
	}
	// DynamoDB Local restarts empty when it dies under the stack: the tables
	// come back as CloudFormation created them, without their items.
	s.noRestart = s.Backend.OnRestart(func(ctx context.Context) error {
		if err := s.createTables(ctx, logs, " again"); err != nil {
			return fmt.Errorf("creating the tables again: %w", err)
		}
		fmt.Fprintln(logs, "the stack's tables are back, empty: the items written before DynamoDB Local exited are gone")
		return nil
	})
	if opts.TablesReady != nil {
		opts.TablesReady(s)
	}

	endpoint := s.Backend.Endpoint()
	if opts.NoIAM {
		fmt.Fprintln(logs, "IAM: not enforced (-no-iam): DynamoDB calls are not checked against the execution roles, unlike in AWS")
	} else if endpoint, err = s.startIAM(ctx, logs); err != nil {
		return nil, err
	}

	for _, fn := range app.Functions {
		if err := errors.Join(fn.BuildProblem(), fn.CodeProblem()); err != nil {
			return nil, fmt.Errorf("%s: %w", app.Template.Where(fn.ID), err)
		}
		fmt.Fprintf(logs, "building %s from %s\n", fn.ID, repo.DisplayPath(fn.CodeDir))
		bin, err := s.build(ctx, fn.CodeDir, filepath.Join(buildDir, fn.ID))
		if err != nil {
			return nil, err
		}
		vars, err := s.functionEnv(fn, endpoint, logs)
		if err != nil {
			return nil, err
		}
		for _, name := range opts.Unset[fn.ID] {
			delete(vars, name)
		}
		var m lambdart.Meter
		if role, ok := s.Roles[fn.ID]; ok && s.IAM != nil {
			m = meter{s: s, fnID: fn.ID, id: iam.Identity{Role: role, Function: env.Refs[fn.ID]}}
		}
		cfg := lambdart.Config{
			Meter:     m,
			Name:      env.Refs[fn.ID],
			Bootstrap: bin,
			Handler:   fn.Handler,
			MemoryMB:  fn.MemoryMB,
			Timeout:   time.Duration(fn.TimeoutSec * float64(time.Second)),
			Region:    env.Region,
			AccountID: env.AccountID,
			Env:       vars,
			Logs:      s.functionLogs(fn.ID, logs),
		}
		f, err := lambdart.Start(cfg)
		if err != nil {
			return nil, fmt.Errorf("resource %s: %w", fn.ID, err)
		}
		s.Functions[fn.ID] = f
		s.configs[fn.ID] = cfg
		if s.IAM != nil {
			s.IAM.LogTo(env.Refs[fn.ID], f.Note) // DynamoDB's errors, in the invocation's log
		}
	}

	apis, err := s.apis()
	if err != nil {
		return nil, err
	}
	if s.API, err = apigw.New(apigw.Config{APIs: apis, Logs: logs, Region: env.Region, AccountID: env.AccountID}); err != nil {
		return nil, fmt.Errorf("%s: %w", app.Template.Where(""), err)
	}
	return s, nil
}

// apis resolves the template's APIs (stage, binary media types) and their routes.
func (s *Stack) apis() ([]apigw.API, error) {
	var apis []apigw.API
	for _, a := range s.App.APIs {
		api := apigw.API{ID: a.ID, HTTP: a.HTTP, APIID: s.Env.Refs[a.ID]}
		if a.StageName != nil {
			stage, err := s.Env.ResolveString(a.StageName)
			if err != nil {
				return nil, fmt.Errorf("%s: resource %s: StageName: %w", s.App.Template.Where(a.ID+"/Properties/StageName"), a.ID, err)
			}
			api.Stage = stage
		} else if !a.HTTP && a.ID != sam.ImplicitRestApi {
			return nil, fmt.Errorf("%s: resource %s: an AWS::Serverless::Api needs StageName (for example StageName: dev): it is the first part of the API's URL", s.App.Template.Where(a.ID), a.ID)
		}
		if a.BinaryMediaTypes != nil {
			v, err := s.Env.Resolve(a.BinaryMediaTypes)
			list, ok := v.([]any)
			if err != nil || !ok {
				return nil, fmt.Errorf("%s: resource %s: BinaryMediaTypes must be a list of media types (for example [\"image~1png\"]): %v", s.App.Template.Where(a.ID), a.ID, err)
			}
			for _, t := range list {
				// SAM writes / as ~1 (a JSON pointer escape) and turns it back.
				api.BinaryMediaTypes = append(api.BinaryMediaTypes, strings.ReplaceAll(fmt.Sprint(t), "~1", "/"))
			}
		}
		if a.Cors != nil {
			where := s.App.Template.Where(a.ID)
			if a.ID == sam.ImplicitRestApi { // its Cors comes from Globals
				where = s.App.Template.WhereKey("Globals/Api/Cors")
			}
			v, err := s.Env.Resolve(a.Cors)
			if err == nil {
				var c *sam.Cors
				if c, err = sam.ReadCors(v); err == nil {
					api.CORS = (*apigw.CORS)(c)
				}
			}
			if err != nil {
				return nil, fmt.Errorf("%s: resource %s: %w", where, a.ID, err)
			}
		}
		for _, r := range s.App.Routes {
			if r.API == a.ID {
				api.Routes = append(api.Routes, apigw.Route{Method: r.Method, Path: r.Path, Function: r.Function,
					Invoker: invoker{s, r.Function}, PayloadFormat: r.PayloadFormat})
			}
		}
		apis = append(apis, api)
	}
	return apis, nil
}

// createTables creates the template's tables on the backend; note ends the
// progress lines.
func (s *Stack) createTables(ctx context.Context, logs io.Writer, note string) error {
	return s.updateTables(ctx, logs, nil, note)
}

// tableProps is each table's resolved Properties by logical id, named as
// CloudFormation names it.
func (s *Stack) tableProps() (map[string]map[string]any, error) {
	defs := map[string]map[string]any{}
	for _, tbl := range s.App.Tables {
		props, err := s.Env.Resolve(tbl.Properties)
		if err != nil {
			return nil, fmt.Errorf("%s: resource %s: %w", s.App.Template.Where(tbl.ID), tbl.ID, err)
		}
		pm, _ := props.(map[string]any)
		if pm == nil {
			pm = map[string]any{}
		}
		pm["TableName"] = s.Env.Refs[tbl.ID]
		defs[tbl.ID] = pm
	}
	return defs, nil
}

// startIAM puts the IAM proxy between the functions and the backend, and
// returns its endpoint.
func (s *Stack) startIAM(ctx context.Context, logs io.Writer) (string, error) {
	roles, notes, err := Roles(ctx, s.App, s.Env)
	if err != nil {
		return "", err
	}
	for _, n := range notes {
		fmt.Fprintln(logs, n)
	}
	s.Roles = roles
	if s.IAM, err = iam.NewProxy(s.Backend.Endpoint(), s.Env.Region, s.Env.AccountID, logs); err != nil {
		return "", err
	}
	// Allowed calls reach the backend as the stack's own key, so that every
	// function sees the tables created for this deployment.
	s.IAM.ForwardAs(s.AccessKey)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("starting the IAM proxy: %w", err)
	}
	s.iamServer = &http.Server{Handler: s.IAM, ReadHeaderTimeout: 10 * time.Second, ConnContext: s.IAM.ConnContext}
	go s.iamServer.Serve(ln)
	fmt.Fprintf(logs, "IAM: enforcing the execution roles of %s on DynamoDB calls (-no-iam turns it off)\n", strings.Join(slices.Sorted(maps.Keys(roles)), ", "))
	return "http://" + ln.Addr().String(), nil
}

// endpointVar is the variable the AWS SDKs read DynamoDB's endpoint from.
const endpointVar = "AWS_ENDPOINT_URL_DYNAMODB"

// functionEnv is what the function's process sees besides what Lambda sets:
// its Environment.Variables resolved, credentials, and the DynamoDB endpoint.
// With IAM on, each function has its own access key, which the proxy maps to
// the function's execution role, as STS credentials are in AWS.
func (s *Stack) functionEnv(fn sam.Function, endpoint string, logs io.Writer) (map[string]string, error) {
	key := s.AccessKey
	if role, ok := s.Roles[fn.ID]; ok && s.IAM != nil {
		key = NewAccessKey()
		s.IAM.Register(key, iam.Identity{Role: role, Function: s.Env.Refs[fn.ID]})
	}
	vars := map[string]string{}
	if raw, ok := cfn.Lookup(fn.Properties, "Environment/Variables"); ok {
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: resource %s: Environment Variables must be a mapping of NAME: value", s.App.Template.Where(fn.ID), fn.ID)
		}
		for k, v := range m {
			str, err := s.Env.ResolveString(v)
			if err != nil {
				return nil, fmt.Errorf("%s: resource %s: environment variable %s: %w", s.App.Template.Where(fn.ID), fn.ID, k, err)
			}
			vars[k] = str
		}
	}
	// The endpoint is the stack's whatever the template says: a template's
	// own endpoint would let the function reach DynamoDB around the IAM proxy.
	if v, ok := vars[endpointVar]; ok && v != endpoint {
		fmt.Fprintf(logs, "%s: resource %s: Environment Variables sets %s=%s; in AWS the function would call that endpoint, here its DynamoDB calls go to the local stack (through the IAM proxy when it is on)\n", s.App.Template.Where(fn.ID), fn.ID, endpointVar, v)
	}
	vars[endpointVar] = endpoint
	// The role's credentials, which Lambda reserves (sam.Read refuses them
	// in the template), come last.
	vars["AWS_ACCESS_KEY_ID"] = key
	vars["AWS_SECRET_ACCESS_KEY"] = "workshop-local-secret"
	vars["AWS_SESSION_TOKEN"] = "workshop-local-session"
	return vars, nil
}

// Shutdown stops the stack in order: the functions finish the invocations in
// progress (each within its timeout; at once when ctx ends), then the IAM
// proxy, the backend it started and the builds go.
func (s *Stack) Shutdown(ctx context.Context) error {
	if s.noRestart != nil {
		s.noRestart()
	}
	s.mu.Lock()
	s.stopped = true // no swap from now on
	fns := slices.Clone(s.retired)
	for _, id := range slices.Sorted(maps.Keys(s.Functions)) {
		fns = append(fns, s.Functions[id])
	}
	s.mu.Unlock()
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Go(func() { errs[i] = f.Shutdown(ctx) })
	}
	wg.Wait()
	if s.iamServer != nil {
		errs = append(errs, s.iamServer.Close())
	}
	if s.ownBackend && s.Backend != nil {
		errs = append(errs, s.Backend.Close())
	}
	if s.ownBuild != "" {
		errs = append(errs, os.RemoveAll(s.ownBuild))
	}
	return errors.Join(errs...)
}

// Close is Shutdown without a limit.
func (s *Stack) Close() error { return s.Shutdown(context.Background()) }

// InFlight counts the invocations in progress, and the longest timeout among
// their functions: how long Shutdown may wait for them.
func (s *Stack) InFlight() (n int, upTo time.Duration) {
	s.mu.Lock()
	fns := slices.Concat(s.retired, slices.Collect(maps.Values(s.Functions)))
	s.mu.Unlock()
	for _, f := range fns {
		if k := f.InFlight(); k > 0 {
			n += k
			upTo = max(upTo, f.Timeout())
		}
	}
	return n, upTo
}

// TableName returns the physical name of a table resource.
func (s *Stack) TableName(id string) (string, error) {
	for _, t := range s.App.Tables {
		if t.ID == id {
			return s.Env.Refs[id], nil
		}
	}
	var ids []string
	for _, t := range s.App.Tables {
		ids = append(ids, t.ID)
	}
	if len(ids) == 0 {
		return "", fmt.Errorf("%s has no table resource (AWS::Serverless::SimpleTable or AWS::DynamoDB::Table)", s.App.Template.Name)
	}
	return "", fmt.Errorf("%s has no table %s (tables: %s)", s.App.Template.Name, id, strings.Join(ids, ", "))
}

// NewAccessKey returns a fresh local access key id: the backends keep tables
// per access key, so each deployment sees only its own.
func NewAccessKey() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "ASIALOCAL" + strings.ToUpper(hex.EncodeToString(b))
}

// invoker sends API Gateway's events to the function's current version
// through Stack.Invoke: after a Swap, the next request reaches the new code.
type invoker struct {
	s  *Stack
	id string
}

func (i invoker) Invoke(ctx context.Context, payload []byte) ([]byte, string, error) {
	r, err := i.s.Invoke(ctx, i.id, payload)
	if err != nil {
		return nil, "", err
	}
	return r.Payload, r.FunctionError, nil
}
