// Command soak deploys a step's app locally, as `workshop run` does, sends it
// many requests and prints their latency and the AWS SDK warnings the function
// logged: a way to see the local stack stall or retry under sustained use.
//
//	go run ./scripts/soak 05 -solution                  # 2,000 to warm up, 5,000 sequential, then 10 rounds of 300 concurrent
//	go run ./scripts/soak 05 -solution -n 500 -rounds 2 -c 50 -no-iam
//
// Everything listens on 127.0.0.1 and stops by itself after the requests, or
// after -max-time. WORKSHOP_DYNAMODB chooses the backend, as for every command.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/serverless-dva/sam-dynamodb-go/internal/apigw"
	"github.com/serverless-dva/sam-dynamodb-go/internal/checks"
	"github.com/serverless-dva/sam-dynamodb-go/internal/dynamo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/repo"
	"github.com/serverless-dva/sam-dynamodb-go/internal/stack"
)

const usage = `usage: go run ./scripts/soak STEP|./app/dir [-solution] [-warmup 2000] [-n 5000] [-rounds 10] [-c 300] [-no-iam] [-path /hello] [-max-time 30m] [-log FILE] [-samples FILE]
`

// warnMarks are what the AWS SDK for Go v2 writes when an answer goes wrong
// under it: its logger's WARN lines, a body it could not drain, a CRC32 mismatch.
var warnMarks = []string{"WARN", "failed to discard", "checksum"}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

type config struct {
	solution, noIAM bool
	warmup, n       int
	rounds, c       int
	path, logFile   string
	samplesFile     string
	maxTime         time.Duration
}

func run(args []string) error {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage); fs.PrintDefaults() }
	var cfg config
	fs.BoolVar(&cfg.solution, "solution", false, "use solutions/STEP instead of steps/STEP")
	fs.BoolVar(&cfg.noIAM, "no-iam", false, "do not put the IAM proxy in front of DynamoDB (to compare)")
	fs.IntVar(&cfg.warmup, "warmup", 2000, "sequential requests first, shown in a row of their own: the function's cold start and, on DynamoDB Local, the JVM compiling its hot code (its median keeps falling for about 2,000 requests)")
	fs.IntVar(&cfg.n, "n", 5000, "sequential requests")
	fs.IntVar(&cfg.rounds, "rounds", 10, "rounds of concurrent requests, after the sequential ones")
	fs.IntVar(&cfg.c, "c", 300, "concurrent requests in each round")
	fs.StringVar(&cfg.path, "path", "", "path to request (default: the template's first GET route)")
	fs.StringVar(&cfg.logFile, "log", "", "also write the stack's logs (function logs included) to this file")
	fs.StringVar(&cfg.samplesFile, "samples", "", "write each request's phase and latency in microseconds to this file, in order")
	fs.DurationVar(&cfg.maxTime, "max-time", 30*time.Minute, "stop sending after this long, whatever is left")
	step, err := checks.StepArgs(fs, args)
	if err != nil {
		return err
	}
	if step == "" {
		fs.Usage()
		return errors.New("which step? for example: go run ./scripts/soak 05 -solution")
	}
	if cfg.warmup < 0 || cfg.n < 0 || cfg.rounds < 0 || cfg.c < 1 || cfg.warmup+cfg.n+cfg.rounds*cfg.c > 1_000_000 {
		return errors.New("-warmup, -n and -rounds must be 0 or more, -c 1 or more, and a million requests at most in all")
	}
	t, err := checks.Locate(step, cfg.solution)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, cfg.maxTime)
	defer cancel()

	logs := &warnCounter{}
	var out io.Writer = logs
	if cfg.logFile != "" {
		f, err := os.Create(cfg.logFile)
		if err != nil {
			return fmt.Errorf("creating the log file: %w", err)
		}
		defer f.Close()
		out = io.MultiWriter(logs, f)
	}
	fmt.Printf("soak: deploying %s from %s (%s DynamoDB, IAM %s)\n", t.Step.Slug, repo.DisplayPath(t.Dir), dynamo.KindFromEnv(), onOff(!cfg.noIAM))
	backend, err := dynamo.Start(ctx, dynamo.Options{SharedDB: true, RepoRoot: t.Root, Logs: os.Stdout})
	if err != nil {
		return err
	}
	defer backend.Close()
	s, err := stack.Deploy(ctx, stack.Options{Dir: t.Dir, Backend: backend, Logs: out, NoIAM: cfg.noIAM})
	if err != nil {
		return err
	}
	defer s.Close()
	if cfg.path == "" {
		for _, r := range s.App.Routes {
			if r.Method == http.MethodGet || r.Method == "ANY" {
				cfg.path = r.Path
				break
			}
		}
		if cfg.path == "" {
			return fmt.Errorf("%s has no GET route to request; name a path with -path", t.Step.Slug)
		}
	}

	// The API is served over HTTP on 127.0.0.1, as `workshop run` serves it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listening on 127.0.0.1: %w", err)
	}
	srv := &http.Server{Handler: s.API, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(apigw.Listen(ln)) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + cfg.path
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{Proxy: nil, MaxIdleConns: cfg.c, MaxIdleConnsPerHost: cfg.c},
	}
	fmt.Printf("soak: GET %s: %d sequential to warm up, %d sequential, then %d rounds of %d concurrent (stops after %s)\n", url, cfg.warmup, cfg.n, cfg.rounds, cfg.c, cfg.maxTime)

	warm := &stats{name: "warm-up"}
	sequential(ctx, client, url, warm, cfg.warmup, logs)
	seq := &stats{name: "sequential"}
	sequential(ctx, client, url, seq, cfg.n, logs)
	conc := &stats{name: fmt.Sprintf("%d concurrent", cfg.c)}
	for r := 0; r < cfg.rounds && ctx.Err() == nil; r++ {
		var wg sync.WaitGroup
		for range cfg.c {
			wg.Go(func() { conc.add(get(ctx, client, url)) })
		}
		wg.Wait()
		fmt.Printf("  %s: round %d/%d, p99 so far %s, errors %d, SDK warnings %d\n", conc.name, r+1, cfg.rounds, conc.pct(99), conc.errs, logs.count())
	}

	fmt.Printf("\nsoak: %s, %s DynamoDB, IAM %s\n", t.Step.Slug, backend.Kind(), onOff(!cfg.noIAM))
	fmt.Printf("%-16s %6s %9s %9s %9s %9s %6s %6s\n", "", "count", "p50", "p90", "p99", "max", ">1s", "errors")
	for _, st := range []*stats{warm, seq, conc} {
		st.print()
	}
	if lo, hi, ok := seq.windows(500); ok {
		// A stall shows as one slow window; a backend still warming up, as a
		// drift from the first windows to the last.
		fmt.Printf("sequential, each 500 in order: p99/p50 from %.2fx to %.2fx\n", lo, hi)
	}
	fmt.Printf("SDK warnings in the function logs: %d\n", logs.count())
	if cfg.samplesFile != "" {
		if err := writeSamples(cfg.samplesFile, warm, seq, conc); err != nil {
			return err
		}
		fmt.Printf("soak: each request's latency is in %s\n", cfg.samplesFile)
	}
	for _, l := range logs.sample() {
		fmt.Println("  e.g.", l)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("stopped before the end: %w", context.Cause(ctx))
	}
	return nil
}

// sequential sends n requests one after the other into st, with progress.
func sequential(ctx context.Context, client *http.Client, url string, st *stats, n int, logs *warnCounter) {
	for i := 0; i < n && ctx.Err() == nil; i++ {
		st.add(get(ctx, client, url))
		if (i+1)%max(n/10, 1) == 0 {
			fmt.Printf("  %s: %d/%d, p99 so far %s, errors %d, SDK warnings %d\n", st.name, i+1, n, st.pct(99), st.errs, logs.count())
		}
	}
}

// result is one request's outcome.
type result struct {
	took time.Duration
	err  error
}

func get(ctx context.Context, c *http.Client, url string) result {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return result{err: err}
	}
	resp, err := c.Do(req)
	if err != nil {
		return result{took: time.Since(start), err: err}
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %.200s", resp.Status, body)
	}
	return result{took: time.Since(start), err: err}
}

// stats gathers the latencies of one phase.
type stats struct {
	name     string
	mu       sync.Mutex
	took     []time.Duration
	errs     int
	firstErr error
}

func (s *stats) add(r result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.took = append(s.took, r.took)
	if r.err != nil {
		s.errs++
		if s.firstErr == nil {
			s.firstErr = r.err
		}
	}
}

// pct returns the p-th percentile (nearest rank).
func (s *stats) pct(p int) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.took) == 0 {
		return 0
	}
	sorted := slices.Sorted(slices.Values(s.took))
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i-1, 0)]
}

// windows returns the lowest and highest p99/p50 ratio among consecutive
// windows of size requests; false with fewer than two windows.
func (s *stats) windows(size int) (lo, hi float64, ok bool) {
	s.mu.Lock()
	took := slices.Clone(s.took)
	s.mu.Unlock()
	for i := 0; i+size <= len(took); i += size {
		w := &stats{took: took[i : i+size]}
		r := float64(w.pct(99)) / float64(max(w.pct(50), 1))
		if !ok || r < lo {
			lo = r
		}
		if !ok || r > hi {
			hi = r
		}
		ok = true
	}
	return lo, hi, ok && len(took) >= 2*size
}

func (s *stats) print() {
	s.mu.Lock()
	n, errs, first := len(s.took), s.errs, s.firstErr
	var slow int
	var worst time.Duration
	for _, d := range s.took {
		if d > time.Second {
			slow++
		}
		worst = max(worst, d)
	}
	s.mu.Unlock()
	if n == 0 {
		return
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
	fmt.Printf("%-16s %6d %9s %9s %9s %9s %6d %6d\n", s.name, n, ms(s.pct(50)), ms(s.pct(90)), ms(s.pct(99)), ms(worst), slow, errs)
	if first != nil {
		fmt.Printf("  first error: %v\n", first)
	}
}

// warnCounter counts the log lines that carry an SDK warning and keeps the
// first few to show.
type warnCounter struct {
	mu      sync.Mutex
	partial []byte
	n       int
	first   []string
}

func (w *warnCounter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	i := bytes.LastIndexByte(w.partial, '\n')
	if i < 0 {
		return len(p), nil
	}
	sc := bufio.NewScanner(bytes.NewReader(w.partial[:i+1]))
	sc.Buffer(nil, len(w.partial)+1)
	for sc.Scan() {
		line := sc.Text()
		if slices.ContainsFunc(warnMarks, func(m string) bool { return strings.Contains(line, m) }) {
			w.n++
			if len(w.first) < 4 {
				w.first = append(w.first, line)
			}
		}
	}
	w.partial = append(w.partial[:0], w.partial[i+1:]...)
	return len(p), nil
}

func (w *warnCounter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

func (w *warnCounter) sample() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.first)
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// writeSamples writes one line per request, "phase microseconds", in the order
// the requests ended, for a closer look than percentiles give.
func writeSamples(path string, phases ...*stats) error {
	var b bytes.Buffer
	for _, st := range phases {
		st.mu.Lock()
		for _, d := range st.took {
			fmt.Fprintf(&b, "%s\t%d\n", st.name, d.Microseconds())
		}
		st.mu.Unlock()
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the samples: %w", err)
	}
	return nil
}
