// Command fn is a test Lambda function whose behaviour the event chooses.
// FN_INIT in its environment chooses how its init phase goes.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Mode string `json:"mode"`
	Dir  string `json:"dir"`  // barrier: where environments meet
	N    int    `json:"n"`    // barrier: how many must meet; exit: the status; alloc: MB
	Text string `json:"text"` // echo
}

type reply struct {
	Text     string            `json:"text,omitempty"`
	PID      int               `json:"pid"`
	Env      map[string]string `json:"env,omitempty"`
	Cwd      string            `json:"cwd,omitempty"`
	ARN      string            `json:"arn,omitempty"`
	Request  string            `json:"request,omitempty"`
	Deadline int64             `json:"deadline,omitempty"`
}

// kept holds what mode alloc allocated.
var kept [][]byte

func handle(ctx context.Context, ev event) (reply, error) {
	r := reply{PID: os.Getpid()}
	switch ev.Mode {
	case "echo":
		r.Text = ev.Text
	case "log":
		fmt.Println("hello from stdout")
		log.Print("hello from stderr")
		fmt.Print("no newline at the end")
	case "error":
		return r, errors.New("bad input")
	case "panic":
		panic("boom")
	case "exit":
		fmt.Println("exiting")
		os.Exit(ev.N)
	case "sleep":
		time.Sleep(time.Minute)
	case "alloc":
		// Allocate N MB and touch every page, as a handler that loads a
		// big file would; keep it reachable.
		for range ev.N {
			b := make([]byte, 1<<20)
			for j := 0; j < len(b); j += 4096 {
				b[j] = 1
			}
			kept = append(kept, b)
		}
	case "env":
		r.Env = map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			r.Env[k] = v
		}
		r.Cwd, _ = os.Getwd()
		lc, _ := lambdacontext.FromContext(ctx)
		r.ARN, r.Request = lc.InvokedFunctionArn, lc.AwsRequestID
		dl, _ := ctx.Deadline()
		r.Deadline = dl.UnixMilli()
	case "barrier":
		// Wait until N environments run at the same time.
		if err := os.WriteFile(filepath.Join(ev.Dir, fmt.Sprint(os.Getpid())), nil, 0o644); err != nil {
			return r, err
		}
		for {
			names, _ := os.ReadDir(ev.Dir)
			if len(names) >= ev.N {
				return r, nil
			}
			select {
			case <-ctx.Done():
				return r, ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
	default:
		return r, fmt.Errorf("unknown mode %q", ev.Mode)
	}
	return r, nil
}

func main() {
	fmt.Println("init: starting")
	switch os.Getenv("FN_INIT") {
	case "exit":
		log.Fatal("init: cannot load configuration")
	case "initerror":
		fmt.Println("init: posting an init error")
		url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
		req, _ := http.NewRequest("POST", url, strings.NewReader(`{"errorMessage":"missing TABLE_NAME","errorType":"InitError"}`))
		req.Header.Set("Lambda-Runtime-Function-Error-Type", "InitError")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		time.Sleep(time.Minute) // Lambda stops the environment
	case "hang":
		time.Sleep(time.Minute)
	case "alloc":
		if _, err := handle(context.Background(), event{Mode: "alloc", N: 300}); err != nil {
			log.Fatal(err)
		}
	}
	lambda.Start(handle)
}
