// Command workshop runs a step's app locally and checks a learner's work.
//
//	go run ./scripts/workshop run 01            # the app of steps/01-*, on 127.0.0.1:3000
//	go run ./scripts/workshop run 01 -solution  # the same step, solved
//	go run ./scripts/workshop check 01          # the step's checks, explained
//	go run ./scripts/workshop status            # every step: untouched, in progress or done
//	go run ./scripts/workshop quiz 03           # the step's exam-style questions, scored
//	go run ./scripts/workshop name alice        # your name in a shared account: Prefix and stacks
//	go run ./scripts/workshop doctor            # is this machine ready for the workshop?
//	go run ./scripts/workshop rehash            # maintainers: record the starters' hashes
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/apigw"
	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/gobuild"
	"github.com/serverless-dva/sam-dynamodb-go/internal/sam"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

const usage = `usage: go run ./scripts/workshop COMMAND [flags]

commands:
  run STEP [-solution] [-port 3000] [-no-iam]
                                      run the step's app locally (API on 127.0.0.1); each
                                      save of a Go file rebuilds the function and swaps it in;
                                      -no-iam: do not enforce the execution role on DynamoDB
  watch [STEP] [-solution] [-port 3000] [-no-iam]
                                      run, and check the step again on each save;
                                      STEP defaults to the first step not done
  invoke STEP [-solution] [-function ID] [EVENT]
                                      invoke the function once with EVENT (default: the
                                      step's events/event.json), as sam local invoke -e does
  check STEP [-solution]              run the step's checks and explain each failure
  reset STEP [-yes]                   restore the step's starter files (yours are kept in
                                      steps/STEP/.backup-TIME/)
  hint STEP [LEVEL]                   hints in levels: 1 the concept, 2 where, 3 the code
  quiz STEP                           the step's exam-style questions (DVA-C02), one at a time,
                                      each answer explained, and your score
  check STEP -stack NAME [-region R]  check the stack you deployed: outputs, its URL, its table,
                                      its role against template.yaml (AWS credentials)
  status [-json]                      show every step: untouched, in progress or done
  name [NAME]                         show or set your participant name (Prefix=NAME, stacks
                                      NAME-dva-NN) and write each step's samconfig.toml;
                                      WORKSHOP_PARTICIPANT overrides it
  doctor [-json] [-step NN]           check this machine: Go, modules, port 3000, disk, cfn-lint,
                                      Java and DynamoDB Local, SAM CLI, AWS configuration, and what
                                      the local stack refuses in the step at hand (last edited)
  cleanup -prefix NAME [-yes] [-region R]
                                      delete the AWS stacks of a participant (NAME-dva-NN, or
                                      Prefix=NAME) and their functions' log groups, after asking
  rehash                              maintainers: record the untouched starters' hashes

STEP is a number (1, 01) or a slug (01-hello-api); run also takes a folder with a
template.yaml inside this repository (./path/to/app).
WORKSHOP_DYNAMODB=embedded (default) | local (DynamoDB Local, after npm ci) | endpoint (AWS_ENDPOINT_URL_DYNAMODB)
`

func main() {
	err := dispatch(os.Args[1:], os.Stdout)
	var u usageErr
	switch {
	case errors.As(err, &u):
		fmt.Fprint(os.Stderr, string(u))
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "workshop:", err)
		os.Exit(1)
	}
}

// usageErr is a call without a command: the usage, exit status 2.
type usageErr string

func (u usageErr) Error() string { return string(u) }

// dispatch runs the command args name; the commands other than run print to w.
func dispatch(args []string, w io.Writer) error {
	if len(args) == 0 {
		return usageErr(usage)
	}
	switch args[0] {
	case "run":
		return run("run", args[1:])
	case "watch":
		return watch(args[1:])
	case "check":
		if usesStack(args[1:]) {
			return checkRemote(args[1:])
		}
		return check(args[1:], w)
	case "status":
		return status(args[1:], w)
	case "rehash":
		if len(args) > 1 {
			return fmt.Errorf("rehash takes no argument (it records every starter), got %s", strings.Join(args[1:], " "))
		}
		return rehash(w)
	case "name":
		return name(args[1:])
	case "doctor":
		return doctor(args[1:])
	case "cleanup":
		return cleanup(args[1:])
	case "reset":
		return reset(args[1:])
	case "hint":
		return hint(args[1:])
	case "invoke":
		return invoke(args[1:])
	case "quiz":
		return quizCmd(args[1:], os.Stdin, w)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(w, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", args[0], usage)
}

// stepFlags parses "STEP [-solution] ..." with the step first or last.
func stepFlags(name string, args []string, extra func(*flag.FlagSet)) (string, bool, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	solution := fs.Bool("solution", false, "use solutions/STEP instead of your steps/STEP")
	if extra != nil {
		extra(fs)
	}
	step, err := checks.StepArgs(fs, args)
	if err != nil {
		return "", false, err
	}
	if step == "" {
		return "", false, fmt.Errorf("%s needs a step, for example: go run ./scripts/workshop %s 01", name, name)
	}
	return step, *solution, nil
}

// run serves the step; name is "run", or "watch" to check the step on each save too.
func run(name string, args []string) error {
	var port int
	var noIAM bool
	step, solution, err := stepFlags(name, args, func(fs *flag.FlagSet) {
		fs.IntVar(&port, "port", 3000, "port of the local API on 127.0.0.1")
		fs.BoolVar(&noIAM, "no-iam", false, "do not enforce the execution role on DynamoDB calls (to compare)")
	})
	if err != nil {
		return err
	}
	t, err := checks.Locate(step, solution)
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("port %d is in use (is another `workshop run` still running?): stop it, or choose another port with -port %d", port, port+1)
	}
	defer ln.Close()
	addr = ln.Addr().String() // the port chosen, with -port 0

	// The first Ctrl-C (or SIGTERM) ends ctx: stop gracefully. The second
	// ends now: stop at once.
	ctx, now := signals()

	deployment, err := localDeployment(t)
	if err != nil {
		return err
	}
	// The first line says what the local stack refuses or only warns about
	// in this template (docs/local-vs-aws.md); a refusal stops the deploy
	// below with one line for each.
	support := "the template cannot be read (see below)"
	findings, err := stack.Support(t.Dir, deployment)
	if err == nil {
		support = sam.Summary(findings)
	}
	fmt.Printf("workshop: running %s (%s) locally; %s\n", t.Step.Slug, rel(t.Root, t.Dir), support)
	if err := sam.Refusals(findings); err != nil {
		return err // before starting anything
	}
	backend, err := dynamo.Start(ctx, dynamo.Options{SharedDB: true, RepoRoot: t.Root, Logs: os.Stdout})
	if err != nil {
		return startError(ctx, err)
	}
	defer backend.Close()
	opts := stack.Options{
		Dir:        t.Dir,
		Deployment: deployment,
		Backend:    backend,
		Logs:       os.Stdout,
		AccessKey:  "AKIAWORKSHOPLOCAL",
		NoIAM:      noIAM,
	}
	s, err := stack.Deploy(ctx, opts)
	// watch is there to re-check on each save: a step that does not deploy
	// yet waits for the next one.
	for err != nil && name == "watch" && ctx.Err() == nil {
		fmt.Printf("%s\nwatch: waiting for your next save of %s to deploy again (Ctrl-C stops)\n", deployMessage(err), rel(t.Root, t.Dir))
		if err := waitForSave(ctx, t.Dir); err != nil {
			return err
		}
		s, err = stack.Deploy(ctx, opts)
	}
	if err != nil {
		var ce *gobuild.CompileError
		if errors.As(err, &ce) {
			return fmt.Errorf("the function's Go code does not compile; fix it and run again:\n%v\n%s", err, strings.Join(ce.Hints(), "\n"))
		}
		return startError(ctx, err)
	}

	routes := func(s *stack.Stack) {
		fmt.Printf("\nAPI Gateway (local) listening on http://%s\n", addr)
		for _, r := range s.App.Routes {
			fmt.Printf("  %-6s http://%s%s -> %s\n", r.Method, addr, r.Path, r.Function)
		}
		if len(s.App.Routes) > 0 {
			fmt.Printf("try:   curl -i http://%s%s\n", addr, s.App.Routes[0].Path)
		} else {
			fmt.Println("the template has no Api event yet, so every path answers 403 Missing Authentication Token")
		}
		for _, tbl := range s.App.Tables {
			fmt.Printf("table: %s (%s) on %s DynamoDB at %s\n", s.Env.Refs[tbl.ID], tbl.ID, backend.Kind(), backend.Endpoint())
		}
	}
	routes(s)
	l := newLive(s, os.Stdout, routes)
	srv := &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second}
	if err := watchStep(ctx, t, l, name == "watch"); err != nil {
		fmt.Printf("workshop: %v; your edits will not reach the running app: Ctrl-C and run again after each change\n", err)
	}
	fmt.Println("logs of each invocation follow, as CloudWatch shows them. Ctrl-C stops everything.")
	served := make(chan error, 1)
	// apigw.Listen: header names reach the function as sent, and API Gateway answers what Go would refuse.
	go func() { served <- srv.Serve(apigw.Listen(ln)) }()
	select {
	case err := <-served:
		l.Stack().Shutdown(now)
		return fmt.Errorf("serving the local API: %w", err)
	case <-ctx.Done():
	}
	return shutdown(now, srv, l, backend)
}

// shutdown stops taking requests, lets those in flight finish (each within
// its function's timeout) unless now ends first, then stops the functions,
// the IAM proxy and the backend.
func shutdown(now context.Context, srv *http.Server, l *live, backend *dynamo.Backend) error {
	l.mu.Lock() // a redeploy in progress ends first
	defer l.mu.Unlock()
	s := l.Stack()
	if n, upTo := s.InFlight(); n > 0 {
		fmt.Printf("\nstopping: waiting for %d %s in flight (up to %g s); Ctrl-C again stops at once\n",
			n, plural(n, "request", "requests"), upTo.Seconds())
	} else {
		fmt.Println("\nstopping: no request in flight")
	}
	if err := srv.Shutdown(now); err != nil {
		fmt.Println("stopping at once: the requests still in flight get no answer")
		srv.Close()
	}
	parts := []string{"the functions"}
	if s.IAM != nil {
		parts = append(parts, "the IAM proxy")
	}
	if backend.Kind() != dynamo.KindEndpoint { // not ours to stop
		parts = append(parts, backend.Kind()+" DynamoDB")
	}
	fmt.Printf("stopping: %s\n", strings.Join(parts, ", "))
	err := s.Shutdown(now)
	if now.Err() != nil {
		err = nil // asked for: the invocations left were stopped
	}
	err = errors.Join(err, backend.Close())
	if err != nil {
		return fmt.Errorf("stopping the local stack: %w", err)
	}
	fmt.Println("workshop: stopped everything it started")
	return nil
}

// startError is err, unless a Ctrl-C interrupted the start: then it was asked for.
func startError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		fmt.Println("\nworkshop: stopped while starting, as asked")
		return nil
	}
	return err
}

// signals returns a context that ends at the first SIGINT or SIGTERM and one
// that ends at the second.
func signals() (first, second context.Context) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	first, cancel1 := context.WithCancel(context.Background())
	second, cancel2 := context.WithCancel(context.Background())
	go func() {
		<-ch
		cancel1()
		<-ch
		cancel2()
	}()
	return first, second
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func check(args []string, w io.Writer) error {
	step, solution, err := stepFlags("check", args, nil)
	if err != nil {
		return err
	}
	t, err := checks.FindStep(step, solution)
	if err != nil {
		return err
	}
	if t.Mode == checks.Verify {
		// Show the learner what is left to do, not the maintainers' verdict.
		t.Mode = checks.Learner
	}
	fmt.Fprintf(w, "workshop: checking %s (%s)\n", t.Step.Slug, rel(t.Root, t.Dir))
	results, err := t.Check(nil, time.Now().Add(10*time.Minute))
	if err != nil {
		return err
	}
	failed := false
	for _, l := range checks.Judge(t, results) {
		fmt.Fprintln(w, l.Text)
		failed = failed || l.Fail
	}
	if failed {
		return fmt.Errorf("%s is not done yet. Where the step's work is:\n  %s", t.Step.Slug, strings.Join(t.Step.Hints, "\n  "))
	}
	return nil
}

// manifest loads the step list of the repository around the working directory.
func manifest() (string, *checks.Manifest, error) {
	return checks.ManifestAround(".")
}

// findStep is the step arg names ("03", "3", or a slug) and the repository's root.
func findStep(arg string) (string, checks.Step, error) {
	root, m, err := manifest()
	if err != nil {
		return "", checks.Step{}, err
	}
	st, err := m.Find(arg)
	return root, st, err
}

func rehash(w io.Writer) error {
	root, m, err := manifest()
	if err != nil {
		return err
	}
	changed, err := m.Rehash(root)
	if err != nil {
		return err
	}
	if len(changed) == 0 {
		fmt.Fprintln(w, "workshop: every starter already matches", checks.ManifestFile)
		return nil
	}
	if err := m.Save(root); err != nil {
		return err
	}
	fmt.Fprintf(w, "workshop: recorded new hashes in %s for:\n  %s\n", checks.ManifestFile, strings.Join(changed, "\n  "))
	return nil
}

func rel(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil {
		return r
	}
	return path
}
